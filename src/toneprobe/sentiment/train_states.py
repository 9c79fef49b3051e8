"""Train the customer-state classifier (``models/customer-states-de``), training time only.

    python scripts/train_models.py --only states

Data: ``data/customer_states/train.tsv`` (``id<TAB>labels<TAB>voice<TAB>text``, written and
labelled by the project, see its ``GUIDE.md``); ``dev.tsv`` only reports. Each row is also
trained on in ASR form (lower case, no punctuation) at ``asr_weight``: customers on the phone
reach the model through speech recognition. A row with two labels becomes one training row
per label, each with ``1 / n_labels`` of the row's weight, so a softmax trained on
``problem_report,anger_frustration`` puts about half its mass on anger (the de-escalation
detector reads the anger probability, not the argmax).

The model is the ``toneprobe-linear`` family of the sentiment model: word and character
TF-IDF (``features.py``) plus, optionally, the sentiment model's word-vector table (pooled
mean/max/min), a multinomial logistic regression, a temperature from out-of-fold logits.
Hyperparameters are chosen by k-fold cross-validation on the training rows (never on dev).
scikit-learn is needed here only; inference is numpy (``states.py``).
"""

from __future__ import annotations

import csv
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from toneprobe.errors import InputError
from toneprobe.sentiment.embedded import LinearModel, load_linear, softmax
from toneprobe.sentiment.features import EmbeddingTable, Featurizer
from toneprobe.sentiment.fitting import design
from toneprobe.sentiment.states import STATES, TASK
from toneprobe.sentiment.train import (
    asr_form,
    fit_temperature,
    read_tsv,
    save_model,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StateRow:
    id: str
    labels: tuple[str, ...]
    voice: str
    text: str


def read_states(path: Path) -> list[StateRow]:
    """Rows of a customer-state TSV; an unknown label raises InputError naming file and line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise InputError(f"cannot read training data: {err.strerror or err}", str(path)) from err
    rows = list(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or [c.strip() for c in rows[0]] != ["id", "labels", "voice", "text"]:
        raise InputError("expected the header id<TAB>labels<TAB>voice<TAB>text", str(path), 1)
    out: list[StateRow] = []
    for n, row in enumerate(rows[1:], 2):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) != 4:
            raise InputError(f"expected 4 columns, got {len(row)}", str(path), n)
        labels = tuple(lab.strip() for lab in row[1].split(",") if lab.strip())
        bad = [lab for lab in labels if lab not in STATES]
        if bad or not labels:
            raise InputError(f"unknown label {','.join(bad) or '(none)'}", str(path), n)
        out.append(StateRow(row[0], labels, row[2], row[3]))
    return out


@dataclass
class StateHyper:
    """Hyperparameters of the customer-state model."""

    C: float = 4.0
    char_weight: float = 1.0
    char_hi: int = 5
    word_max_n: int = 2
    min_df: int = 1
    asr_weight: float = 0.5
    #: multi-label rows: "split" (one row per label, weight 1/k) or "first" (first label only)
    multi: str = "split"
    #: word vectors: "" (none) or "sentiment" (the sentiment model's table, pooled)
    embedding: str = "sentiment"
    emb_weight: float = 1.0
    class_balance: bool = True
    #: weak rows from the sentiment corpora: {source file stem: weight}; their negative rows
    #: become anger_frustration (and, unless ``weak_negative_only``, their positive rows
    #: relief_satisfaction, neutral ones none)
    weak: dict[str, float] = field(default_factory=dict)
    weak_negative_only: bool = True


def expand(
    rows: Sequence[StateRow], hp: StateHyper, weight: float = 1.0
) -> tuple[list[str], np.ndarray, np.ndarray, list[int]]:
    """Training rows (text, state index, weight) from labelled rows, with ASR copies; the
    last list gives the labelled row each training row came from (for grouped folds)."""
    texts: list[str] = []
    ys: list[int] = []
    ws: list[float] = []
    origin: list[int] = []
    for i, r in enumerate(rows):
        labels = r.labels if hp.multi == "split" else r.labels[:1]
        forms = [(r.text, 1.0)]
        asr = asr_form(r.text)
        if hp.asr_weight > 0 and asr and asr != r.text:
            forms.append((asr, hp.asr_weight))
        for text, fw in forms:
            for lab in labels:
                texts.append(text)
                ys.append(STATES.index(lab))
                ws.append(weight * fw / len(labels))
                origin.append(i)
    return texts, np.array(ys, dtype=np.int64), np.array(ws), origin


_WEAK_MAP = {"negative": "anger_frustration", "positive": "relief_satisfaction", "neutral": "none"}


def weak_rows(
    data: Path, weak: dict[str, float], negative_only: bool = True
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Sentiment-corpus rows as weak state rows (see :class:`StateHyper`), weighted."""
    texts: list[str] = []
    ys: list[int] = []
    ws: list[float] = []
    for stem, w in sorted(weak.items()):
        ds = read_tsv(data / f"{stem}.tsv")
        for t, lab in zip(ds.texts, ds.labels, strict=True):
            if negative_only and lab != "negative":
                continue
            texts.append(t)
            ys.append(STATES.index(_WEAK_MAP[lab]))
            ws.append(w)
    return texts, np.array(ys, dtype=np.int64), np.array(ws)


def _class_weights(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Half-way class balancing (square root of inverse class mass), as the sentiment model."""
    mass = np.bincount(y, weights=w, minlength=len(STATES))
    present = mass > 0
    cw = np.ones(len(STATES))
    cw[present] = mass[present].sum() / (present.sum() * mass[present])
    return np.sqrt(cw)[y]


def fit(
    texts: Sequence[str],
    y: np.ndarray,
    w: np.ndarray,
    hp: StateHyper,
    seed: int,
    table: EmbeddingTable | None = None,
) -> LinearModel:
    """Featurizer, optional word-vector table and a multinomial logistic regression."""
    from sklearn.linear_model import LogisticRegression

    feat = Featurizer(
        char_weight=hp.char_weight, tokenizer=2, negation=True, char_hi=hp.char_hi,
        word_max_n=hp.word_max_n,
    )  # fmt: skip
    feat.fit(texts, min_df_word=hp.min_df, min_df_char=max(hp.min_df, 2))
    emb = table if hp.embedding else None
    X = design(feat, emb, hp.emb_weight, texts)
    sw = w * (_class_weights(y, w) if hp.class_balance else 1.0)
    sw = sw * (len(sw) / sw.sum())
    clf = LogisticRegression(C=hp.C, max_iter=3000, tol=1e-4, random_state=seed)
    clf.fit(X, y, sample_weight=sw)
    coef = np.zeros((X.shape[1], len(STATES)), dtype=np.float32)
    intercept = np.full(len(STATES), -10.0)
    coef[:, clf.classes_] = clf.coef_.T  # a state absent from the rows stays unlikely
    intercept[clf.classes_] = clf.intercept_
    return LinearModel(feat, coef, intercept, STATES, emb, hp.emb_weight)


def sentiment_table(path: Path) -> EmbeddingTable:
    """The word-vector table of the sentiment model at ``path`` (shared words, same vectors)."""
    model, _ = load_linear(path)
    if model.embedding is None:
        raise InputError("the sentiment model has no word-vector table", str(path))
    return model.embedding


def state_f1(rows: Sequence[StateRow], probs: np.ndarray, seed: int = 13) -> dict[str, object]:
    """Per-state F1 with multi-label truth (a row counts for every state it carries) and one
    predicted state per row (the most probable); macro-F1 over the five states with a
    percentile-bootstrap 95% interval (rows resampled), and accuracy (the predicted state is
    one of the row's labels)."""
    truth = np.array([[s in r.labels for s in STATES] for r in rows])
    hit = np.eye(len(STATES), dtype=bool)[probs.argmax(axis=1)]

    def f1(t: np.ndarray, h: np.ndarray) -> np.ndarray:  # (..., n, 5) -> (..., 5)
        tp = (t & h).sum(axis=-2)
        denom = 2 * tp + (~t & h).sum(axis=-2) + (t & ~h).sum(axis=-2)
        return np.divide(2 * tp, denom, out=np.zeros(denom.shape), where=denom > 0)

    per = f1(truth, hit)
    idx = np.random.default_rng(seed).integers(0, len(rows), size=(1000, len(rows)))
    boot = f1(truth[idx], hit[idx]).mean(axis=1)
    lo, hi = np.quantile(boot, [0.025, 0.975])
    return {
        "macro_f1": round(float(per.mean()), 4),
        "ci95": [round(float(lo), 4), round(float(hi), 4)],
        "per_state": {s: round(float(v), 4) for s, v in zip(STATES, per, strict=True)},
        "accuracy": round(float(np.mean((truth & hit).any(axis=1))), 4),
        "rows": len(rows),
    }


def _folds(groups: Sequence[int], strata: Sequence[int], k: int, seed: int) -> list[np.ndarray]:
    """Folds over labelled rows (stratified by first label), expanded to their training rows."""
    rng = np.random.default_rng(seed)
    n_rows = max(groups) + 1
    fold_of = np.empty(n_rows, dtype=np.int64)
    strata_arr = np.asarray(strata)
    for s in np.unique(strata_arr):
        idx = np.flatnonzero(strata_arr == s)
        rng.shuffle(idx)
        fold_of[idx] = np.arange(len(idx)) % k
    g = np.asarray(groups)
    return [np.flatnonzero(fold_of[g] == i) for i in range(k)]


def cross_validate(
    rows: Sequence[StateRow],
    hp: StateHyper,
    seed: int,
    k: int,
    table: EmbeddingTable | None,
    weak: tuple[list[str], np.ndarray, np.ndarray] | None = None,
) -> tuple[dict[str, object], np.ndarray, np.ndarray]:
    """k-fold CV over the labelled rows (a row and its ASR copy stay in one fold): the
    metrics on the original rows, the out-of-fold logits of all training rows and their
    labels (for the temperature)."""
    texts, y, w, origin = expand(rows, hp)
    strata = [STATES.index(r.labels[0]) for r in rows]
    oof = np.zeros((len(y), len(STATES)))
    row_logits = np.zeros((len(rows), len(STATES)))
    for fold in _folds(origin, strata, k, seed):
        keep = np.setdiff1d(np.arange(len(y)), fold)
        tx, ty, tw = [texts[i] for i in keep], y[keep], w[keep]
        if weak is not None:
            tx, ty, tw = tx + weak[0], np.concatenate([ty, weak[1]]), np.concatenate([tw, weak[2]])
        model = fit(tx, ty, tw, hp, seed, table)
        oof[fold] = model.logits([texts[i] for i in fold])
        held = sorted({origin[i] for i in fold})
        row_logits[held] = model.logits([rows[i].text for i in held])
    metrics = state_f1(rows, softmax(row_logits))
    return metrics, oof, y


def train_states(
    train_file: Path,
    dev_file: Path | None,
    out_dir: Path,
    *,
    grid: Sequence[StateHyper],
    sentiment_model: Path | None = None,
    data: Path | None = None,
    seed: int = 13,
    cv_folds: int = 5,
) -> dict[str, object]:
    """Choose hyperparameters by CV on ``train_file``, fit on all of it, write the model,
    ``metrics.json`` and ``MODEL_CARD.md`` to ``out_dir``; return the metrics."""
    t0 = time.perf_counter()
    rows = read_states(train_file)
    table = sentiment_table(sentiment_model) if sentiment_model is not None else None
    best: tuple[float, StateHyper, np.ndarray, np.ndarray] | None = None
    cv_report = []
    for hp in grid:
        if hp.embedding and table is None:
            raise InputError("a word-vector table needs the sentiment model", str(train_file))
        weak = (
            weak_rows(data, hp.weak, hp.weak_negative_only)
            if hp.weak and data is not None
            else None
        )
        m, oof, y = cross_validate(rows, hp, seed, cv_folds, table, weak)
        cv_report.append({"hyper": dict(vars(hp)), **m})
        log.info("CV %s -> %s", vars(hp), m["macro_f1"])
        if best is None or float(m["macro_f1"]) > best[0]:  # type: ignore[arg-type]
            best = (float(m["macro_f1"]), hp, oof, y)  # type: ignore[arg-type]
    assert best is not None
    score, hp, oof, y_oof = best
    temperature = fit_temperature(oof, y_oof)
    texts, y, w, _ = expand(rows, hp)
    if hp.weak and data is not None:
        wt, wy, ww = weak_rows(data, hp.weak, hp.weak_negative_only)
        texts, y, w = texts + wt, np.concatenate([y, wy]), np.concatenate([w, ww])
    model = fit(texts, y, w, hp, seed, table)
    model.temperature = temperature
    dev: dict[str, object] = {}
    if dev_file is not None:
        dev_rows = read_states(dev_file)
        dev["customer_states_dev"] = state_f1(
            dev_rows, model.predict_proba([r.text for r in dev_rows])
        )
        dev["customer_states_dev_asr"] = state_f1(
            dev_rows, model.predict_proba([asr_form(r.text) for r in dev_rows])
        )
    metrics: dict[str, object] = {
        "task": TASK,
        "labels": list(STATES),
        "seed": seed,
        "hyper": dict(vars(hp)),
        "cv_folds": cv_folds,
        "cv_macro_f1": round(score, 4),
        "cv": cv_report,
        "temperature": round(temperature, 4),
        "train_rows": len(rows),
        "train_file": Path(train_file).name,
        "dev": dev,
        "embedding_dim": model.embedding.dim if model.embedding is not None else 0,
        "train_seconds": round(time.perf_counter() - t0, 1),
    }
    save_model(model, Path(out_dir), TASK, 0.5, metrics)
    metrics.update(_measure(Path(out_dir)))
    (Path(out_dir) / "metrics.json").write_text(
        json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    write_card(Path(out_dir), metrics)
    return metrics


_BENCH = [
    "Mein Router blinkt seit gestern rot und ich habe kein Internet.",
    "Ich muss schon sagen, ich bin von Ihrem Service sehr enttäuscht.",
    "Was passiert denn, wenn ich die Rechnung nicht rechtzeitig bezahlen kann?",
    "Ach, da bin ich aber froh, vielen Dank.",
    "Meine Kundennummer ist 1234 5678.",
    "das ist jetzt schon das dritte mal dass ich hier anrufe",
]


def _measure(out_dir: Path, n: int = 3000) -> dict[str, object]:
    """Size on disk, load time and sentences per second of the saved model (for the card)."""
    from toneprobe.sentiment.card import speed_figures
    from toneprobe.sentiment.states import CustomerStateClassifier

    return speed_figures(CustomerStateClassifier(out_dir), out_dir, _BENCH, n)


def write_card(out_dir: Path, m: dict[str, object]) -> None:
    """``MODEL_CARD.md`` from the metrics (figures are the training run's)."""
    from toneprobe.sentiment.card import SHARED_TABLE_NOTE

    hp = m["hyper"]
    assert isinstance(hp, dict)
    size_mb = int(m["size_bytes"]) / 1e6  # type: ignore[call-overload]
    dev = m.get("dev") or {}
    assert isinstance(dev, dict)
    lines = [
        "# toneprobe German customer-state classifier (embedded)",
        "",
        "What state a customer sentence shows: `anger_frustration`, `worry`, `problem_report`",
        "(a calm description of what is broken), `relief_satisfaction` or `none` (see",
        "`data/customer_states/GUIDE.md`). Used by the de-escalation detector: upset starts at",
        "anger (with the weight `src/toneprobe/data/upset.json` gives worry), blended with",
        "negative sentiment less the problem-report probability as that file says (a calm",
        "report is not upset).",
        "",
        "## Training",
        "",
        f"- Data: `data/customer_states/{m['train_file']}`, {m['train_rows']} customer sentences "
        "written and labelled by the toneprobe project (one writer, no agreement figure).",
        f"- Every row also in ASR form (lower case, no punctuation) at weight {hp['asr_weight']}.",
        "- Rows with two labels: "
        + (
            "one training row per label, each with half the row's weight."
            if hp["multi"] == "split"
            else "the first label only."
        ),
        "- Weak rows from sentiment corpora: "
        + (
            ", ".join(f"{k} at weight {v}" for k, v in hp["weak"].items())
            + (
                " (negative rows as anger_frustration)"
                if hp.get("weak_negative_only", True)
                else " (negative -> anger_frustration, positive -> relief_satisfaction, "
                "neutral -> none)"
            )
            if hp["weak"]
            else "none."
        ),
        "- Features: word 1-2-grams and character n-grams (TF-IDF, `features.py`)"
        + (
            ", plus the sentiment model's word vectors (mean/max/min pooled)."
            if hp["embedding"]
            else "."
        ),
        f"- Multinomial logistic regression, C = {hp['C']}, half-way class balancing; "
        f"temperature {m['temperature']} from {m['cv_folds']}-fold out-of-fold logits.",
        f"- Hyperparameters by {m['cv_folds']}-fold CV on the training rows "
        f"(macro-F1 {m['cv_macro_f1']}); the dev file only reports.",
        "",
        "## Dev figures (project-written sentences, split by scenario)",
        "",
        "Per-state F1 with one predicted state per sentence (the most probable) against the",
        "sentence's labels (a sentence with two labels counts for both).",
        "",
        "| set | macro-F1 (95% CI) | " + " | ".join(STATES) + " | accuracy |",
        "|---|---|" + "---|" * len(STATES) + "---|",
    ]
    for name, d in dev.items():
        per = d["per_state"]
        lo, hi = d["ci95"]
        lines.append(
            f"| {name} ({d['rows']} rows) | {d['macro_f1']:.3f} ({lo:.3f}-{hi:.3f}) | "
            + " | ".join(f"{per[s]:.3f}" for s in STATES)
            + f" | {d['accuracy']:.3f} |"
        )
    lines += [
        "",
        "These are figures on sentences the same writer wrote as the training rows: expect",
        "lower figures on customers the project never heard.",
        "",
        "## Size and speed",
        "",
        f"{size_mb:.1f} MB on disk, loads in {m['load_seconds']} s, "
        f"about {m['sentences_per_second']:,} sentences per second on one core "
        "(numpy only, no download).",
        "",
        SHARED_TABLE_NOTE,
        "",
        "Rebuild: `python scripts/train_models.py --only states`.",
        "",
    ]
    (out_dir / "MODEL_CARD.md").write_text("\n".join(lines), encoding="utf-8")

"""Training of the agent-move classifier (issue 13): one logistic head per move (sigmoid).

The features are the sentiment model's: the same ``Featurizer`` (word and character n-grams,
TF-IDF) fitted on the agent-move sentences, plus the sentiment model's word-vector table
(``EmbeddingTable``, copied into the model so it loads on its own). Each move gets its own
binary logistic regression over these features (one-vs-rest, multi-label); the model is saved
in the ``toneprobe-linear`` format with ``"activation": "sigmoid"`` and the per-move decision
thresholds (chosen on out-of-fold predictions of the training rows, never on dev).

scikit-learn and scipy are used here only (the ``train`` extra); inference
(``toneprobe.sentiment.moves``) needs numpy alone.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toneprobe.errors import InputError
from toneprobe.sentiment.embedded import LinearModel, load_linear
from toneprobe.sentiment.features import EmbeddingTable, Featurizer
from toneprobe.sentiment.fitting import design
from toneprobe.sentiment.move_labels import MOVE_LABELS
from toneprobe.sentiment.train import asr_form, save_model

log = logging.getLogger(__name__)

NONE = "none"


@dataclass
class MoveRows:
    """Sentences with their move labels (multi-hot, ``MOVE_LABELS`` order)."""

    texts: list[str]
    y: np.ndarray  # (n, len(MOVE_LABELS)) of 0/1
    voices: list[str]


def read_moves(path: Path) -> MoveRows:
    """Read a TSV ``id labels voice text`` (labels comma-separated; ``none`` alone)."""
    texts: list[str] = []
    rows: list[list[int]] = []
    voices: list[str] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        for line, row in enumerate(reader, start=2):
            labels = [x.strip() for x in (row.get("labels") or "").split(",") if x.strip()]
            unknown = [x for x in labels if x != NONE and x not in MOVE_LABELS]
            if not labels or unknown or (NONE in labels and len(labels) > 1):
                raise InputError(f"bad labels {row.get('labels')!r}", str(path), line)
            texts.append(row["text"])
            rows.append([int(lab in labels) for lab in MOVE_LABELS])
            voices.append(row.get("voice") or "")
    return MoveRows(texts, np.array(rows, dtype=np.int64), voices)


def with_asr_copies(rows: MoveRows, weight: float) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The rows plus an ASR-form copy (lower case, no punctuation) of each, at ``weight``."""
    texts = list(rows.texts)
    y = [rows.y]
    w = [np.ones(len(texts))]
    pick = [i for i, t in enumerate(rows.texts) if asr_form(t) and asr_form(t) != t]
    texts += [asr_form(rows.texts[i]) for i in pick]
    y.append(rows.y[pick])
    w.append(np.full(len(pick), weight))
    return texts, np.vstack(y), np.concatenate(w)


def shared_embedding(model_dir: Path, pooling: Sequence[str]) -> EmbeddingTable:
    """The word-vector table of an embedded model directory, with the given pooling."""
    model, _ = load_linear(model_dir)
    if model.embedding is None:
        raise InputError(f"{model_dir}: the model has no word-vector table")
    return EmbeddingTable(model.embedding.words, model.embedding.vectors, pooling=pooling)


@dataclass
class MoveHyper:
    C: float = 4.0
    emb_weight: float = 1.0
    pooling: tuple[str, ...] = ("mean", "max", "min")
    min_df: int = 2
    asr_weight: float = 0.5
    class_weight: str | None = "balanced"


def fit_moves(
    rows: MoveRows, hp: MoveHyper, emb: EmbeddingTable | None, seed: int = 13
) -> LinearModel:
    """Featurizer + one logistic head per move, as a ``LinearModel`` (sigmoid outputs)."""
    from sklearn.linear_model import LogisticRegression

    texts, y, w = with_asr_copies(rows, hp.asr_weight)
    feat = Featurizer(tokenizer=2, negation=True).fit(
        texts, min_df_word=hp.min_df, min_df_char=hp.min_df
    )
    table = None
    if emb is not None:
        table = EmbeddingTable(emb.words, emb.vectors, pooling=hp.pooling)
    X = design(feat, table, hp.emb_weight, texts)
    coef = np.zeros((X.shape[1], len(MOVE_LABELS)), dtype=np.float32)
    intercept = np.zeros(len(MOVE_LABELS))
    for j in range(len(MOVE_LABELS)):
        clf = LogisticRegression(
            C=hp.C, class_weight=hp.class_weight, max_iter=3000, tol=1e-4, random_state=seed
        )
        clf.fit(X, y[:, j], sample_weight=w)
        coef[:, j] = clf.coef_[0]
        intercept[j] = clf.intercept_[0]
    return LinearModel(feat, coef, intercept, MOVE_LABELS, table, hp.emb_weight)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def predict(model: LinearModel, texts: list[str]) -> np.ndarray:
    return sigmoid(model.final_logits(texts))


def oof_probs(
    rows: MoveRows, hp: MoveHyper, emb: EmbeddingTable | None, k: int = 4, seed: int = 13
) -> np.ndarray:
    """Out-of-fold probabilities of the training rows (k folds in blocks of consecutive rows:
    the rows come in scenario batches, so a block keeps most scenarios in one fold)."""
    n = len(rows.texts)
    out = np.zeros((n, len(MOVE_LABELS)))
    bounds = np.linspace(0, n, k + 1).astype(int)
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        keep = np.r_[0:a, b:n]
        sub = MoveRows([rows.texts[i] for i in keep], rows.y[keep], [rows.voices[i] for i in keep])
        model = fit_moves(sub, hp, emb, seed)
        out[a:b] = predict(model, rows.texts[a:b])
    return out


def f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = int((y & pred).sum())
    fp = int((~y & pred).sum())
    fn = int((y & ~pred).sum())
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def best_thresholds(y: np.ndarray, probs: np.ndarray) -> list[float]:
    """Per move the threshold (0.20..0.90, step 0.05) with the best F1."""
    grid = np.round(np.arange(0.20, 0.901, 0.05), 2)
    out = []
    for j in range(y.shape[1]):
        yj = y[:, j].astype(bool)
        scores = [f1(yj, probs[:, j] >= t) for t in grid]
        out.append(float(grid[int(np.argmax(scores))]))
    return out


def per_label_f1(y: np.ndarray, probs: np.ndarray, thresholds: Sequence[float]) -> dict[str, float]:
    return {
        lab: round(f1(y[:, j].astype(bool), probs[:, j] >= thresholds[j]), 3)
        for j, lab in enumerate(MOVE_LABELS)
    }


def save_moves(
    model: LinearModel, out_dir: Path, thresholds: Sequence[float], metrics: dict[str, object]
) -> None:
    """``save_model`` (the ``toneprobe-linear`` files), then the sigmoid activation and the
    per-move thresholds added to ``model.json``."""
    import json

    save_model(model, out_dir, "agent_moves", 0.5, metrics)
    path = out_dir / "model.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config["activation"] = "sigmoid"
    config["thresholds"] = dict(zip(MOVE_LABELS, thresholds, strict=True))
    path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

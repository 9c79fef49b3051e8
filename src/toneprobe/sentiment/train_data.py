"""Training data: reading labelled TSV files, label names, ASR-form copies.

Input files are TSV, ``label<TAB>text`` with or without a header row. With a header, the
columns ``label`` (or ``coarse``) and ``text`` are used; a ``relevant`` column, if present,
drops the rows marked false (GermEval 2017 style).
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from toneprobe.errors import InputError
from toneprobe.sentiment.base import LABELS

if TYPE_CHECKING:
    from toneprobe.sentiment.fitting import Hyper

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

"""Scores of a sentiment model on an out-of-domain dev set (issue 12): pure functions, no I/O.

Three-class sets are scored as usual (macro-F1 over positive/negative/neutral). Binary sets
(gold labels positive/negative only, e.g. star-rated reviews) are scored with the model's
three-way answer: a neutral answer is simply wrong (a miss for the gold class, never a false
alarm for the other one). For information the *forced* binary answer (argmax over the positive
and negative probabilities only) is scored too.

Calibration is reported as the expected calibration error (ECE) of the model's top answer:
equal-width confidence bins, ``sum_b n_b / n * |accuracy_b - confidence_b|``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from toneprobe.sentiment.base import LABELS
from toneprobe.sentiment.train import macro_f1, macro_f1_ci

POSITIVE, NEGATIVE, NEUTRAL = (LABELS.index(lab) for lab in ("positive", "negative", "neutral"))


def expected_calibration_error(
    probs: np.ndarray | Sequence[Sequence[float]],
    y_true: np.ndarray | Sequence[int],
    n_bins: int = 10,
) -> float:
    """ECE of the top answer over ``n_bins`` equal-width confidence bins in [0, 1].

    ``probs`` is (n, k) with rows summing to 1; ``y_true`` holds column indices. A gold label
    the model cannot answer (e.g. none of its columns) simply never counts as correct.
    Bins are right-closed (a confidence of exactly 1.0 falls in the last bin); empty bins
    contribute nothing. 0.0 for an empty set.
    """
    p = np.asarray(probs, dtype=np.float64)
    y = np.asarray(y_true, dtype=np.int64)
    if p.ndim != 2 or len(p) != len(y):
        raise ValueError(f"probs must be (n, k) with n = len(y_true); got {p.shape} and {len(y)}")
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1 (got {n_bins})")
    n = len(y)
    if n == 0:
        return 0.0
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    # bin b holds confidences in (b/n_bins, (b+1)/n_bins]; 0.0 goes to the first bin.
    # searchsorted on the inner edges, not ceil(conf * n_bins): 0.7 * 10 is 7.000000000000001
    inner = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
    bins = np.searchsorted(inner, conf, side="left")
    ece = 0.0
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            ece += mask.sum() / n * abs(correct[mask].mean() - conf[mask].mean())
    return float(ece)


def forced_binary(probs: np.ndarray) -> np.ndarray:
    """Argmax over the positive and negative columns only (neutral excluded)."""
    p = np.asarray(probs)
    return np.where(p[:, POSITIVE] >= p[:, NEGATIVE], POSITIVE, NEGATIVE)


def binary_macro_f1(y_true: np.ndarray, pred: np.ndarray) -> float:
    """Macro-F1 over positive and negative when the gold labels are only those two.

    ``pred`` may contain NEUTRAL: it is a miss for the gold class and no false alarm for the
    other class.
    """
    return macro_f1(_to_pn(y_true), _to_pn(pred), 2)


def binary_macro_f1_ci(y_true: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    """Bootstrap 95% interval of :func:`binary_macro_f1`, via ``macro_f1_ci``.

    Three-class macro-F1 of a set without neutral gold labels is always
    ``(F1_pos + F1_neg + 0) / 3`` (the neutral class never has a true positive), in every
    resample too, so the binary interval is the three-class one times 3/2.
    """
    lo, hi = macro_f1_ci(_to_pn(y_true), _to_pn(pred), 3)
    return (lo * 1.5, hi * 1.5)


def _to_pn(idx: np.ndarray) -> np.ndarray:
    """LABELS indices -> 0 positive, 1 negative, 2 neutral (the order macro_f1 averages over)."""
    a = np.asarray(idx, dtype=np.int64)
    out = np.full(a.shape, 2, dtype=np.int64)
    out[a == POSITIVE] = 0
    out[a == NEGATIVE] = 1
    return out


@dataclass(frozen=True)
class OodScore:
    """How a model did on one OOD set. ``forced_f1`` is None for three-class sets."""

    rows: int
    binary: bool
    macro_f1: float
    ci95: tuple[float, float]
    ece: float
    neutral_rate: float  # share of answers that are neutral
    forced_f1: float | None
    label_counts: dict[str, int]
    pred_counts: dict[str, int]


def score_ood(probs: np.ndarray, gold: Sequence[str]) -> OodScore:
    """Score (n, 3) probabilities in ``LABELS`` order against gold label strings.

    The set is binary when no gold label is neutral.
    """
    p = np.asarray(probs, dtype=np.float64)
    y = np.array([LABELS.index(lab) for lab in gold], dtype=np.int64)
    if p.shape != (len(y), len(LABELS)):
        raise ValueError(f"probs must be ({len(y)}, {len(LABELS)}); got {p.shape}")
    pred = p.argmax(axis=1) if len(y) else np.zeros(0, dtype=np.int64)
    binary = bool(len(y)) and not bool((y == NEUTRAL).any())
    if binary:
        f1 = binary_macro_f1(y, pred)
        ci = binary_macro_f1_ci(y, pred)
        forced: float | None = binary_macro_f1(y, forced_binary(p))
    else:
        f1 = macro_f1(y, pred, len(LABELS))
        ci = macro_f1_ci(y, pred, len(LABELS))
        forced = None
    return OodScore(
        rows=len(y),
        binary=binary,
        macro_f1=f1,
        ci95=ci,
        ece=expected_calibration_error(p, y) if len(y) else 0.0,
        neutral_rate=float((pred == NEUTRAL).mean()) if len(y) else 0.0,
        forced_f1=forced,
        label_counts={lab: int((y == i).sum()) for i, lab in enumerate(LABELS)},
        pred_counts={lab: int((pred == i).sum()) for i, lab in enumerate(LABELS)},
    )

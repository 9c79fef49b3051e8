"""The interval functions behind ``make evaluate-models``: bootstrap macro-F1, Wilson rates."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from toneprobe.sentiment.checklist import wilson
from toneprobe.sentiment.metrics import format_ci, macro_f1, macro_f1_ci


def _labels(n: int, seed: int, n_classes: int = 3, accuracy: float = 0.7):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, size=n)
    wrong = rng.random(n) > accuracy
    pred = np.where(wrong, (y + rng.integers(1, n_classes, size=n)) % n_classes, y)
    return y, pred


@pytest.mark.parametrize(("n", "n_classes", "seed"), [(40, 3, 1), (120, 2, 2), (300, 3, 3)])
def test_metrics_macro_f1_ci_is_the_percentile_bootstrap(n: int, n_classes: int, seed: int):
    """The vectorised interval equals a plain loop over the same resamples."""
    y, pred = _labels(n, seed, n_classes)
    n_boot = 500
    rng = np.random.default_rng(7)
    idx = rng.integers(0, n, size=(n_boot, n))
    scores = [macro_f1(y[i], pred[i], n_classes) for i in idx]
    want = np.quantile(scores, [0.025, 0.975])
    got = macro_f1_ci(y, pred, n_classes, n_boot=n_boot, seed=7)
    assert got == pytest.approx(tuple(want), abs=1e-12)


def test_metrics_macro_f1_ci_holds_the_figure_and_is_deterministic():
    y, pred = _labels(200, 4)
    lo, hi = macro_f1_ci(y, pred, 3)
    assert lo < macro_f1(y, pred, 3) < hi
    assert macro_f1_ci(y, pred, 3) == (lo, hi)
    assert macro_f1_ci(y, pred, 3, seed=14) != (lo, hi)


def test_metrics_macro_f1_ci_narrower_at_a_lower_level():
    y, pred = _labels(200, 5)
    lo95, hi95 = macro_f1_ci(y, pred, 3, level=0.95)
    lo80, hi80 = macro_f1_ci(y, pred, 3, level=0.80)
    assert lo95 < lo80 < hi80 < hi95


def test_metrics_macro_f1_ci_perfect_and_empty():
    y = np.array([0, 1, 2] * 100)  # every resample holds every class
    assert macro_f1_ci(y, y, 3) == (1.0, 1.0)
    assert macro_f1_ci([], [], 3) == (0.0, 0.0)


def test_metrics_macro_f1_ci_resample_without_a_class_scores_it_zero():
    """On a tiny set some resamples miss a class; like macro_f1 they score it 0."""
    y = np.array([0, 1, 2, 0, 1, 2])
    lo, hi = macro_f1_ci(y, y, 3)
    assert hi == 1.0
    assert lo == pytest.approx(2 / 3)


@pytest.mark.parametrize(("k", "n"), [(0, 10), (10, 10), (7, 12), (18, 432), (192, 252), (1, 3)])
def test_metrics_wilson_matches_scipy(k: int, n: int):
    want = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    lo, hi = wilson(k, n)
    # toneprobe uses z = 1.96, scipy the exact quantile 1.959964...
    assert (lo, hi) == pytest.approx((want.low, want.high), abs=2e-5)
    assert lo <= k / n <= hi


@pytest.mark.parametrize(
    ("ci", "text"), [((0.61849, 0.68351), "0.618-0.684"), (None, "-"), ((1.0, 1.0), "1.000-1.000")]
)
def test_metrics_format_ci(ci, text: str):
    assert format_ci(ci) == text

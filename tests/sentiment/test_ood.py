"""Out-of-domain scoring (toneprobe.sentiment.ood): ECE, binary sets where neutral is wrong."""

from __future__ import annotations

import numpy as np
import pytest

from toneprobe.sentiment.base import LABELS
from toneprobe.sentiment.ood import (
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    binary_macro_f1,
    binary_macro_f1_ci,
    expected_calibration_error,
    forced_binary,
    score_ood,
)
from toneprobe.sentiment.train import macro_f1_ci


def _row(pos: float, neg: float, neu: float) -> list[float]:
    """A probability row in LABELS order, from named columns."""
    out = [0.0, 0.0, 0.0]
    out[POSITIVE], out[NEGATIVE], out[NEUTRAL] = pos, neg, neu
    return out


def test_ood_labels_order_is_the_backends():
    assert [LABELS[i] for i in (POSITIVE, NEGATIVE, NEUTRAL)] == ["positive", "negative", "neutral"]


def test_ood_ece_hand_computed():
    # bin (0.9, 1.0]: confidences 0.92 (right) and 0.96 (wrong): |0.5 - 0.94| * 2/4 = 0.22
    # bin (0.5, 0.6]: confidences 0.52 and 0.58, both right:    |1.0 - 0.55| * 2/4 = 0.225
    probs = [
        _row(0.92, 0.05, 0.03),
        _row(0.96, 0.02, 0.02),
        _row(0.20, 0.52, 0.28),
        _row(0.30, 0.12, 0.58),
    ]
    y = [POSITIVE, NEGATIVE, NEGATIVE, NEUTRAL]
    assert expected_calibration_error(probs, y) == pytest.approx(0.445)


def test_ood_ece_zero_when_confidence_matches_accuracy():
    # ten answers at confidence 0.8, eight of them right
    probs = [_row(0.8, 0.1, 0.1)] * 10
    y = [POSITIVE] * 8 + [NEGATIVE] * 2
    assert expected_calibration_error(probs, y) == pytest.approx(0.0, abs=1e-12)


def test_ood_ece_bins_are_right_closed_despite_float_error():
    # 0.7 * 10 is 7.000000000000001 in floating point; 0.7 still belongs to (0.6, 0.7],
    # together with 0.62: |0.5 - 0.66| = 0.16 (0.54 if 0.7 slipped into the next bin)
    probs = [_row(0.7, 0.2, 0.1), _row(0.62, 0.3, 0.08)]
    assert expected_calibration_error(probs, [NEGATIVE, POSITIVE]) == pytest.approx(0.16)


def test_ood_ece_with_one_bin_is_accuracy_minus_mean_confidence():
    probs = [_row(1.0, 0.0, 0.0), _row(0.6, 0.3, 0.1), _row(0.2, 0.7, 0.1)]
    y = [POSITIVE, NEGATIVE, NEGATIVE]  # right, wrong, right: accuracy 2/3, confidence 0.7667
    assert expected_calibration_error(probs, y, n_bins=1) == pytest.approx(abs(2 / 3 - 2.3 / 3))


def test_ood_ece_overconfident_model_scores_worse_than_hedging_one():
    y = [POSITIVE, NEGATIVE] * 50
    sure = [_row(0.99, 0.005, 0.005)] * 100  # always "positive", right half of the time
    hedged = [_row(0.5, 0.45, 0.05)] * 100
    assert expected_calibration_error(sure, y) > expected_calibration_error(hedged, y)
    assert expected_calibration_error(hedged, y) == pytest.approx(0.0, abs=1e-12)


def test_ood_ece_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="probs must be"):
        expected_calibration_error([_row(0.5, 0.3, 0.2)], [POSITIVE, NEGATIVE])


def test_ood_binary_neutral_answer_is_a_miss_not_a_false_alarm():
    y = np.array([POSITIVE, POSITIVE, NEGATIVE, NEGATIVE])
    pred = np.array([POSITIVE, NEUTRAL, NEGATIVE, NEGATIVE])
    # positive: tp 1, fn 1 -> F1 2/3; negative: tp 2, no false alarm -> F1 1
    assert binary_macro_f1(y, pred) == pytest.approx((2 / 3 + 1) / 2)


def test_ood_binary_ci_matches_two_class_bootstrap_without_neutral_answers():
    rng = np.random.default_rng(3)
    y = rng.choice([POSITIVE, NEGATIVE], size=300)
    pred = np.where(rng.random(300) < 0.8, y, POSITIVE + NEGATIVE - y)
    y_pn = (y == NEGATIVE).astype(int)
    pred_pn = (pred == NEGATIVE).astype(int)
    assert binary_macro_f1_ci(y, pred) == pytest.approx(macro_f1_ci(y_pn, pred_pn, 2))


def test_ood_forced_binary_ignores_neutral_column():
    probs = np.array([_row(0.3, 0.2, 0.5), _row(0.1, 0.3, 0.6), _row(0.6, 0.3, 0.1)])
    assert forced_binary(probs).tolist() == [POSITIVE, NEGATIVE, POSITIVE]


def test_ood_score_binary_set():
    probs = np.array(
        [_row(0.8, 0.1, 0.1), _row(0.3, 0.2, 0.5), _row(0.1, 0.8, 0.1), _row(0.2, 0.7, 0.1)]
    )
    s = score_ood(probs, ["positive", "positive", "negative", "negative"])
    assert s.binary
    assert s.rows == 4
    assert s.macro_f1 == pytest.approx((2 / 3 + 1) / 2)
    assert s.forced_f1 == pytest.approx(1.0)  # forced to choose, the hedged row is positive
    assert s.neutral_rate == pytest.approx(0.25)
    assert s.pred_counts == {"positive": 1, "negative": 2, "neutral": 1}
    assert s.label_counts == {"positive": 2, "negative": 2, "neutral": 0}


def test_ood_score_three_class_set_has_no_forced_score():
    probs = np.array([_row(0.8, 0.1, 0.1), _row(0.1, 0.8, 0.1), _row(0.1, 0.1, 0.8)])
    s = score_ood(probs, ["positive", "negative", "neutral"])
    assert not s.binary
    assert s.forced_f1 is None
    assert s.macro_f1 == pytest.approx(1.0)
    assert s.ci95[0] <= s.macro_f1 <= s.ci95[1]

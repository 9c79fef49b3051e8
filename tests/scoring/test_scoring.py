from __future__ import annotations

import pytest

from toneprobe.errors import ConfigError
from toneprobe.scoring import (
    AgentAggregator,
    component_scores,
    default_weights,
    empathy_score,
    mean_ci95,
    negative_weight,
    parse_weights,
    saturated_weight,
    score_summaries,
)
from toneprobe.sentiment.move_labels import MOVE_LABELS

W = default_weights()


def summaries(
    deesc="not_needed", credit=None, escalating=(), hangup="none", courtesy=1.0, neg=0.0, emp=None
):
    return {
        "deescalation": {"outcome": deesc, "credit": credit, "escalating_turns": list(escalating)},
        "hangup": {"outcome": hangup},
        "respect": {"courtesy": courtesy, "apology": False, "negative_weight": neg},
        "empathy": {"score": emp},
    }


def test_scoring_components_not_applicable_are_none():
    comp = component_scores(summaries(hangup="dropped"), W)
    assert comp["deescalation"] is None and comp["empathy"] is None and comp["hangup"] is None
    assert comp["respect"] == 100.0
    assert empathy_score(comp, W) == 100.0  # only respect applies


def test_scoring_disrespect_and_hangup_lower_the_score():
    good = empathy_score(component_scores(summaries(deesc="achieved", credit=1.0, emp=100.0), W), W)
    bad = empathy_score(
        component_scores(
            summaries(
                deesc="failed", credit=0.0, escalating=(3,), hangup="agent", neg=1.6, emp=0.0
            ),
            W,
        ),
        W,
    )
    assert good >= 95 and bad < 20
    assert 0 <= bad < good <= 100


def test_scoring_mean_ci95_matches_t_interval():
    scores = [60.0, 70.0, 80.0]
    mean, lo, hi = mean_ci95(3, sum(scores), sum(s * s for s in scores))
    assert mean == pytest.approx(70.0)
    assert hi - mean == pytest.approx(4.303 * 10 / 3**0.5, rel=1e-3)
    assert mean_ci95(0, 0.0, 0.0) is None


def test_scoring_aggregator_marks_few_calls_and_counts_findings():
    agg = AgentAggregator(W)
    call = {
        "agent": "Jana Krüger",
        "empathy_score": 80.0,
        "components": {"deescalation": None, "hangup": 100.0, "respect": 90.0, "empathy": None},
        "deescalation": {"outcome": "not_needed"},
        "hangup": {"outcome": "none"},
        "respect": {"disrespect": False},
        "findings": [{"rule_id": "respect.greeting.v1"}],
    }
    for _ in range(2):
        agg.add(call)
    (agent,) = agg.agents()
    assert agent["calls"] == 2 and agent["low_n"]
    assert agent["empathy_score"] == 80.0 and agent["ci95"] == [80.0, 80.0]
    assert agent["components"]["deescalation"] is None and agent["components"]["respect"] == 90.0
    assert agent["findings"] == {"respect.greeting.v1": 2}


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["Kai Dornbusch", "Dornbusch", "Jana Krüger"], {"Dornbusch": "Kai Dornbusch"}),
        (["Frau Vogt", "Lena Vogt"], {"Frau Vogt": "Lena Vogt"}),
        # two agents share the surname: no guessing
        (["Lena Vogt", "Sabine Vogt", "Vogt"], {}),
        (["Dornbusch"], {}),
    ],
)
def test_scoring_surname_aliases(names, expected):
    from toneprobe.scoring import surname_aliases

    assert surname_aliases(names) == expected


def test_scoring_repeats_of_one_rule_saturate():
    du = [("respect.du_switch.v1", 0.7)] * 6
    assert saturated_weight(du, 1.0) == pytest.approx(4.2)  # decay 1: the plain sum
    assert saturated_weight(du, 0.0) == pytest.approx(0.7)  # decay 0: each rule once
    half = saturated_weight(du, 0.5)
    assert half == pytest.approx(0.7 * (1 + 0.5 + 0.25 + 0.125 + 0.0625 + 0.03125), abs=0.001)
    assert half < 2 * 0.7  # bounded by w / (1 - decay), however long the call
    # different rules do not saturate each other; the heaviest finding of a rule counts fully
    mixed = [("respect.blame.v1", 0.8), ("respect.sarcasm.v1", 0.6), ("respect.blame.v1", 0.4)]
    assert saturated_weight(mixed, 0.5) == pytest.approx(0.8 + 0.6 + 0.2)
    assert saturated_weight([], 0.5) == 0.0


def test_scoring_repeat_decay_is_read_and_checked_from_weights_yaml():
    assert 0.0 <= W.respect.repeat_decay <= 1.0
    data = W.model_dump()
    data["respect"]["repeat_decay"] = 1.5
    with pytest.raises(ConfigError, match=r"weights.yaml: respect.repeat_decay"):
        parse_weights(data, "weights.yaml")


def test_scoring_tone_weights_name_known_moves_only():
    """A misspelt move in weights.yaml's tone section is an error, not a move silently left
    out of the component."""
    assert set(W.tone.moves) == set(MOVE_LABELS)  # the shipped file weighs every move
    data = W.model_dump()
    data["tone"]["moves"] = {**data["tone"]["moves"], "reasurance": 1.0}
    with pytest.raises(ConfigError, match=r"weights.yaml: tone.moves: .*reasurance"):
        parse_weights(data, "weights.yaml")


def test_scoring_max_per_rule_caps_one_habit_but_not_different_rules():
    du = [("respect.du_switch.v1", 0.7)] * 8
    assert saturated_weight(du, 0.6) == pytest.approx(
        sum(0.7 * 0.6**k for k in range(8)), abs=0.001
    )
    assert saturated_weight(du, 0.6, max_per_rule=1.0) == 1.0  # a habit costs at most the cap
    assert saturated_weight(du[:1], 0.6, max_per_rule=1.0) == 0.7  # one finding: below the cap
    # the cap is per rule: a blame and a dismissal next to the habit still count in full
    mixed = [*du, ("respect.blame.v1", 0.8), ("respect.dismissal.v1", 0.7)]
    assert saturated_weight(mixed, 0.6, max_per_rule=1.0) == pytest.approx(1.0 + 0.8 + 0.7)
    assert saturated_weight(mixed, 0.6, max_per_rule=None) == pytest.approx(
        saturated_weight(du, 0.6) + 0.8 + 0.7, abs=0.001
    )


def test_scoring_weights_without_max_per_rule_load_as_before():
    data = W.model_dump()
    del data["respect"]["max_per_rule"]
    old = parse_weights(data, "weights.yaml")
    assert old.respect.max_per_rule is None
    du = [("respect.du_switch.v1", 0.7)] * 8
    assert negative_weight(du, old) == saturated_weight(du, old.respect.repeat_decay)
    data["respect"]["max_per_rule"] = -0.5
    with pytest.raises(ConfigError, match=r"weights.yaml: respect.max_per_rule"):
        parse_weights(data, "weights.yaml")


def test_scoring_score_summaries_is_components_and_weighted_mean():
    s = summaries(deesc="achieved", credit=0.5, hangup="customer", courtesy=0.6, emp=50.0)
    negatives = [("respect.du_switch.v1", 0.7)] * 4 + [("respect.sarcasm.v1", 0.6)]
    out, comp, score = score_summaries(s, negatives, W)
    assert out["respect"]["negative_weight"] == negative_weight(negatives, W)
    assert s["respect"]["negative_weight"] == 0.0  # the input is not changed
    assert comp == component_scores(out, W)
    assert score == empathy_score(comp, W)
    expected_respect = (
        W.respect.base
        + W.respect.courtesy * 0.6
        - W.respect.per_negative_weight * negative_weight(negatives, W)
    )
    assert comp["respect"] == pytest.approx(max(0.0, expected_respect), abs=0.05)


def test_scoring_shipped_weights_are_the_fitted_composite():
    # written by scripts/fit_composite.py: weights sum to 1, a fully courteous call without
    # disrespect keeps a respect component of 100, one habit is capped
    comps = W.components.model_dump()
    assert sum(comps.values()) == pytest.approx(1.0, abs=1e-9)
    assert W.respect.base + W.respect.courtesy == pytest.approx(100.0)
    assert W.respect.max_per_rule is not None
    comp = component_scores(summaries(courtesy=1.0), W)
    assert comp["respect"] == 100.0


def test_scoring_the_call_readers_penalty_takes_points_off_a_call_that_reads_as_disrespectful():
    data = W.model_dump()
    data["disrespect"] = {"penalty": 20.0}
    w = parse_weights(data, "weights.yaml")
    comp = component_scores(summaries(deesc="achieved", credit=0.5, emp=80.0), w)
    polite = empathy_score(comp, w)
    assert empathy_score(comp, w, p_rude=None) == polite  # no call reader: no penalty
    assert empathy_score(comp, w, p_rude=0.0) == polite
    assert empathy_score(comp, w, p_rude=0.9) == pytest.approx(polite - 18.0, abs=0.11)
    # the score never goes below 0
    low = component_scores(summaries(deesc="failed", credit=0.0, hangup="agent", courtesy=0.0), w)
    assert empathy_score(low, w, p_rude=1.0) == 0.0
    # score_summaries passes the probability through
    _, comp2, score = score_summaries(summaries(deesc="achieved", credit=0.5, emp=80.0), [], w, 0.9)
    assert comp2 == comp and score == empathy_score(comp, w, p_rude=0.9)


def test_scoring_weights_without_a_disrespect_section_load_with_no_penalty():
    data = W.model_dump()
    data.pop("disrespect")
    w = parse_weights(data, "weights.yaml")
    assert w.disrespect.penalty == 0.0
    comp = component_scores(summaries(emp=60.0), w)
    assert empathy_score(comp, w, p_rude=1.0) == empathy_score(comp, w)
    data["disrespect"] = {"penalty": -5}
    with pytest.raises(ConfigError, match=r"weights.yaml: disrespect.penalty"):
        parse_weights(data, "weights.yaml")

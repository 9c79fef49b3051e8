"""The tone component (detectors/tone.py): the agent-move model's balance of serving and
slighting moves over every agent sentence, on the score's scale, explained by its warmest and
coldest sentence."""

from __future__ import annotations

import pytest

from tests.detectors.conftest import dialogue
from toneprobe.pipeline import Scorer
from toneprobe.scoring import ToneWeights, tone_score

CUSTOMER = (
    "K: Guten Tag, meine Waschmaschine ist jetzt zum zweiten Mal kaputt, und der Techniker kam "
    "gestern nicht.",
    "K: Ich habe mir extra freigenommen, das ist wirklich ärgerlich.",
    "K: Und wann kommt dann jemand?",
)
WARM = (
    "A: Das tut mir leid, dass Sie umsonst gewartet haben, das hätte nicht passieren dürfen.",
    "A: Ich verstehe gut, dass Sie sich ärgern. Ich kümmere mich jetzt persönlich darum.",
    "A: Ich habe Ihnen für morgen früh den ersten Termin eingetragen und rufe Sie vorher an.",
)
COLD = (
    "A: Der Techniker war da, wenn Sie nicht öffnen, ist das nicht unser Fehler.",
    "A: Sie hätten halt die Terminbestätigung lesen müssen, da steht alles drin.",
    "A: Das dauert eben, so lange es dauert, da müssen Sie sich gedulden.",
)


def call(agent_lines: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(x for pair in zip(CUSTOMER, agent_lines, strict=True) for x in pair)


def test_tone_reads_a_warm_agent_above_a_cold_one_with_the_same_customer(scorer):
    warm = scorer.score(dialogue(*call(WARM)))
    cold = scorer.score(dialogue(*call(COLD)))
    assert warm["components"]["tone"] >= 65
    assert cold["components"]["tone"] <= 45
    assert warm["empathy_score"] > cold["empathy_score"]
    tone = cold["empathy"]["tone"]
    assert tone["sentences"] >= 3 and tone["negative"] > tone["positive"] - 0.3
    assert -1.0 <= tone["balance"] <= 1.0
    # the coldest sentence is named with its turn and its words, as a finding is
    coldest = tone["coldest"]
    assert (
        coldest["turn"] in (1, 3, 5)
        and coldest["text"] in dict(enumerate(COLD))[(coldest["turn"] - 1) // 2]
    )
    assert warm["empathy"]["tone"]["warmest"]["balance"] > 0.5


def test_tone_does_not_apply_without_the_move_model():
    plain = Scorer(model="fake", use_offense_model=False, use_move_model=False)
    out = plain.score(dialogue(*call(WARM)))
    assert out["empathy"]["tone"] is None
    assert out["components"]["tone"] is None
    assert out["empathy_score"] > 0  # the other components still make the score


@pytest.mark.parametrize(
    ("balance", "score"), [(-1.0, 0.0), (-0.2, 40.0), (0.0, 50.0), (0.5, 75.0), (1.0, 100.0)]
)
def test_tone_score_maps_the_balance_onto_the_score_scale(balance, score):
    assert tone_score({"tone": {"balance": balance}}) == score
    assert tone_score({"tone": None}) is None


def test_tone_profiles_each_move_per_agent_turn(scorer):
    """``moves``: per move, the mean over the agent's turns of the turn's likeliest sentence;
    the warm agent's profile leans to acknowledging and committing, the cold one's to blame."""
    warm = scorer.score(dialogue(*call(WARM)))["empathy"]["tone"]["moves"]
    cold = scorer.score(dialogue(*call(COLD)))["empathy"]["tone"]["moves"]
    assert set(warm) == set(cold) and all(0.0 <= v <= 1.0 for v in warm.values())
    assert warm["acknowledge_feeling"] > cold["acknowledge_feeling"]
    assert warm["commitment_next_step"] > cold["commitment_next_step"]
    assert cold["blame"] > warm["blame"]


def test_tone_score_weighs_the_move_profile_as_fitted():
    """With per-move weights (weights.yaml ``tone``) the component is the grade the profile
    stands for, on the score's scale; without them it is the balance."""
    fitted = ToneWeights(intercept=2.5, moves={"reassurance": 3.0, "dismissal": -2.0})
    calm = {"tone": {"balance": 0.0, "moves": {"reassurance": 0.5, "dismissal": 0.0}}}
    curt = {"tone": {"balance": 0.0, "moves": {"reassurance": 0.0, "dismissal": 0.5}}}
    assert tone_score(calm, fitted) == pytest.approx(25.0 * (2.5 + 1.5 - 1.0))  # grade 4 -> 75
    assert tone_score(curt, fitted) == pytest.approx(25.0 * (2.5 - 1.0 - 1.0))  # grade 1.5
    assert tone_score(calm, ToneWeights()) == 50.0  # no fitted weights: the balance
    assert tone_score({"tone": {"balance": 0.0}}, fitted) == 50.0  # a record without a profile

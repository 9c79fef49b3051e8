"""The tone component (detectors/tone.py): the agent-move model's balance of serving and
slighting moves over every agent sentence, on the score's scale, explained by its warmest and
coldest sentence."""

from __future__ import annotations

import pytest

from tests.detectors.conftest import dialogue
from toneprobe.pipeline import Scorer
from toneprobe.scoring import tone_score

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

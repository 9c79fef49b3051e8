from __future__ import annotations

import pytest

from tests.detectors.conftest import dialogue
from toneprobe.detectors.hangup import is_cut_off

OPEN = ("A: Guten Tag, TelNova, mein Name ist Lena Vogt, was kann ich für Sie tun?",)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            OPEN
            + (
                "K: Ich wollte nur meine Adresse ändern.",
                "A: Erledigt. Kann ich sonst noch etwas für Sie tun?",
                "K: Nein, danke. Tschüss!",
                "A: Vielen Dank für Ihren Anruf, auf Wiederhören.",
            ),
            "none",
        ),
        (
            OPEN
            + (
                "K: Mein Internet ist schon wieder weg, das ist eine Frechheit!",
                "A: Das kann ich so nicht bestätigen, bei uns ist alles in Ordnung.",
                "K: Wissen Sie was, vergessen Sie's! Ich lege jetzt auf.",
            ),
            "customer",
        ),
        (
            OPEN
            + (
                "K: Ich will sofort Ihren Vorgesetzten sprechen, das ist unverschämt!",
                "A: So rede ich nicht mit Ihnen. Ich beende jetzt das Gespräch.",
            ),
            "agent",
        ),
        (
            OPEN
            + (
                "K: Ich habe eine Frage zur Rechnung vom März, da steht ein Betrag, den ich nicht",
                "A: Hallo? Sind Sie noch da? Hallo?",
            ),
            "dropped",
        ),
    ],
)
def test_hangup_outcome_from_dialogue_alone(scorer, lines, expected):
    call = scorer.score(dialogue(*lines))
    assert call["hangup"]["outcome"] == expected, call["hangup"]["evidence"]


def test_hangup_metadata_dropped_is_used(scorer):
    call = scorer.score(dialogue(*OPEN, "K: Ich wollte fragen, ob", ended_by="dropped"))
    assert call["hangup"]["outcome"] == "dropped"


@pytest.mark.parametrize(
    ("text", "cut"),
    [
        ("Ich wollte noch sagen, dass", True),
        ("Moment, ich muss noch …", True),
        ("Vielen Dank, auf Wiederhören.", False),
        ("ja danke tschüss", False),
    ],
)
def test_hangup_cut_off_turns(text, cut):
    assert is_cut_off(text) is cut


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # the agent says goodbye while the customer is still in mid-sentence
        (
            OPEN
            + (
                "K: Das ist doch keine Erklärung! Ich will nur verstehen, warum ich so viel zahlen soll, und...",
                "A: Das steht alles auf der Rechnung. Auf Wiederhören.",
            ),
            "agent",
        ),
        # the customer returns the goodbye: a normal end, even after some friction
        (
            OPEN
            + (
                "K: Das hat ja ewig gedauert, aber gut.",
                "A: Ich habe die Adresse geändert. Schönen Tag noch, auf Wiederhören.",
                "K: Danke, gleichfalls.",
            ),
            "none",
        ),
        # sarcasm followed by the agent's normal close is not a hang-up by the customer
        (
            OPEN
            + (
                "K: Das bringt mir gar nichts.",
                "A: Das tut mir leid. Kann ich sonst noch etwas für Sie tun?",
                "K: Nein. Danke für gar nichts.",
                "A: Auf Wiederhören.",
            ),
            "none",
        ),
        # the customer notices the agent has hung up
        (
            OPEN
            + (
                "K: Ich möchte bitte Ihre Teamleiterin sprechen, das ist mein gutes Recht.",
                "A: Nein. Schönen Tag noch.",
                "K: Hallo? Die hat doch jetzt nicht einfach aufgelegt!",
            ),
            "agent",
        ),
    ],
)
def test_hangup_endings_in_context(scorer, lines, expected):
    call = scorer.score(dialogue(*lines))
    assert call["hangup"]["outcome"] == expected, call["hangup"]["evidence"]


@pytest.mark.parametrize(
    "closing",
    [
        "A: Ich höre Sie leider nicht mehr, ich beende jetzt die Verbindung. Rufen Sie gern wieder an.",
        "A: Hallo? Die Leitung ist ganz schlecht, ich lege jetzt auf und rufe Sie sofort zurück.",
        "A: Frau Kaya, falls Sie mich hören: Ich trenne jetzt die Verbindung, bitte wählen Sie neu.",
    ],
)
def test_issue_13_closing_a_broken_line_is_a_dropped_line_not_an_agent_hangup(scorer, closing):
    call = scorer.score(
        dialogue(
            *OPEN,
            "K: Ich rufe wegen meiner Rechnung an, da ist ein Betrag, den ich",
            "A: Entschuldigung, Sie sind kaum zu verstehen. Sind Sie noch da?",
            closing,
        )
    )
    assert call["hangup"]["outcome"] == "dropped", call["hangup"]["evidence"]
    assert not [f for f in call["findings"] if f["kind"] == "agent"], call["findings"]


def test_issue_13_hanging_up_on_an_angry_customer_is_still_an_agent_hangup(scorer):
    call = scorer.score(
        dialogue(
            *OPEN,
            "K: Das ist eine Frechheit, ich will sofort mein Geld zurück!",
            "A: So rede ich nicht mit Ihnen, ich lege jetzt auf. Rufen Sie wieder an, wenn Sie "
            "sich beruhigt haben.",
        )
    )
    assert call["hangup"]["outcome"] == "agent"
    assert "hangup.agent.announce.v3" in {f["rule_id"] for f in call["findings"]}

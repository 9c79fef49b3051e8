from __future__ import annotations

import pytest

from tests.detectors.conftest import dialogue


def rule_ids(call, polarity=None):
    return {f["rule_id"] for f in call["findings"] if polarity is None or f["polarity"] == polarity}


def test_respect_courteous_call_scores_high_without_disrespect(scorer):
    call = scorer.score(
        dialogue(
            "A: Guten Tag, Stadtwerke Lindenau, mein Name ist Jana Krüger. Was kann ich für Sie tun?",
            "K: Guten Tag, Becker hier. Ich wollte meinen Zählerstand durchgeben.",
            "A: Sehr gern, Herr Becker. Könnten Sie mir bitte die Zählernummer nennen?",
            "K: Das ist die 4711.",
            "A: Danke, ist eingetragen. Einen schönen Tag noch, auf Wiederhören.",
        )
    )
    assert not call["respect"]["disrespect"]
    assert {"greeting", "farewell", "courtesy", "formal_address", "name"} <= set(
        call["respect"]["courtesy_elements"]
    )
    assert call["respect"]["score"] >= 90


@pytest.mark.parametrize(
    ("agent_line", "rule"),
    [
        ("Das haben Sie falsch gemacht, das steht doch im Formular.", "respect.blame.v1"),
        ("Da kann ich nichts machen. Das ist nicht mein Problem.", "respect.dismissal.v1"),
        ("Wie ich Ihnen bereits dreimal erklärt habe, ist die Frist vorbei.", "respect.sarcasm.v1"),
        ("Jetzt hören Sie mir mal zu.", "respect.command.v2"),
    ],
)
def test_respect_disrespectful_agent_turn_is_flagged(scorer, agent_line, rule):
    call = scorer.score(
        dialogue(
            "A: Guten Tag, was kann ich für Sie tun?",
            "K: Ich habe eine Frage zu meiner Rechnung, können Sie mir helfen?",
            f"A: {agent_line}",
            "K: Aha. Auf Wiederhören.",
        )
    )
    assert rule in rule_ids(call, "negative")
    assert call["respect"]["disrespect"]
    assert call["respect"]["disrespect_turns"] == [2]
    finding = next(f for f in call["findings"] if f["rule_id"] == rule)
    assert agent_line[finding["start"] : finding["end"]] == finding["text"]


@pytest.mark.parametrize(
    "agent_line",
    [
        # a polite no with an alternative
        "Eine Erstattung kann ich leider nicht machen, aber ich kann Ihnen eine Gutschrift von zwanzig Euro anbieten.",
        # the agent quotes the customer's words
        "Sie sagten gerade, das sei nicht mein Problem - doch, das ist es, ich kümmere mich darum.",
        "Sie haben nichts falsch gemacht, der Fehler lag bei uns.",
    ],
)
def test_respect_near_misses_do_not_fire(scorer, agent_line):
    call = scorer.score(
        dialogue(
            "A: Guten Tag, was kann ich für Sie tun?",
            "K: Ich möchte mein Geld zurück, Sie haben mir zu viel berechnet.",
            f"A: {agent_line}",
        )
    )
    assert not call["respect"]["disrespect"], call["findings"]


def test_respect_rude_customer_with_calm_agent_is_not_agent_disrespect(scorer):
    call = scorer.score(
        dialogue(
            "A: Guten Tag, Kundenservice, was kann ich für Sie tun?",
            "K: Sie sind doch alle unfähig! Das ist Schwachsinn, was Sie da machen, Sie Idiot!",
            "A: Ich verstehe, dass Sie verärgert sind. Ich schaue mir das sofort an.",
        )
    )
    assert not call["respect"]["disrespect"]


def test_respect_du_only_counts_when_customer_says_sie(scorer):
    formal = dialogue(
        "A: Guten Tag, was kann ich für Sie tun?",
        "K: Können Sie mir sagen, wann der Techniker kommt?",
        "A: Hast du die Mail nicht gelesen?",
    )
    informal = dialogue(
        "A: Hi, was kann ich für dich tun?",
        "K: Hey, wann kommt denn der Techniker?",
        "A: Hast du die Mail schon gesehen? Da steht der Termin drin.",
    )
    assert "respect.du_switch.v1" in rule_ids(scorer.score(formal))
    assert "respect.du_switch.v1" not in rule_ids(scorer.score(informal))


def test_respect_sentence_initial_sie_is_not_counted_as_formal_address(scorer):
    call = scorer.score(
        dialogue("K: Wo ist meine Rechnung?", "A: Die Rechnung? Sie ist gestern rausgegangen.")
    )
    assert "respect.formal_address.v1" not in rule_ids(call)

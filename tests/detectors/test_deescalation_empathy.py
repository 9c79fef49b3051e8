from __future__ import annotations

import pytest

from tests.detectors.conftest import dialogue

GREET = "A: Guten Tag, Stadtwerke Lindenau, mein Name ist Jana Krüger. Was kann ich für Sie tun?"


def test_deescalation_achieved_when_upset_customer_ends_calm(scorer):
    call = scorer.score(
        dialogue(
            GREET,
            "K: Das ist eine Frechheit! Sie haben schon wieder doppelt abgebucht, ich bin stinksauer!!",
            "A: Das ist wirklich ärgerlich, das kann ich gut nachvollziehen. Das tut mir leid.",
            "K: Und was machen Sie jetzt?",
            "A: Ich habe Ihnen die doppelte Abbuchung eben gutgeschrieben, das Geld ist in drei Tagen da.",
            "K: Okay, dann machen wir das so. Vielen Dank, das ist wirklich nett.",
        )
    )
    d = call["deescalation"]
    assert d["outcome"] == "achieved"
    assert d["peak_turn"] == 1
    assert 2 in d["credited_turns"] and 4 in d["credited_turns"]
    assert not d["escalating_turns"]


def test_deescalation_failed_when_agent_escalates(scorer):
    call = scorer.score(
        dialogue(
            GREET,
            "K: Das ist unverschämt! Seit drei Wochen habe ich kein Internet!!",
            "A: Jetzt beruhigen Sie sich mal. Das stimmt doch gar nicht.",
            "K: Ich kündige! Das ist eine Zumutung!!",
        )
    )
    d = call["deescalation"]
    assert d["outcome"] == "failed"
    assert d["escalating_turns"] == [2]


def test_deescalation_not_needed_for_routine_call(scorer):
    call = scorer.score(
        dialogue(
            GREET,
            "K: Ich möchte meine Bankverbindung ändern.",
            "A: Gern, nennen Sie mir bitte die neue IBAN.",
            "K: DE12 3456 7890 1234 5678 90.",
            "A: Ist geändert. Schönen Tag noch!",
        )
    )
    assert call["deescalation"]["outcome"] == "not_needed"
    assert call["components"]["deescalation"] is None
    assert call["empathy"]["opportunities"] == 0
    assert call["components"]["empathy"] is None


def test_empathy_acknowledging_agent_beats_solution_only_agent(scorer):
    problem = "K: Mein Paket ist immer noch nicht angekommen, ich bin total frustriert."
    warm = scorer.score(
        dialogue(
            GREET,
            problem,
            "A: Oje, das ist wirklich ärgerlich. Ich schicke Ihnen heute noch Ersatz.",
        )
    )
    cold = scorer.score(dialogue(GREET, problem, "A: Ich schicke Ihnen heute noch Ersatz."))
    hostile = scorer.score(dialogue(GREET, problem, "A: Das ist halt so bei der Post."))
    assert warm["empathy"]["opportunities"] == 1
    assert warm["empathy"]["score"] > cold["empathy"]["score"] > hostile["empathy"]["score"]
    assert warm["empathy_score"] > cold["empathy_score"] > hostile["empathy_score"]


@pytest.mark.parametrize(
    ("soothing", "telling_off"),
    [
        (
            "A: Atmen Sie erst einmal in Ruhe durch, wir gehen das jetzt ganz ruhig zusammen an.",
            "A: Atmen Sie mal tief durch, dann reden wir weiter.",
        ),
        (
            "A: Lassen Sie sich ruhig Zeit, ich bin da. Bleiben Sie ruhig dran, ich suche die Buchung.",
            "A: Ganz ruhig, Frau Petrović. Bleiben Sie mal sachlich.",
        ),
    ],
)
def test_issue_13_soothing_is_not_telling_someone_to_calm_down(scorer, soothing, telling_off):
    def call(agent_line):
        return scorer.score(
            dialogue(
                GREET,
                "K: Das ist eine Frechheit! Mir wurde der Strom abgestellt, ich bin völlig verzweifelt!!",
                agent_line,
                "K: Na gut. Und wann ist der Strom wieder da?",
            )
        )

    calm, rough = call(soothing), call(telling_off)
    escalate = "deescalation.escalate.calm_down.v3"
    assert escalate not in {f["rule_id"] for f in calm["findings"]}, calm["findings"]
    assert calm["deescalation"]["escalating_turns"] == []
    assert 2 in calm["deescalation"]["credited_turns"]  # inviting a breath and time calms
    assert escalate in {f["rule_id"] for f in rough["findings"]}
    assert rough["deescalation"]["escalating_turns"] == [2]


def test_issue_13_quoted_capitals_are_not_the_agent_shouting(scorer):
    call = scorer.score(
        dialogue(
            GREET,
            "K: ICH WILL SOFORT MEIN GELD ZURÜCK, das ist eine Frechheit!!",
            "A: Sie schrieben „SOFORT GELD ZURÜCK“ in Ihrer Mail, das verstehe ich gut. "
            "Ich habe Ihnen die Gutschrift eben veranlasst.",
            "K: Okay, danke, das ist nett.",
        )
    )
    assert call["deescalation"]["escalating_turns"] == []
    assert not [f for f in call["findings"] if f["role"] == "agent" and f["polarity"] == "negative"]


def test_warmth_counts_a_canned_phrase_once_and_varied_warm_words_each_time(scorer):
    canned = scorer.score(
        dialogue(
            GREET,
            "K: Meine Rechnung ist schon wieder falsch, das ärgert mich wirklich.",
            "A: Ich verstehe Ihren Ärger. Ich prüfe die Rechnung.",
            "K: Das sagen Sie jedes Mal.",
            "A: Ich verstehe Ihren Ärger. Der Betrag ist laut System korrekt.",
            "K: Ist er nicht, da steht ein Tarif, den ich nie hatte.",
            "A: Ich verstehe Ihren Ärger. Ich gebe das weiter.",
        )
    )
    varied = scorer.score(
        dialogue(
            GREET,
            "K: Meine Rechnung ist schon wieder falsch, das ärgert mich wirklich.",
            "A: Ich verstehe Ihren Ärger. Ich prüfe die Rechnung.",
            "K: Das sagen Sie jedes Mal.",
            "A: Dass Sie das zum dritten Mal erklären müssen, ist wirklich ärgerlich.",
            "K: Ist er nicht, da steht ein Tarif, den ich nie hatte.",
            "A: Keine Sorge, das kriegen wir heute noch geklärt.",
        )
    )
    e_canned, e_varied = canned["empathy"], varied["empathy"]
    assert e_canned["agent_turns"] == e_varied["agent_turns"] == 4
    assert e_canned["warm_turns"] == [2]  # the same words again are not warmer
    assert len(e_varied["warm_turns"]) >= 2
    assert canned["components"]["warmth"] < varied["components"]["warmth"]


def test_a_formula_repeated_in_a_later_answer_earns_less_than_fresh_words(scorer):
    lines = (
        GREET,
        "K: Mein Zähler wurde falsch abgelesen, das ärgert mich total.",
        "A: Das kann ich gut verstehen. Ich lege eine Korrektur an.",
        "K: Und die Nachzahlung soll ich trotzdem zahlen? Das macht mich wütend.",
    )
    same = scorer.score(dialogue(*lines, "A: Das kann ich gut verstehen."))
    fresh = scorer.score(dialogue(*lines, "A: Das ist wirklich ärgerlich, das tut mir leid."))
    credit = {
        name: [d["credit"] for d in call["empathy"]["details"]]
        for name, call in (("same", same), ("fresh", fresh))
    }
    assert credit["same"][0] == credit["fresh"][0] > 0  # the first answer is the same
    assert credit["same"][1] < credit["same"][0]  # the same formula again earns less
    assert credit["fresh"][1] > credit["same"][1]

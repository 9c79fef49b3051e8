from __future__ import annotations

import dataclasses
import re

import pytest

from tests.detectors.conftest import dialogue
from toneprobe.detectors import call_reader, context_reader
from toneprobe.pipeline import Scorer


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
        ("Das haben Sie falsch gemacht, das steht doch im Formular.", "respect.blame.v3"),
        ("Da kann ich nichts machen. Das ist nicht mein Problem.", "respect.dismissal.v1"),
        ("Wie ich Ihnen bereits dreimal erklärt habe, ist die Frist vorbei.", "respect.sarcasm.v1"),
        ("Jetzt hören Sie mir mal zu.", "respect.command.v2"),
        # issue 13: weary impatience in words the sarcasm list does not have
        (
            "Ich lese Ihnen die Klausel gern ein viertes Mal vor, ändert allerdings nichts.",
            "respect.weary_repeat.v1",
        ),
        ("Dauernd neue Tickets aufmachen macht es nicht schneller.", "respect.weary_repeat.v1"),
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
        # issue 13: a repeat offered kindly, an honest wait with a reason
        "Ich erkläre Ihnen die Abrechnung gern noch einmal Schritt für Schritt, sie ist wirklich unübersichtlich.",
        "Schneller geht die Rückbuchung leider nicht, die Bank braucht drei Werktage, ich melde mich dann bei Ihnen.",
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


@pytest.mark.parametrize(
    ("agent_lines", "counts"),
    [
        # a slip put right in the agent's next message is no finding
        (
            (
                "Kannst du mir ein Foto vom Stellplatz schicken?",
                "Ah, Entschuldigung, Sie natürlich. Ein Foto reicht.",
            ),
            False,
        ),
        # ... nor one put right in the same turn
        (
            ("Schick mir deine Nummer, ich meine natürlich Sie, schicken Sie mir Ihre Nummer.",),
            False,
        ),
        (("Schick mir deine Nummer, dann schau ich nach.",), True),
        # the slip left standing counts; "Sie natürlich" in a plain sentence is no correction
        (
            (
                "Kannst du mir ein Foto vom Stellplatz schicken?",
                "Das können Sie natürlich auch später machen.",
            ),
            True,
        ),
    ],
)
def test_respect_du_slip_corrected_at_once_is_no_finding(scorer, agent_lines, counts):
    call = scorer.score(
        dialogue(
            "A: Guten Tag, Roller-Support, was kann ich für Sie tun?",
            "K: Guten Tag, können Sie mir die Parkgebühr erstatten? Der Roller stand richtig.",
            *(f"A: {line}" for line in agent_lines),
            "K: In Ordnung.",
        )
    )
    assert ("respect.du_switch.v1" in rule_ids(call)) is counts


def test_respect_sentence_initial_sie_is_not_counted_as_formal_address(scorer):
    call = scorer.score(
        dialogue("K: Wo ist meine Rechnung?", "A: Die Rechnung? Sie ist gestern rausgegangen.")
    )
    assert "respect.formal_address.v1" not in rule_ids(call)


# --- issue 13: quotes and reported speech, house style, sympathy, warm farewells, saturation

UPSET_OPENING = (
    "A: Guten Tag, Stadtwerke Lindenau, was kann ich für Sie tun?",
    "K: Ihr seid doch alle Idioten und Betrüger, dreimal habe ich schon angerufen!",
)


@pytest.mark.parametrize(
    "agent_line",
    [
        "Herr Yıldız, 'Idioten' lasse ich so nicht stehen, ich helfe Ihnen aber gern weiter.",
        "Wie geht's weiter? Erst mal: „Betrüger“ sind wir nicht, ich schaue mir das jetzt an.",
        "Sie sagten ’Idioten‘ zu uns, das hab' ich gehört, trotzdem kümmere ich mich darum.",
        "Sie haben gesagt, wir seien Idioten und Betrüger, aber ich helfe Ihnen trotzdem gern.",
        "Mein Kollege meinte, das sei Ihr Problem - das sehe ich anders, ich kümmere mich darum.",
    ],
)
def test_issue_13_quoted_and_reported_words_are_not_the_agents(scorer, agent_line):
    call = scorer.score(dialogue(*UPSET_OPENING, f"A: {agent_line}"))
    assert not [f for f in call["findings"] if f["polarity"] == "negative"], call["findings"]
    assert not call["respect"]["disrespect"]


def test_issue_13_the_agents_own_insult_next_to_a_quote_still_fires(scorer):
    call = scorer.score(
        dialogue(*UPSET_OPENING, "A: Sie sagten 'Idioten', aber Sie sind doch selbst ein Idiot.")
    )
    insults = [f for f in call["findings"] if f["rule_id"] == "respect.insult.v2"]
    assert [f["text"] for f in insults] == ["Idiot"]
    assert call["respect"]["disrespect"]


def test_issue_13_offense_model_does_not_read_quoted_words():

    with_model = Scorer(model="fake", use_offense_model=True)
    quoted = with_model.score(
        dialogue(
            *UPSET_OPENING,
            "A: Sie haben gesagt, wir seien dumme Idioten und Verbrecher, aber ich helfe Ihnen "
            "trotzdem gern.",
        )
    )
    own = with_model.score(dialogue(*UPSET_OPENING, "A: Sie sind ein Idiot."))
    model_rule = "respect.offensive_model.v1"
    assert model_rule not in rule_ids(quoted)
    assert not quoted["respect"]["disrespect"]
    assert "respect.insult.v2" in rule_ids(own)  # the rule catches it; the model corroborates


SIE_CUSTOMER_DU_AGENT = (
    "A: Hallo und willkommen bei Radhaus Nord, hier ist Mia. Wie kann ich dir helfen?",
    "K: Guten Tag. Können Sie mir sagen, wann mein Lastenrad fertig ist?",
    "A: Klar, schau mal in deine Mail von gestern, da steht der Termin. Danke dir fürs Warten!",
    "K: Danke, das ist nett von Ihnen.",
    "A: Gern, mach's gut und komm gut heim!",
)
DU_CUSTOMER_DU_AGENT = (
    "A: Hallo und willkommen bei Radhaus Nord, hier ist Mia. Wie kann ich dir helfen?",
    "K: Hi, kannst du mir sagen, wann mein Lastenrad fertig ist?",
    "A: Klar, schau mal in deine Mail von gestern, da steht der Termin. Danke dir fürs Warten!",
)


@pytest.mark.parametrize(
    ("address", "du_with_sie_customer", "du_with_du_customer"),
    [("mirror", True, False), ("Sie", True, True), ("du", False, False)],
)
def test_respect_address_style_decides_when_du_is_a_finding(
    scorer, address, du_with_sie_customer, du_with_du_customer
):
    styled = dataclasses.replace(scorer, address=address)
    sie_call = styled.score(dialogue(*SIE_CUSTOMER_DU_AGENT))
    du_call = styled.score(dialogue(*DU_CUSTOMER_DU_AGENT))
    assert ("respect.du_switch.v1" in rule_ids(sie_call)) is du_with_sie_customer
    assert ("respect.du_switch.v1" in rule_ids(du_call)) is du_with_du_customer
    assert sie_call["respect"]["disrespect"] is du_with_sie_customer


def test_respect_du_house_style_does_not_expect_sie_in_the_courtesy_share(scorer):
    mirror = scorer.score(dialogue(*DU_CUSTOMER_DU_AGENT, "A: Gern, mach's gut und komm gut heim!"))
    du = dataclasses.replace(scorer, address="du").score(
        dialogue(*DU_CUSTOMER_DU_AGENT, "A: Gern, mach's gut und komm gut heim!")
    )
    # greeting, farewell and bitte/danke are there; Sie is not, and no Herr/Frau name
    assert mirror["respect"]["courtesy_elements"] == du["respect"]["courtesy_elements"]
    assert set(du["respect"]["courtesy_elements"]) == {"courtesy", "farewell", "greeting"}
    assert mirror["respect"]["courtesy"] == pytest.approx(3 / 5, abs=0.001)
    assert du["respect"]["courtesy"] == pytest.approx(3 / 4, abs=0.001)
    assert du["components"]["respect"] > mirror["components"]["respect"]


@pytest.mark.parametrize(
    "agent_line",
    [
        "Oh je, das ist ja echt blöd, was da mit Ihrer Lieferung schiefgegangen ist.",
        "Das ist wirklich lächerlich, wie lange Sie auf den Techniker warten mussten, das tut mir leid.",
        "Entschuldigung, das war dumm von mir, ich hatte die falsche Rechnung offen.",
    ],
)
def test_issue_13_a_rough_word_in_sympathy_is_no_insult(scorer, agent_line):
    call = scorer.score(
        dialogue(
            "A: Guten Tag, Versandhaus Kranich, was kann ich für Sie tun?",
            "K: Mein Paket ist seit drei Wochen nicht angekommen, ich bin total frustriert.",
            f"A: {agent_line}",
        )
    )
    assert not [f for f in call["findings"] if f["kind"] == "insult"], call["findings"]
    assert not call["respect"]["disrespect"]


@pytest.mark.parametrize(
    "farewell",
    [
        "Sehr gern, Frau Wendt. Kommen Sie gut durch den Winter!",
        "Dann bleiben Sie gesund, Frau Wendt.",
        "Lassen Sie es sich gut gehen, Frau Wendt, und passen Sie gut auf sich auf.",
    ],
)
def test_issue_13_a_warm_imperative_farewell_is_a_farewell_not_a_command(scorer, farewell):
    call = scorer.score(
        dialogue(
            "A: Guten Tag, Stadtwerke Lindenau, mein Name ist Jonas Ried. Was kann ich für Sie tun?",
            "K: Ich wollte nur den Zählerstand durchgeben, 4 8 1 5.",
            "A: Danke, ist eingetragen. Kann ich sonst noch etwas für Sie tun?",
            "K: Nein, das war alles, danke.",
            f"A: {farewell}",
        )
    )
    assert not [f for f in call["findings"] if f["polarity"] == "negative"], call["findings"]
    assert "farewell" in call["respect"]["courtesy_elements"]
    assert call["hangup"]["outcome"] == "none" and call["hangup"]["proper_close"]


def test_issue_13_one_habit_on_every_turn_does_not_zero_the_respect_component(scorer):
    call = scorer.score(
        dialogue(
            "A: Guten Tag, hier ist Mia von Radhaus Nord, was kann ich für dich tun?",
            "K: Guten Tag. Können Sie mir sagen, wann mein Lastenrad fertig ist?",
            "A: Danke, dass du anrufst! Dein Rad ist morgen fertig.",
            "K: Schön. Und was kostet die Reparatur bei Ihnen?",
            "A: Für dich sind das neunzig Euro, ich schicke dir die Rechnung bitte per Mail.",
            "K: Gut, danke schön.",
            "A: Gern, dir noch einen schönen Tag und tschüss!",
        )
    )
    du = [f for f in call["findings"] if f["rule_id"] == "respect.du_switch.v1"]
    assert len(du) >= 5
    w = scorer.weights.respect
    decay = w.repeat_decay
    saturated = sum(0.7 * decay**k for k in range(len(du)))
    cap = w.max_per_rule if w.max_per_rule is not None else saturated
    assert call["respect"]["negative_weight"] == pytest.approx(min(saturated, cap), abs=0.001)
    assert call["respect"]["negative_weight"] < 0.7 / (1 - decay)
    expected = (
        w.base
        + w.courtesy * call["respect"]["courtesy"]
        - w.per_negative_weight * call["respect"]["negative_weight"]
    )
    assert call["components"]["respect"] == pytest.approx(max(0.0, expected), abs=0.1)
    assert call["components"]["respect"] > 0  # the plain sum (>= 3.5) would have zeroed it
    assert call["respect"]["disrespect"]  # saturation changes the score, not the verdict


def test_issue_13_a_longer_call_with_the_same_habit_loses_no_more_respect(scorer):
    opening = (
        "A: Guten Tag, hier ist Mia von Radhaus Nord, was kann ich für dich tun?",
        "K: Guten Tag. Können Sie mir sagen, wann mein Lastenrad fertig ist?",
        "A: Danke, dass du anrufst! Dein Rad ist morgen fertig.",
        "K: Schön. Und was kostet die Reparatur bei Ihnen?",
        "A: Für dich sind das neunzig Euro, ich schicke dir die Rechnung bitte per Mail.",
    )
    more = (
        "K: Kann ich auch bar zahlen, wenn ich es abhole?",
        "A: Klar, du kannst bar oder mit Karte zahlen, wie es dir lieber ist.",
        "K: Und haben Sie am Samstag geöffnet?",
        "A: Ja, für dich sind wir samstags bis vierzehn Uhr da.",
        "K: Prima. Brauche ich den Abholschein?",
        "A: Bring ihn gern mit, dann geht es für dich schneller.",
    )
    closing = ("K: Gut, danke schön.", "A: Gern, dir noch einen schönen Tag und tschüss!")
    short = scorer.score(dialogue(*opening, *closing))
    long = scorer.score(dialogue(*opening, *more, *closing))

    def du(call):
        return [f for f in call["findings"] if f["rule_id"] == "respect.du_switch.v1"]

    assert len(du(long)) >= len(du(short)) + 3
    w = scorer.weights.respect
    assert w.max_per_rule is not None
    # the habit costs at most per_negative_weight * max_per_rule, however often it recurs
    assert (
        short["respect"]["negative_weight"] == long["respect"]["negative_weight"] == w.max_per_rule
    )
    assert long["components"]["respect"] == short["components"]["respect"] > 0
    floor = (
        w.base + w.courtesy * long["respect"]["courtesy"] - w.per_negative_weight * w.max_per_rule
    )
    assert long["components"]["respect"] == pytest.approx(max(0.0, floor), abs=0.1)


def test_issue_13_brand_du_before_the_customer_says_sie_is_house_style(scorer):
    switched = scorer.score(
        dialogue(
            "A: Moin, hier ist Finn von Lastrad Nord! Was kann ich für dich tun?",
            "K: Guten Tag. Könnten Sie mich bitte siezen? Ich habe eine Frage zu Ihrer Rechnung.",
            "A: Selbstverständlich, Frau Marquardt. Worum geht es bei der Rechnung?",
        )
    )
    kept = scorer.score(
        dialogue(
            "A: Moin, hier ist Finn von Lastrad Nord! Was kann ich für dich tun?",
            "K: Guten Tag. Könnten Sie mich bitte siezen? Ich habe eine Frage zu Ihrer Rechnung.",
            "A: Klar, schick mir einfach deine Rechnungsnummer.",
        )
    )
    assert "respect.du_switch.v1" not in rule_ids(switched)
    assert not switched["respect"]["disrespect"]
    du = [f for f in kept["findings"] if f["rule_id"] == "respect.du_switch.v1"]
    assert du and {f["turn"] for f in du} == {2}


@pytest.mark.parametrize(
    ("customer_turn", "counts"),
    [
        # the customer moves to "du" or offers it: the agent's "du" after that mirrors them
        ("K: Gerhard reicht, und du kannst ruhig du sagen. Wann kommt der Kurier?", False),
        ("K: Sie können mich gern duzen. Wann kommt der Kurier?", False),
        ("K: ja sag mal wann kommt denn dein kurier", False),
        # near misses: the customer keeps "Sie", or objects to being called "du"
        ("K: Wann kommt denn Ihr Kurier? Ich muss Sie das leider noch mal fragen.", True),
        ("K: Warum duzen Sie mich eigentlich? Wann kommt der Kurier?", True),
    ],
)
def test_respect_mirror_follows_the_customer_into_du(scorer, customer_turn, counts):
    call = scorer.score(
        dialogue(
            "A: Schönen guten Tag, Versandservice Lindner, was kann ich für Sie tun?",
            "K: Guten Tag, ich warte auf Ihre Lieferung mit dem Sofa.",
            "A: Da schaue ich gleich nach, Herr Asmus.",
            customer_turn,
            "A: Der Kurier kommt Dienstag zwischen acht und zwölf, schreib dir das am besten auf.",
        )
    )
    du = [f for f in call["findings"] if f["rule_id"] == "respect.du_switch.v1"]
    assert bool(du) is counts
    if counts:
        assert {f["turn"] for f in du} == {4}


def test_respect_mirror_house_du_announced_in_a_chat_postscript_covers_the_message_before(
    scorer,
):
    call = scorer.score(
        dialogue(
            "K: Guten Tag, bei Ihrer Lieferung war der Topf zerbrochen.",
            "A: Oh nein, das tut mir leid! Ich schicke dir sofort einen neuen.",
            "A: PS: Wir duzen bei Topfglück alle, aber wenn dir Sie lieber ist, sag's einfach.",
            "K: Passt schon. Wann kommt der neue Topf?",
            "A: Morgen, ich schick dir gleich die Sendungsnummer.",
        )
    )
    assert "respect.du_switch.v1" not in rule_ids(call)


@pytest.mark.parametrize(
    ("announcement", "customer_turn", "counted_turns"),
    [
        # the agent states the brand's "du" and the customer lets it stand: house style
        (
            "A: Hallo, hier ist Jule von Beerenkorb! Bei uns duzen sich alle, ist das okay für "
            "dich?",
            "K: Ja, passt schon. Wann kommt denn Ihre Lieferung?",
            set(),
        ),
        (
            "A: moin hier ist jonas von radwerk wir sind hier alle per du was kann ich für dich "
            "tun",
            "K: Guten Tag, ich habe Ihnen wegen der Bremse geschrieben.",
            set(),
        ),
        (
            "A: Hi, Jule von Beerenkorb. Bei uns gilt das Du für alle, nicht böse gemeint!",
            "K: Guten Tag. Wann kommt denn Ihre Lieferung?",
            set(),
        ),
        (
            "A: Servus, hier ist der Lukas vom Sportverleih. Bei uns sagen eigentlich alle du, "
            "des is so a Hausbrauch, aber wenn's Ihnen lieber is, bleib ma beim Sie.",
            "K: Ach, das ist nett. Wann kommt denn Ihre Lieferung?",
            set(),
        ),
        # near misses: the customer declines it, so the "du" after that counts ...
        (
            "A: Hallo, hier ist Jule von Beerenkorb! Bei uns duzen sich alle, ist das okay für "
            "dich?",
            "K: Mir ist Sie lieber, ehrlich gesagt. Wann kommt denn Ihre Lieferung?",
            {4},
        ),
        (
            "A: Hallo, hier ist Jule von Beerenkorb! Bei uns duzen sich alle, ist das okay für "
            "dich?",
            "K: Bitte duzen Sie mich nicht. Wann kommt denn Ihre Lieferung?",
            {4},
        ),
        # ... and so does it where the agent's "du" is their own whim, not the brand's, or the
        # customer's "lieber" is about something else
        (
            "A: Hallo, hier ist Jule von Beerenkorb! Ich duz dich hier einfach mal, okay?",
            "K: Hm. Wann kommt denn Ihre Lieferung?",
            {4},
        ),
        (
            "A: Hallo, hier ist Jule von Beerenkorb! Bei uns duzen sich alle, ist das okay für "
            "dich?",
            "K: Schon gut. Können Sie lieber morgen liefern als heute?",
            set(),
        ),
        # ... and a relative "das" before "du" announces nothing ("das Paket, das du bei uns
        # bestellt hast")
        (
            "A: Hallo, hier ist Jule von Beerenkorb! Das Obst, das du bei uns bestellt hast, ist "
            "unterwegs.",
            "K: Guten Tag, wann kommt denn Ihre Lieferung?",
            {4},
        ),
        # ... and an agent who only says "du" has announced nothing
        (
            "A: Hallo, hier ist Jule von Beerenkorb, was kann ich für Sie tun?",
            "K: Guten Tag, wann kommt denn Ihre Lieferung?",
            {4},
        ),
    ],
)
def test_respect_mirror_takes_an_announced_house_du_until_the_customer_declines_it(
    scorer, announcement, customer_turn, counted_turns
):
    call = scorer.score(
        dialogue(
            announcement,
            "K: Guten Tag, ich warte auf eine Kiste mit Obst.",
            "A: Alles klar, da schaue ich gleich nach.",
            customer_turn,
            "A: Die Kiste kommt morgen früh, schreib dir die Sendungsnummer am besten auf.",
        )
    )
    du = [f for f in call["findings"] if f["rule_id"] == "respect.du_switch.v1"]
    assert {f["turn"] for f in du} == counted_turns


@pytest.mark.parametrize(
    "text",
    [
        "A: Ihre Überweisung ist nur an einem Zahlendreher bei uns gescheitert, Sie haben nix "
        "falsch gemacht.",
        "A: Herr Brandt, ganz langsam. Wir gehen das jetzt zusammen Schritt für Schritt durch.",
        "A: Ach was, das kann jedem mal passieren. Ihre Bestellung ist schon unterwegs.",
    ],
)
def test_issue_13_reassurance_that_looks_like_a_slight_is_no_finding(scorer, text):
    call = scorer.score(
        dialogue("K: Entschuldigung, ich bin ganz durcheinander, mein Geld ist weg!", text)
    )
    assert not rule_ids(call, "negative"), call["findings"]


def test_a_clear_model_finding_makes_a_call_disrespectful_on_its_own(monkeypatch):
    """One negative model finding weighs little (a hint), unless its probability lies far over
    the move's threshold (the clear margin of data/moves.yaml): then it is a finding of its
    own, and the explanation says at which probability it became clear. (The context and call
    readers, which would weigh the hint in its context, are off here: test_context_reader.py,
    test_call_reader.py.)"""
    monkeypatch.setattr(context_reader, "reader_model", lambda: None)
    monkeypatch.setattr(call_reader, "reader_model", lambda: None)
    scorer = Scorer(model="fake", use_offense_model=False)
    respect = next(d for d in scorer.detectors if d.name == "respect")
    call = dialogue(
        "A: Guten Tag, Stadtwerke Lindenau, Sie sprechen mit Frau Arslan.",
        "K: Ich soll eine Nachzahlung von 300 Euro leisten, das kann doch nicht stimmen.",
        "A: Tja, wer den Vertrag nicht liest, muss halt nachzahlen.",
        "K: Ach so. Na gut, danke.",
    )

    def blame(margin: float | None) -> tuple[dict, dict]:
        respect.clear_margin = margin
        record = scorer.score(call)
        found = [f for f in record["findings"] if f["rule_id"] == "respect.model.blame.v1"]
        assert len(found) == 1, record["findings"]
        return record, found[0]

    record, finding = blame(None)
    assert finding["weight"] == 0.3 and "(clear)" not in finding["explanation"]
    assert not record["respect"]["disrespect"]
    record, finding = blame(2.0)
    assert finding["weight"] == 0.5
    assert re.search(r"p=\d\.\d{3} >= 0\.9\d\d \(clear\)", finding["explanation"])
    assert record["respect"]["disrespect"] and record["respect"]["disrespect_turns"] == [2]
    record, finding = blame(40.0)  # a margin no probability reaches
    assert finding["weight"] == 0.3 and not record["respect"]["disrespect"]


@pytest.mark.parametrize(
    ("customer_line", "escalates"),
    [
        ("Wie bitte? Sie müssen ein bisschen lauter reden, ich hör nicht so gut.", False),
        ("Hallo? Ich versteh Sie so schlecht, das Telefon ist so leise.", False),
        # near miss: capitals with no reason to speak up are shouting
        ("Hallo? Ich wollte nach meinem Rollator fragen.", True),
    ],
)
def test_issue_13_speaking_up_for_a_caller_who_hears_badly_is_no_shouting(
    scorer, customer_line, escalates
):
    call = scorer.score(
        dialogue(
            "A: Sanitätshaus Kröll, guten Tag.",
            f"K: {customer_line}",
            "A: JA, HERR SCHÄFER, HIER IST DAS SANITÄTSHAUS KRÖLL. Was kann ich für Sie tun?",
            "K: Die Bremse am Rollator greift nicht mehr.",
            "A: Bringen Sie ihn gern vorbei, die Werkstatt schaut ihn sich heute noch an.",
            "K: Danke, das mache ich.",
        )
    )
    shouting = [
        f
        for f in call["findings"]
        if f["rule_id"] == "deescalation.upset.shouting.v1" and f["role"] == "agent"
    ]
    assert bool(shouting) is escalates
    assert call["respect"]["disrespect"] is escalates


ECHO = "Das ist tatsächlich nicht mein Problem, aber es erklärt die Lücke im Verlauf."
NAMED = "Es heißt „Schadensmeldung“, nicht „Meldung“. Sie finden es in der App."


@pytest.mark.parametrize(
    ("customer_line", "agent_line", "rule", "counts"),
    [
        # the agent echoes the customer's own words: agreement, no shrug
        (
            "Der alte Chef hat nie pünktlich gezahlt, aber das ist ja nicht Ihr Problem.",
            ECHO,
            "respect.dismissal.v1",
            False,
        ),
        (
            "Mein alter Arbeitgeber hat wohl geschlampt, ist ja nicht Ihre Schuld.",
            ECHO,
            "respect.dismissal.v1",
            False,
        ),
        # near miss: the same words with nothing to echo are the shrug
        (
            "Der alte Chef hat nie pünktlich gezahlt, und jetzt fehlen mir drei Jahre.",
            ECHO,
            "respect.dismissal.v1",
            True,
        ),
        # correcting a learner's German talks down ...
        (
            "Ich habe gestern ein Kratz an die Auto gesehen, ich will melden.",
            NAMED,
            "respect.language_correction.v1",
            True,
        ),
        # ... but naming the form the customer asked for is an answer
        (
            "Wie heißt das Formular noch mal, wo ich das melden kann?",
            NAMED,
            "respect.language_correction.v1",
            False,
        ),
    ],
)
def test_issue_13_the_customers_turn_before_decides_what_the_agents_words_are(
    scorer, customer_line, agent_line, rule, counts
):
    call = scorer.score(
        dialogue(
            "A: Kundenservice, Sie sprechen mit Frau Brandt.",
            f"K: {customer_line}",
            f"A: {agent_line}",
            "K: Okay, und wie geht es jetzt weiter?",
        )
    )
    assert (rule in rule_ids(call)) is counts


@pytest.mark.parametrize(
    "agent_line",
    [
        # cheering in a brand chat is no shouting
        # known false alarm since the twenty-fifth session's refit: the move model reads "Dann
        # ist ja alles geklärt." as a brush-off, and on two agent sentences the call reader
        # (p 0.68 >= 0.6) calls the call rude; the cheer itself is no finding
        pytest.param(
            "A: Yaaay, super, dass es geklappt hat!! 🥳 Dann ist ja alles geklärt.",
            marks=pytest.mark.xfail(strict=True, reason="call reader on a closing formula"),
        ),
        "A: Yaaay, super, dass es geklappt hat!! 🥳 Dann viel Spaß damit!",
        # an insult denied, to reassure
        "A: Herr Kowalczyk, Sie sind kein Depp. Die Umstellung ist ganz neu, das erkläre ich Ihnen.",
        # "ruhig" as a particle before a place: stay there, by all means
        "A: Bleiben Sie ruhig im Treppenhaus, bis die Polizei da ist, gehen Sie nicht allein rein.",
        # others made the same slip: no shame
        "A: Schämen müssen Sie sich nicht. Sie sind nicht die Erste, der das passiert.",
        # a brand chat's cheer, with happy emoji after the marks
        "A: Danke für das Foto, suuuper hilfreich!! 📸✨ Das Geld ist morgen wieder da 😊",
        "A: Haha, sehr gute Idee!! 🍳😄 Dann bis zum nächsten Mal!",
        # the complaint is taken up and passed on: others share it
        "A: Das gebe ich an die Kollegen weiter; Sie sind nicht die Erste, die das sagt.",
    ],
)
def test_reassuring_agent_words_that_look_rough_are_no_disrespect(scorer, agent_line):
    call = scorer.score(
        dialogue(
            "K: Ich glaube, ich hab was ganz Dummes gemacht, ich komm mir vor wie ein Depp!!",
            agent_line,
            "K: Danke, das beruhigt mich.",
        )
    )
    assert not call["respect"]["disrespect"], call["findings"]


def test_the_customers_spelling_corrected_in_passing_is_condescension(scorer):
    call = scorer.score(
        dialogue(
            "K: hab den falschen kämpingplatz gebucht, kann man das tauschen?",
            "A: Tauschen geht. Und „Campingplatz“ schreibt sich übrigens mit C. Bestellnummer?",
        )
    )
    assert "respect.language_correction.v1" in rule_ids(call, "negative")


NEW_BRUSH_OFFS = ("respect.dismissal.v1", "respect.lecture.v1", "respect.mocking_doubt.v1")


@pytest.mark.parametrize(
    ("agent_line", "rule"),
    [
        # the tautology that ends the talk
        ("A: Die Regeln gelten überall gleich. Richtlinie ist Richtlinie.", "respect.dismissal.v1"),
        ("A: tut mir leid vertrag ist vertrag", "respect.dismissal.v1"),
        # a bureaucratic refusal to pass the customer on
        (
            "A: eine weiterleitung ist in diesem fall nicht vorgesehen die preise sind verbindlich",
            "respect.dismissal.v1",
        ),
        # what the customer could have read for themselves
        (
            "A: Das hätten Sie übrigens auch auf unserer Internetseite nachlesen können.",
            "respect.lecture.v1",
        ),
        # near misses: safety twice, a limit with a way forward, no reproach, a pointer
        ("A: Sicher ist sicher, ich schicke Ihnen die Bestätigung noch einmal.", None),
        (
            "A: Eine Weiterleitung ist in diesem Fall nicht vorgesehen, aber ich kann Ihnen einen "
            "Rückruf der Fachabteilung anbieten.",
            None,
        ),
        (
            "A: Das hätten Sie nirgends nachlesen können, die Seite war veraltet, tut mir leid.",
            None,
        ),
        (
            "A: Das können Sie auch auf unserer Internetseite nachlesen, ich schicke Ihnen den Link.",
            None,
        ),
        # what "goes without saying", where it "stood, by the way", schooling for next time
        (
            "A: Auch hier gilt, was sich eigentlich von selbst erschließt: Ausflüge, die nicht "
            "stattfinden, werden nicht berechnet.",
            "respect.lecture.v1",
        ),
        ("A: Das stand übrigens auch in der Mail, die Sie bekommen haben.", "respect.lecture.v1"),
        (
            "A: Da haben Sie sich wohl verklickt. Bitte prüfen Sie künftig vor dem Absenden Ihre "
            "Auswahl.",
            "respect.lecture.v1",
        ),
        ("A: Schauen Sie im Spam-Ordner nach, bevor Sie nachfragen.", "respect.lecture.v1"),
        (
            "A: Wir empfehlen, vor solchen Änderungen die Dokumentation zu lesen.",
            "respect.lecture.v1",
        ),
        # the talk closed on the agent's limit
        (
            "A: Ohne Sicherung kann ich keine zurückspielen. Ich kann an der Stelle nichts weiter "
            "für Sie tun.",
            "respect.dismissal.v1",
        ),
        # near misses: a promise that goes without saying, an instruction before a call, advice
        # before an update, a limit with a way forward, options laid out
        ("A: Dass wir die Reparatur bezahlen, versteht sich von selbst.", None),
        ("A: Bevor Sie anrufen, halten Sie bitte Ihre Kundennummer bereit.", None),
        ("A: Wir empfehlen, vor dem Update eine Sicherung anzulegen; ich zeige Ihnen, wie.", None),
        (
            "A: Ich kann an der Stelle nichts weiter für Sie tun, aber ich kann Ihnen einen "
            "Rückruf der Technik für morgen früh anbieten.",
            None,
        ),
        (
            "A: Deshalb zwei Vorschläge: Sie verschieben auf September. Oder, wenn Ihnen das "
            "nicht passt, stornieren Sie ohne Gebühr.",
            None,
        ),
        # a check question with the harmless explanations the agent has in mind
        (
            "A: Und Sie sind sicher, dass Sie das nicht selbst waren? Urlaub, VPN, ein Kollege "
            "an Ihrem Rechner?",
            None,
        ),
    ],
)
def test_brush_offs_and_lectures_in_new_words_are_found(scorer, agent_line, rule):
    call = scorer.score(
        dialogue(
            "K: Ich will das Geld zurück und nicht nur einen Gutschein, und zwar mit einem Vorgesetzten.",
            agent_line,
        )
    )
    found = set(NEW_BRUSH_OFFS) & set(rule_ids(call, "negative"))
    assert found == ({rule} if rule else set()), call["findings"]


@pytest.mark.parametrize(
    ("customer_turn", "counts"),
    [
        # the formal possessive before a noun is the customer's "Sie"
        ("K: Guten Tag. Mein Enkel hat mir Ihr Angebot eingerichtet, jetzt geht nichts.", True),
        # the old letter style of the informal plural is not
        ("K: Hallo, habt Ihr meine Bestellung bekommen? Ich warte schon.", False),
    ],
)
def test_respect_mirror_reads_the_formal_possessive_as_sie(scorer, customer_turn, counts):
    call = scorer.score(
        dialogue(
            customer_turn,
            "A: Hey 👋 Ich bin Timo! Gib mir mal kurz deine Nummer, dann schau ich nach 😊",
        )
    )
    assert ("respect.du_switch.v1" in rule_ids(call)) is counts


def test_third_person_ihre_sache_against_the_customers_du_is_no_blame(scorer):
    call = scorer.score(
        dialogue(
            "K: die käuferin sagt, die jacke sei fake, mein geld ist eingefroren!!",
            "A: Ich hab den Fall zu deinen Gunsten entschieden. Will sie die Jacke trotzdem nicht, "
            "schickt sie sie auf ihre Kosten zurück, aber das ist dann ihre Sache, nicht deine "
            "Baustelle.",
        )
    )
    assert "respect.blame.v3" not in rule_ids(call, "negative"), call["findings"]
    # near miss: said to the customer, it is blame
    rude = scorer.score(
        dialogue(
            "K: Die Käuferin sagt, die Jacke sei gefälscht, mein Geld ist eingefroren!",
            "A: Wenn Sie keine Rechnung haben, ist das dann Ihre Sache.",
        )
    )
    assert "respect.blame.v3" in rule_ids(rude, "negative"), rude["findings"]


@pytest.mark.parametrize(
    ("line", "cue"),
    [
        # the agent's "!!" in a warm reply is cheer, not an escalating move
        (
            "A: Liebe Frau Lindner, in der roten Gruppe ist noch ein Platz frei!! Ich buche um.",
            False,
        ),
        # near miss: the agent's capitals still are
        ("A: DAS HABE ICH IHNEN DOCH GESAGT, die Gruppe ist voll.", True),
    ],
)
def test_the_agents_exclamation_marks_are_cheer_and_capitals_are_shouting(scorer, line, cue):
    call = scorer.score(
        dialogue("K: Kann mein Sohn noch in die rote Gruppe wechseln? Danke und Gruß", line)
    )
    escalating = [f for f in call["findings"] if f["role"] == "agent" and f["kind"] == "escalating"]
    assert bool(escalating) is cue, call["findings"]

from __future__ import annotations

import pytest

from tests.detectors.conftest import dialogue
from toneprobe.detectors import hangup_reader
from toneprobe.detectors.hangup import is_cut_off
from toneprobe.pipeline import Scorer
from toneprobe.sentiment.vocab import FrozenVocab, Lexicon

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


# raw speech recognition: no capitals, no punctuation (data/dev15's odd calls)
ASR_OPEN = (
    "A: umzüge kranich kundenservice sie sprechen mit jannik pohlmann wie kann ich helfen",
    "K: ja lenz hier bei meinem umzug ist ein karton mit geschirr kaputt gegangen",
    "A: ich nehme ihr anliegen gerne auf und leite es an die fachabteilung weiter",
    "K: und wie lange dauert das ungefähr",
)


CUT_SHORT = [
    # the agent says goodbye while the calm customer is still asking: cut short
    (
        ASR_OPEN
        + (
            "A: dann bedanke ich mich für ihren anruf und wünsche ihnen einen schönen tag auf wieder hören",
            "K: moment ich bin noch nicht fertig hallo hallo der hat aufgelegt",
        ),
        "agent",
    ),
    (
        ASR_OPEN
        + (
            "A: vielen dank für ihren anruf auf wieder hören",
            "K: ja aber der karton hallo hallo na das ist ja ein ding",
        ),
        "agent",
    ),
    # the same calm customer answers the goodbye in dialect: a normal end, and "net" at
    # the end of a turn is a word, not a turn cut off
    (
        ASR_OPEN
        + (
            "A: etwa zwei wochen dann meldet sich die fachabteilung bei ihnen auf wieder hören",
            "K: guat dann pressiert des net pfiat eahna",
        ),
        "none",
    ),
    # a customer's "hallo hallo" without any goodbye before it is a line check, not the
    # agent's hang-up
    (
        ASR_OPEN + ("A: das kann ich ihnen leider nicht genau", "K: hallo hallo"),
        "dropped",
    ),
]


PARCEL_OPEN = (
    "A: Paketdienst Kundenservice, Voß, guten Tag.",
    "K: Guten Tag, Brandt. Unsere Sendung an einen Kunden kam völlig zerdrückt an, die Ware ist hin.",
    "A: Wer zahlt den Schaden? Niemand. Für Folgeschäden haften wir nicht, steht in den Bedingungen.",
)


COLD_BREAK_OFFS = [
    # a cold, polite break-off: the customer takes the business away, then says goodbye
    (
        PARCEL_OPEN
        + (
            "K: Verstehe. Dann weiß ich, woran ich bin. Ich werde unsere Lieferanten bitten, nicht mehr mit Ihnen zu versenden.",
            "A: Das ist Ihre Entscheidung.",
            "K: Ja, das ist sie. Danke für Ihre Zeit. Auf Wiederhören.",
        ),
        "customer",
    ),
    (
        PARCEL_OPEN
        + (
            "K: Gut. Dann weiß ich jetzt wenigstens, woran ich bei Ihnen bin. Danke für Ihre Zeit. Auf Wiederhören.",
        ),
        "customer",
    ),
    # the agent answers the same words with a way forward: the goodbye settles the call
    (
        PARCEL_OPEN
        + (
            "K: Verstehe. Dann weiß ich, woran ich bin. Ich werde unsere Lieferanten bitten, nicht mehr mit Ihnen zu versenden.",
            "A: Moment, ich schicke Ihnen das Formular für die Transportversicherung, darüber bekommen Sie den Warenwert zurück.",
            "K: Ah, gut, dann machen wir das so. Danke, auf Wiederhören.",
        ),
        "none",
    ),
    # a curt customer who says goodbye first is not hung up on by the agent's goodbye
    (
        (
            "K: Und wann kommt dann das Geld?",
            "A: In drei bis fünf Werktagen ist es auf Ihrem Konto.",
            "K: Gut. Mehr wollt ich nicht wissen. Wiederhören.",
            "A: Auf Wiederhören, Frau Klein.",
        ),
        "none",
    ),
]


PRICE_OPEN = (
    "K: Hallo, ich habe gesehen, dass der Tarif ab März acht Euro mehr kostet. Das ist doch ein Witz.",
    "A: Die Anpassung gilt für alle Bestandskunden, das ist leider nicht verhandelbar.",
)

CLOSED_AFTER_LEAVING = [
    # the customer leaves with their own goodbye; the agent's closing (regret, a confirmation,
    # a wish) tries nothing to keep them: the customer ended it
    (
        PRICE_OPEN
        + (
            "K: wisst ihr was, vergesst es. ich geh damit zur verbraucherzentrale. schönen tag noch",
            "A: Schade, dass ich Ihnen heute nicht weiterhelfen konnte. Ihr Hinweis ist notiert. Einen schönen Tag!",
        ),
        "customer",
    ),
    # the goodbye as a turn of its own after the leaving words
    (
        PRICE_OPEN
        + (
            "K: Dann kündige ich zum Monatsende, das war es dann mit uns.",
            "K: Guten Tag.",
            "A: Das bedaure ich. Die Kündigung geht in der App unter Profil. Alles Gute für Sie.",
        ),
        "customer",
    ),
    # sarcastic thanks on a matter left unsettled carry the protest without a goodbye of the
    # customer's own; the agent's regret and wish only close what the customer broke off
    # (data/endings/LABELLING.md, rule 2: "Danke für nichts" is `customer`)
    (
        PRICE_OPEN
        + (
            "K: Na dann, danke für gar nichts.",
            "A: Das tut mir leid. Ihr Hinweis ist notiert. Ich wünsche Ihnen trotzdem einen schönen Tag.",
        ),
        "customer",
    ),
    # near miss: a dialect goodbye answered by the agent's is a normal end, however short
    (
        (
            "K: griaß eana i ruaf wegn da rechnung an de is doppelt kemma",
            "A: ja do schau i glei des is a fehler vo uns i storniers",
            "A: des is dann erledigt die rechnung kommt nimmer doppelt",
            "K: passt scho pfiat di",
            "A: pfiat eana",
        ),
        "none",
    ),
]


@pytest.mark.parametrize(("lines", "expected"), CUT_SHORT + COLD_BREAK_OFFS + CLOSED_AFTER_LEAVING)
def test_hangup_cut_short_and_cold_break_offs(scorer, lines, expected):
    """Raw speech-recognition calls whose customer is cut short after the agent's goodbye, and
    polite, cold break-offs (data/dev15's and the tuning sets' misses, in our own words)."""
    call = scorer.score(dialogue(*lines))
    assert call["hangup"]["outcome"] == expected, call["hangup"]["evidence"]


def test_hangup_a_pasted_anything_else_does_not_answer_a_break_off(scorer):
    chat = (
        "A: Herzlich willkommen beim Chat-Service! Wie kann ich Ihnen helfen?",
        "K: mein flug morgen ist storniert. kann ich auf den flug um 14:30 umbuchen?",
        "A: Bitte nutzen Sie für Erstattungen unser Online-Formular.",
        "K: ich will umbuchen, nicht erstatten. geht das oder nicht??",
        "A: Umbuchungen kosten im Basic-Tarif 45 Euro pro Person.",
        "K: für einen flug den IHR storniert habt?? vergiss es. ich buch woanders. tschüss",
        "A: Vielen Dank für Ihre Kontaktaufnahme. Gibt es noch etwas, wobei ich Ihnen behilflich sein kann?",
    )
    call = scorer.score(dialogue(*chat))
    assert call["hangup"]["outcome"] == "customer", call["hangup"]["evidence"]
    # a real answer to the break-off that the customer takes up keeps the call going (without
    # the customer's answer the goodbye stands: data/endings/LABELLING.md, rule 2)
    answered = chat[:-1] + (
        "A: Das verstehe ich, das ist ärgerlich. Ich buche Sie kostenlos auf 14:30 um, einverstanden?",
        "K: ok, ja, dann machen wir das so.",
    )
    call = scorer.score(dialogue(*answered))
    assert call["hangup"]["outcome"] != "customer", call["hangup"]["evidence"]


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


# Issue 13: chats end differently from calls. One message is one turn, the customer can leave
# the window, the agent can close the chat, the connection can time out, and a message may end
# in an emoji instead of a full stop.
CHAT_OPEN = ("A: Hallo und willkommen im Chat von Radhof24, ich bin Mira. Wie kann ich helfen?",)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (  # a warm close that ends in an emoji is complete, not cut off
            CHAT_OPEN
            + (
                "K: Mein Schloss klemmt, kann ich das tauschen?",
                "A: Klar, ich schicke dir ein neues, es ist morgen da.",
                "K: Super, danke dir!",
                "A: Sehr gern, gute Fahrt 🚲",
            ),
            "none",
        ),
        (  # the agent notices the connection is gone and closes with a note
            CHAT_OPEN
            + (
                "K: Ich hab die Rechnung vom Juli, da ist ein Posten, den ich",
                "A: Noch da?",
                "A: Bei mir steht „Verbindung zum Kunden getrennt“. Schreiben Sie gern wieder.",
            ),
            "dropped",
        ),
        (  # the agent closes the chat on a question the customer is still writing
            CHAT_OPEN
            + (
                "K: Die Erstattung ist immer noch nicht da.",
                "A: Die wurde veranlasst. Wenn sonst nichts ist, schließe ich den Chat jetzt.",
                "K: Moment, ich wollte noch fragen, bis wann die",
                "A: Der Chat wurde beendet. Danke, dass Sie Radhof24 gewählt haben.",
            ),
            "agent",
        ),
        (  # the customer protests after the agent's canned close
            CHAT_OPEN
            + (
                "K: Ich möchte bitte mit jemandem sprechen, der das entscheiden darf.",
                "A: Das geht im Chat leider nicht. Einen schönen Tag noch! Der Chat wird nun beendet.",
                "K: Das ist jetzt nicht Ihr Ernst?!",
            ),
            "agent",
        ),
        (  # a settled chat that the agent closes is a normal end
            CHAT_OPEN
            + (
                "K: Wann kommt mein Ersatzteil?",
                "A: Am Donnerstag, die Sendungsnummer kommt per Mail.",
                "K: Perfekt, danke, mehr brauche ich nicht.",
                "A: Gern! Einen schönen Tag noch, der Chat wird nun beendet.",
            ),
            "none",
        ),
        (  # a customer who signs off without a full stop is done, not cut off
            CHAT_OPEN
            + (
                "K: Kann ich die Lieferadresse noch ändern?",
                "A: Ja, ich habe sie eben auf die Gartenstraße 4 geändert.",
                "K: Klasse, das ging schnell. Danke!",
                "K: dann schönen abend noch",
                "A: Danke, dir auch einen schönen Abend!",
            ),
            "none",
        ),
        (  # ... also with a chat sign-off ("lg")
            CHAT_OPEN
            + (
                "K: Wo finde ich meine Rechnung?",
                "A: Unter Konto > Bestellungen, rechts neben jeder Bestellung.",
                "K: Ah gefunden. Danke!",
                "K: ok dann lad ich sie mir da runter, lg",
                "A: Sehr gern, einen schönen Tag!",
            ),
            "none",
        ),
        (  # a customer who never punctuates: an unpunctuated last message is complete
            CHAT_OPEN
            + (
                "K: hallo mein paket ist seit montag unterwegs",
                "A: Ich sehe es im Verteilzentrum, morgen wird es zugestellt.",
                "K: ah ok gut zu wissen",
                "K: dann warte ich bis morgen",
                "A: Sehr gern, bis bald!",
            ),
            "none",
        ),
        (  # asking for a supervisor and getting the chat closed is an agent hang-up
            CHAT_OPEN
            + (
                "K: Ich warte seit drei Wochen auf eine Antwort.",
                "A: Ihr Anliegen ist in Bearbeitung.",
                "K: Dann möchte ich jetzt bitte Ihre Teamleitung sprechen.",
                "A: Danke für Ihre Nachricht. chat ist geschlossen",
            ),
            "agent",
        ),
        (  # an angry customer who breaks off in the chat's words, answered by a shrug
            CHAT_OPEN
            + (
                "K: Das ist eine Frechheit, seit drei Wochen warte ich auf mein Geld!",
                "A: Da kann ich auch nichts machen.",
                "K: unfassbar. bin raus hier",
                "A: Okay.",
            ),
            "customer",
        ),
    ],
)
def test_issue_13_hangup_in_chats(scorer, lines, expected):
    call = scorer.score(dialogue(*lines))
    assert call["hangup"]["outcome"] == expected, call["hangup"]["evidence"]


@pytest.mark.parametrize(
    "text",
    ["schönen abend noch", "ok danke", "dann meld ich mich wieder, lg", "bis dann, tschüss"],
)
def test_a_closing_formula_is_not_cut_off_even_in_punctuated_text(text):
    assert not is_cut_off(text, punctuated=True)


def test_a_sentence_that_stops_mid_way_is_still_cut_off():
    assert is_cut_off("ich wollte noch sagen, dass", punctuated=False)
    assert is_cut_off("Ich wollte noch fragen, wann der Techniker", punctuated=True)


def rules_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hang-up rules without the learned reader (``hangup_reader.py``), for tests of the
    rules' own reading of context."""
    monkeypatch.setattr(hangup_reader, "reader_model", lambda: None)


def test_issue_13_leaving_a_chat_counts_only_for_an_upset_customer(scorer, monkeypatch):
    # the rules' reading; the learned reader takes the calm chat's "Frau Lenz? Sie haben den
    # Chat verlassen." for a line check and calls it dropped (a known miss, README)
    rules_alone(monkeypatch)
    angry = scorer.score(
        dialogue(
            *CHAT_OPEN,
            "K: Das ist unverschämt, ich zahle doch nicht zweimal für denselben Monat!",
            "A: Die Abbuchung ist laut System korrekt.",
            "A: Frau Lenz? Sie haben den Chat verlassen.",
        )
    )
    calm = scorer.score(
        dialogue(
            *CHAT_OPEN,
            "K: Wie ändere ich meine Adresse?",
            "A: Unter „Mein Konto“ > „Daten“, dort einfach die neue Adresse eintragen.",
            "A: Frau Lenz? Sie haben den Chat verlassen.",
        )
    )
    assert angry["hangup"]["outcome"] == "customer", angry["hangup"]["evidence"]
    assert calm["hangup"]["outcome"] == "none", calm["hangup"]["evidence"]


def test_a_calm_customer_who_hangs_up_on_the_agents_unfinished_goodbye_breaks_off(
    scorer, monkeypatch
):
    """A cold, calm customer who hangs up while the agent is still talking (the agent calls
    after her between pauses) broke the call off; the same note after a goodbye that ended is
    no break-off. The rules' reading: with the keyword backend of these tests the reader leans
    to `customer` on the second (p 0.53 against none 0.44; with the shipped models it does
    not)."""
    rules_alone(monkeypatch)
    lines = (
        "A: Guten Tag, Krankenkasse Lindenhain, Feldkötter am Apparat.",
        "K: Haubrich, guten Tag. Ich rufe wegen des Bescheids zum Krankengeld an.",
        "A: Der Bescheid ist richtig, das Krankengeld endet am Monatsende. Ich schicke "
        "Ihnen heute die Bescheinigung und eine Checkliste.",
        "K: Schicken Sie mir die Unterlagen, ich lasse das prüfen. Guten Tag.",
    )
    cut = scorer.score(
        dialogue(
            *lines, "A: Das mache ich. Ich wünsche Ihnen ... Frau Haubrich? ... Sie hat aufgelegt."
        )
    )
    ended = scorer.score(
        dialogue(*lines, "A: Das mache ich, auf Wiederhören, Frau Haubrich. ... Sie hat aufgelegt.")
    )
    assert cut["hangup"]["outcome"] == "customer", cut["hangup"]["evidence"]
    assert "the agent was still talking" in str(cut["hangup"]["evidence"])
    assert ended["hangup"]["outcome"] == "none", ended["hangup"]["evidence"]


def test_issue_13_ending_after_warnings_is_a_hangup_but_no_disrespect(scorer):
    call = scorer.score(
        dialogue(
            *OPEN,
            "K: Ihr seid doch alle unfähig, ihr Trottel!",
            "A: Bitte beleidigen Sie mich nicht, ich möchte Ihnen helfen.",
            "K: Halt die Klappe, du Idiot!",
            "A: Ich habe Sie jetzt zweimal gebeten, mich nicht zu beleidigen. Ich beende das "
            "Gespräch. Auf Wiederhören.",
        )
    )
    assert call["hangup"]["outcome"] == "agent", call["hangup"]["evidence"]
    assert "hangup.agent.after_warnings.v1" in {f["rule_id"] for f in call["findings"]}
    assert not call["respect"]["disrespect"], call["findings"]


def test_a_boundary_holds_when_the_insult_comes_after_the_agents_warning(scorer):
    """The agent warns ("noch eine Beleidigung, und ich beende das Gespräch"), which already
    reads as announcing the end; the customer insults them again and the agent ends the call:
    the insult after the deciding turn still makes the ending a boundary."""
    call = scorer.score(
        dialogue(
            *OPEN,
            "K: Ihr Fahrer hat das Paket doch selber eingesackt, das ist eine Frechheit!",
            "A: Herr Gerlach, ich verstehe, dass Sie sauer sind. Aber noch eine Beleidigung, "
            "und ich beende das Gespräch. Ich kann den Fahrer heute noch erreichen.",
            "K: Wissen Sie was, Sie Vollidiot, Sie bringen mir das Ding jetzt persönlich vorbei!",
            "A: So führe ich das Gespräch nicht weiter. Den Namen des Nachbarn bekommen Sie bis "
            "18 Uhr per SMS. Auf Wiederhören.",
        )
    )
    assert call["hangup"]["outcome"] == "agent", call["hangup"]["evidence"]
    assert call["hangup"]["boundary"], call["hangup"]


def test_a_warm_goodbye_after_the_customers_relief_is_no_hangup(scorer):
    """A relieved customer still names the trouble ("ich war völlig verzweifelt"); the state model
    reads relief, so the agent's goodbye answers it and ends nothing."""
    call = scorer.score(
        dialogue(
            *OPEN,
            "K: Mein Zug fällt aus und ich steh hier mit zwei Kindern am Bahnsteig, ich weiß nicht "
            "mehr weiter!",
            "A: Das bekommen wir hin. Ich habe Ihnen zwei Plätze im Bus um 18 Uhr gebucht, die "
            "Tickets sind schon auf Ihrem Handy.",
            "K: Sie haben uns den Abend gerettet. Ich war völlig verzweifelt, jetzt bin ich so "
            "erleichtert.",
            "A: Das freut mich sehr. Gute Heimfahrt Ihnen dreien!",
        )
    )
    assert call["hangup"]["outcome"] == "none", call["hangup"]["evidence"]


@pytest.mark.parametrize(
    "text",
    [
        "Sehr geehrte Frau Albers,\n\ndas passt, danke.\n\nFreundliche Grüße\nB. Vogt",
        "Guten Tag,\nanbei die Rechnung.\n\nMit freundlichen Grüßen\nIhr Kundenservice\nJana Ott",
        "ok dann warte ich, viele grüße anna",
        "Hallo Frau Kern,\n\ndas freut mich.\n\nHerzliche Grüße aus Lindau\nEva Roth\nKundenservice",
        "Alles klar. Viele Grüße, Anna Berger",
    ],
)
def test_a_message_signed_off_is_not_cut_off(text):
    assert not is_cut_off(text, punctuated=True)


@pytest.mark.parametrize(
    "text",
    [
        "Grüße an Ihre Kollegen, und ich wollte noch sagen, dass",
        "Mit freundlichen Grüßen\nIhr Team\n\nP.S. und ich wollte noch fragen, ob",
        "Ich wollte noch was fragen wegen meinem LG Fernseher",
    ],
)
def test_a_message_that_breaks_off_after_a_greeting_is_still_cut_off(text):
    assert is_cut_off(text, punctuated=True)


@pytest.mark.parametrize(
    ("text", "cut"),
    [
        ("Pass gut auf dich auf 🧡", False),
        ("Eingetragen ✅", False),
        ("Bis morgen :-)", False),
        ("Das wäre für uns", True),
        ("Ich wollte noch sagen, dass", True),
    ],
)
def test_issue_13_emoji_ends_a_chat_message(text, cut):
    assert is_cut_off(text, punctuated=True) is cut


def test_issue_13_chat_file_hangups_as_a_process(tmp_path):
    import json

    from tests.cli import run_toneprobe

    chat = {
        "call_id": "chat-1",
        "agent": "Mira",
        "turns": [
            {"role": "agent", "text": "Hallo, hier ist Mira von Radhof24. Wie kann ich helfen?"},
            {"role": "customer", "text": "Mein Akku lädt nicht mehr, was kann ich"},
            {"role": "agent", "text": "Hallo? Sehen Sie meine Nachrichten noch?"},
            {
                "role": "agent",
                "text": "Es sieht so aus, als wäre die Verbindung abgebrochen. Ich schicke "
                "Ihnen die Anleitung per Mail.",
            },
        ],
    }
    path = tmp_path / "chat-1.json"
    path.write_text(json.dumps(chat, ensure_ascii=False), encoding="utf-8")
    result = run_toneprobe("score", str(path), "--format", "json", "--model", "fake", "--quiet")
    assert result.returncode == 0, result.stderr
    call = json.loads(result.stdout)["calls"][0]
    assert call["hangup"]["outcome"] == "dropped", call["hangup"]["evidence"]
    assert "hangup.dropped.chat.v1" in {f["rule_id"] for f in call["findings"]}


# issue 13, call endings: what the words mean depends on what came before them
@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # a curt goodbye after a settled matter is a normal end ...
        (
            (
                "A: Ihre Zählerstände sind eingetragen, die Abrechnung kommt im Mai.",
                "K: Gut. Tschüss.",
                "A: Tschüss, Herr Vogel.",
            ),
            "none",
        ),
        (("A: so das ist gebucht noch was", "K: nö tschüss", "A: tschüss"), "none"),
        # ... a goodbye right after a refusal, in polite words, is a break-off
        (
            (
                "A: Eine Verlängerung der Frist ist leider nicht möglich.",
                "K: Dann brauch ich Sie ja nicht mehr. Schönen Abend noch.",
            ),
            "customer",
        ),
        # sarcastic thanks that echo the agent's words, next to sincere thanks
        (
            (
                "A: Die Gutschrift dauert etwa sechs Wochen.",
                "K: Sechs Wochen. Super. Danke auch. Tschüss.",
            ),
            "customer",
        ),
        (
            (
                "A: Die Gutschrift ist schon unterwegs, in zwei Tagen haben Sie das Geld.",
                "K: Super, danke! Tschüss.",
                "A: Tschüss!",
            ),
            "none",
        ),
        # leaving a chat in protest, next to leaving a settled one
        (
            (
                "K: Ich warte seit einer Stunde auf eine Antwort!",
                "A: Bitte haben Sie noch etwas Geduld.",
                "K: nö. bin weg",
            ),
            "customer",
        ),
        (
            (
                "A: Der neue Zugangscode ist an Ihre Mail-Adresse unterwegs.",
                "K: Perfekt, danke! Bin dann weg 👋",
            ),
            "none",
        ),
        # a calm cancellation closed normally, next to a bitter one
        (
            (
                "K: Dann kündige ich zum Quartalsende, ist nicht persönlich gemeint.",
                "A: Verstehe ich, die Kündigung ist vermerkt. Auf Wiederhören.",
                "K: Danke, auf Wiederhören.",
            ),
            "none",
        ),
        (
            (
                "A: Die Bearbeitungsgebühr bleibt leider bestehen.",
                "K: Das war's dann mit uns, ich kündige. Auf Wiederhören.",
            ),
            "customer",
        ),
        # announcing the end after a line check closes a broken line
        (
            (
                "K: Und die Zählernummer ist, Moment, die steht hier",
                "A: Hallo? Ich höre Sie nicht mehr.",
                "A: Ich lege jetzt auf, rufen Sie bitte einfach noch einmal an.",
            ),
            "dropped",
        ),
        # "Nein, danke." declines; said after the agent turned the customer down it is no thanks
        (
            (
                "A: Mehr kann ich Ihnen da leider nicht anbieten.",
                "K: Nein, danke. Ich lasse mir das schriftlich geben. Auf Wiederhören.",
            ),
            "customer",
        ),
    ],
)
def test_issue_13_call_endings_in_context(scorer, lines, expected):
    call = scorer.score(dialogue(*lines))
    assert call["hangup"]["outcome"] == expected, call["hangup"]["evidence"]


def test_issue_13_bitter_goodbye_names_its_rule_turn_and_words(scorer):
    call = scorer.score(
        dialogue(
            "A: Eine Erstattung ist bei diesem Tarif leider nicht vorgesehen.",
            "K: Danke für nichts. Auf Wiedersehen.",
        )
    )
    assert call["hangup"]["outcome"] == "customer", call["hangup"]["evidence"]
    hits = {(f["rule_id"], f["turn"], f["text"]) for f in call["findings"]}
    assert ("hangup.customer.breakoff.v3", 1, "Danke für nichts") in hits
    assert ("hangup.agent.refusal.v1", 0, "nicht vorgesehen") in hits


def test_issue_13_ending_file_as_a_process():
    import json

    from tests.cli import run_toneprobe

    # a real labelled ending (tune part): "na dann brauch ich sie ja nicht mehr schönen tag noch"
    result = run_toneprobe("score", "data/endings/tune/pa-004.json", "--format", "json", "--quiet")
    assert result.returncode == 0, result.stderr
    call = json.loads(result.stdout)["calls"][0]
    assert call["hangup"]["outcome"] == "customer", call["hangup"]["evidence"]
    assert call["hangup"]["turn"] == 2
    bye = [f for f in call["findings"] if f["rule_id"] == "hangup.customer_farewell.v1"]
    assert [(f["turn"], f["text"]) for f in bye] == [(2, "schönen tag noch")]


def test_hangup_one_model_finding_alone_does_not_make_a_turn_hostile() -> None:
    """A goodbye turn is hostile when its negative findings weigh 0.4 or more: a single model
    finding (0.3, e.g. "Ich drück Ihnen die Daumen" read as condescension) is a hint, a curt
    rule (0.4) or a model finding with another one is hostility."""
    from toneprobe.detectors.hangup import _hostile_turns
    from toneprobe.findings import Finding

    def neg(turn: int, rule: str, weight: float, role: str = "agent") -> Finding:
        return Finding(
            "respect",
            rule,
            turn,
            role,
            None,
            0,
            5,
            "Text.",
            "negative",
            "sarcasm",
            weight,
            weight,
            "",
        )

    findings = [
        neg(3, "respect.model.condescension_sarcasm.v1", 0.3),
        neg(5, "respect.curt.v1", 0.4),
        neg(7, "respect.model.condescension_sarcasm.v1", 0.3),
        neg(7, "respect.model.command.v1", 0.3),
        neg(8, "respect.insult.v2", 1.0, role="customer"),
    ]
    assert _hostile_turns(findings) == {5, 7}


# ---------- a last word cut in half (speech recognition, no punctuation) ----------

WORDS = Lexicon(FrozenVocab(["mieterverein", "koffer", "heizung", "brauche", "dann", "zum"]))


@pytest.mark.parametrize(
    ("text", "cut"),
    [
        ("dann geh ich zum mieterver", True),  # begins "mieterverein", is no word
        ("und wo ist jetzt mein koff", True),
        ("wegen der heizung die ich ja brau", True),
        ("dann geh ich zum mieterverein", False),  # the whole word
        ("so ein krawuzikapuzi", False),  # unknown, but begins no known word: a name, dialect
        ("Dann gehe ich zum Mieterver.", False),  # a full stop: the speaker ended there
    ],
)
def test_a_word_cut_in_half_is_read_with_the_lexicon(text, cut):
    assert is_cut_off(text, punctuated=False, lexicon=WORDS) is cut


def test_without_a_lexicon_a_long_cut_word_is_not_seen():
    assert not is_cut_off("dann geh ich zum mieterver", punctuated=False)


ASR_CALL = (
    "A: stadtwerke lindenau mein name ist arslan was kann ich für sie tun",
    "K: ja hallo meine heizung ist seit drei tagen kalt und keiner kommt",
    "A: das tut mir leid ich schau mal nach ja der techniker ist für freitag eingeplant",
)


def test_a_customer_cut_mid_word_at_the_end_is_a_dropped_line(scorer):
    call = scorer.score(
        dialogue(*ASR_CALL, "K: freitag erst und wenn dann keiner kommt geh ich zur verbraucherzen")
    )
    assert call["hangup"]["outcome"] == "dropped", call["hangup"]["evidence"]
    assert any("'verbraucherzen'" in why for why in call["hangup"]["evidence"])


def test_a_customer_who_ends_on_a_whole_word_is_not_cut_off(scorer):
    call = scorer.score(
        dialogue(
            *ASR_CALL, "K: freitag erst und wenn dann keiner kommt geh ich zur verbraucherzentrale"
        )
    )
    assert call["hangup"]["outcome"] != "dropped", call["hangup"]["evidence"]


def test_the_word_list_is_a_loaded_models_table_built_once_per_table():
    with_models = Scorer(model="fake", use_offense_model=False)
    assert with_models.state_model is not None  # loads the customer-state model and its table
    words = with_models.lexicon
    assert words is not None and words is with_models.lexicon and len(words) > 10_000
    assert "kundenservice" in words and words.continues("kundenserv")
    bare = Scorer(
        model="fake", use_offense_model=False, use_state_model=False, use_move_model=False
    )
    assert bare.lexicon is None  # no embedded model: the mid-word check is off
    call = bare.score(dialogue(*ASR_CALL, "K: dann geh ich zur verbraucherzen"))
    assert call["hangup"]["outcome"] != "dropped", call["hangup"]["evidence"]


def test_a_name_after_the_goodbye_is_no_word_cut_in_half(scorer):
    """ "servus resi": the customer's name follows the regional goodbye; the call ended well."""
    call = scorer.score(
        dialogue(
            *ASR_CALL,
            "K: mei dann bin i beruhigt dank dir schön servus",
            "A: servus resi",
        )
    )
    assert call["hangup"]["outcome"] == "none", call["hangup"]["evidence"]


def test_a_chat_signature_after_the_farewell_is_not_a_turn_cut_off(scorer):
    call = scorer.score(
        dialogue(
            "A: Hallo, hier ist der Kundenservice von Faltenwerk. Wie kann ich helfen?",
            "K: ich will eine jacke zurückschicken, bestellnummer 4471",
            "A: Danke, ich sehe die Bestellung. Die Jacke können Sie bis zum 30. zurückgeben.",
            "K: geht das auch in der filiale?",
            "A: Nein, Rücksendungen nehmen wir nur per Post an.",
            "K: ist das rücksendeetikett kostenlos?",
            "A: Ja, die Rücksendung ist kostenlos. Kann ich sonst noch helfen?",
            "K: nee passt, danke",
            "A: Sehr gern. Ich wünsche Ihnen einen schönen Tag! Ihr Faltenwerk-Kundenservice",
        )
    )
    assert call["hangup"]["outcome"] == "none", call["hangup"]["evidence"]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # a line check right after the upset customer's goodbye: the customer hung up
        (
            (
                "K: Schon wieder nichts? Wissen Sie was, vergesset Se's. Ich kauf das im Laden. Ade!",
                "A: Warten Sie, ich kann noch mit meiner Teamleitung ... Hallo? ... Okay, weg.",
            ),
            "customer",
        ),
        # the same call-out after a calm customer who was still talking: the line broke
        (
            (
                "K: Prima, dann schicken Sie mir die Bestätigung bitte an meine Adresse, das ist",
                "A: Frau Sattler? ... Hallo? ... Jetzt is die Verbindung weg. Ich ruf Sie zurück.",
            ),
            "dropped",
        ),
        # the customer calls into the line after the agent said goodbye on their complaint
        (
            (
                "K: Und die letzte Lieferung war auch kaputt, sieben Ordner eingerissen, und die Patronen",
                "A: Du, bei mir blinkt schon die nächste Leitung, schreib das ins Portal, ciao.",
                "K: Wie bitte? Hallo? Also das ist doch ... hallo?",
            ),
            "agent",
        ),
    ],
)
def test_a_line_check_after_a_goodbye_on_an_open_matter_names_who_left(scorer, lines, expected):
    call = scorer.score(
        dialogue(
            *OPEN,
            "K: Das ist jetzt das dritte Mal, dass die Lieferung nicht kommt, ich bin echt sauer!",
            "A: Das sehe ich, die Sendung hängt im Lager.",
            *lines,
        )
    )
    assert call["hangup"]["outcome"] == expected, call["hangup"]["evidence"]
    if expected != "dropped":
        assert any("said goodbye" in why for why in call["hangup"]["evidence"])


def test_closing_a_chat_after_two_messages_the_first_of_them_angry_is_a_hangup(scorer):
    """A chat customer sends several messages in a row: anger in the first one still counts
    when the agent closes the chat after the second."""
    call = scorer.score(
        dialogue(
            "A: Hallo, hier ist der Support von Bergwerk-Shop.",
            "K: Meine Erstattung fehlt seit sechs Wochen.",
            "A: Die Buchhaltung ist für Kunden nicht erreichbar.",
            "K: Das ist eine Unverschämtheit! Ich lasse die Zahlung zurückbuchen!",
            "K: Und schicken Sie mir bitte die Adresse der Geschäftsführung.",
            "A: Adresse steht im Impressum. Ich beende den Chat jetzt, alle Infos haben Sie.",
        )
    )
    assert call["hangup"]["outcome"] == "agent", call["hangup"]["evidence"]


@pytest.mark.parametrize(
    ("last_agent_turn", "disrespectful"),
    [
        # ending the call on a customer who keeps insulting: an agent hang-up, but a boundary
        (
            "A: Herr Kolbeck, ich beende das Gespräch jetzt. Die Reparatur bleibt für Donnerstag "
            "eingeplant, der Kollege ruft Sie heute noch an.",
            False,
        ),
        # near miss: the same ending in words that slight the customer is disrespect
        (
            "A: Wissen Sie was, mit Leuten wie Ihnen rede ich nicht. Ich beende das Gespräch jetzt.",
            True,
        ),
    ],
)
def test_hangup_findings_alone_do_not_make_a_call_disrespectful(last_agent_turn, disrespectful):
    """The hang-up detector says who ended the call; whether that was rude the agent's words
    decide (pipeline.HANGUP_DISRESPECT_WEIGHT)."""
    record = Scorer(model="fake", use_offense_model=False, use_move_model=False).score(
        dialogue(
            "A: Sanitätshaus Brehm, guten Tag, was kann ich für Sie tun?",
            "K: Mein Rollstuhl ist immer noch kaputt, Sie Stümper!",
            "A: Das tut mir leid, ich habe die Reparatur für Donnerstag eingetragen.",
            "K: Donnerstag? Ihr seid doch alle unfähig, ihr Idioten!",
            last_agent_turn,
        )
    )
    assert record["hangup"]["outcome"] == "agent"
    assert record["respect"]["disrespect"] is disrespectful


@pytest.mark.parametrize(
    ("customer_turn", "last_agent_turn", "boundary"),
    [
        # the customer insults the agent, the agent ends the call
        (
            "K: Donnerstag? Ihr seid doch alle unfähig, ihr Idioten!",
            "A: Ich beende jetzt das Gespräch.",
            True,
        ),
        # the agent ends it after warning about the insults
        (
            "K: Donnerstag? Das ist doch nicht Ihr Ernst!",
            "A: Das ist jetzt das zweite Mal, Herr Brehm. Ich beende das Gespräch, die "
            "Reparatur bleibt für Donnerstag eingetragen.",
            True,
        ),
        # a verdict on the agent in a full sentence, and a rough adjective asked of them
        (
            "K: Donnerstag? Sie sind doch eine unfähige Schreibtischtante, die keine Ahnung hat!",
            "A: Jetzt haben Sie mich beleidigt. Ich beende das Gespräch.",
            True,
        ),
        (
            "K: Donnerstag? Sind Sie eigentlich komplett verblödet da bei Ihnen?",
            "A: So führe ich das Gespräch nicht weiter. Ich beende das Gespräch jetzt.",
            True,
        ),
        # near miss: an angry customer who insults nobody; ending the call on them is a plain
        # agent hang-up
        (
            "K: Donnerstag? Das ist doch nicht Ihr Ernst! Ich bin doch kein Idiot!",
            "A: Ich beende jetzt das Gespräch.",
            False,
        ),
    ],
)
def test_an_agent_who_ends_the_call_on_insults_sets_a_boundary(
    customer_turn, last_agent_turn, boundary
):
    """The hang-up stays an agent hang-up, but the hang-up component does not hold it against
    the agent (weights.yaml: hangup.agent_boundary)."""
    record = Scorer(model="fake", use_offense_model=False, use_move_model=False).score(
        dialogue(
            "A: Sanitätshaus Brehm, guten Tag, was kann ich für Sie tun?",
            "K: Mein Rollstuhl ist immer noch kaputt, und keiner ruft zurück!",
            "A: Das tut mir leid, ich habe die Reparatur für Donnerstag eingetragen.",
            customer_turn,
            last_agent_turn,
        )
    )
    assert record["hangup"]["outcome"] == "agent"
    assert record["hangup"]["boundary"] is boundary
    assert (record["components"]["hangup"] is None) is boundary

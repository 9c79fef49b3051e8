"""Role inference from text cues, names, precedence, merging and bot handling."""

from __future__ import annotations

import pytest

from toneprobe.readers.base import RawCall, Segment
from toneprobe.roles import (
    cue_scores,
    ended_by_from,
    finalize,
    infer_roles,
    is_person_name,
    role_from_word,
    self_introduction,
)


@pytest.mark.parametrize(
    "text",
    [
        "Guten Tag, Stadtwerke Musterstadt, mein Name ist Jana Krüger. Was kann ich für Sie tun?",
        "Willkommen bei der Beispiel AG, wie kann ich Ihnen helfen?",
        "Nennen Sie mir bitte Ihre Kundennummer und Ihr Geburtsdatum zur Verifizierung.",
        "Gibt es sonst noch etwas, das ich für Sie tun kann? Vielen Dank für Ihren Anruf.",
        "Einen Moment, ich schaue kurz im System nach.",
    ],
)
def test_roles_agent_cues(text):
    agent, customer, fired = cue_scores([text])
    assert agent > customer
    assert fired


@pytest.mark.parametrize(
    "text",
    [
        "Ich habe ein Problem mit meiner Rechnung.",
        "Mein Internet funktioniert seit drei Tagen nicht.",
        "Ich möchte meinen Vertrag kündigen.",
        "Meine Kundennummer ist 4711.",
        "Das ist schon das dritte Mal, dass ich anrufe!",
        "Ich rufe an wegen der Abbuchung.",
    ],
)
def test_roles_customer_cues(text):
    agent, customer, _ = cue_scores([text])
    assert customer > agent


def test_roles_outbound_call_customer_speaks_first():
    roles, info = infer_roles(
        {
            "spk_0": ["Ja, hallo?", "Ach so. Mein Vertrag läuft doch noch."],
            "spk_1": [
                "Guten Tag, hier ist die Beispiel AG, Sie sprechen mit Tim Roth.",
                "Zur Sicherheit nennen Sie mir bitte Ihr Geburtsdatum.",
            ],
        }
    )
    assert roles == {"spk_0": "customer", "spk_1": "agent"}
    assert info["method"] == "text_cues"
    assert info["confidence"] >= 0.8


def test_roles_no_cues_falls_back_to_first_speaker_with_low_confidence():
    # ("Ja." alone as the call's first turn is a callee answering the phone: a cue)
    roles, info = infer_roles({"A": ["Na gut."], "B": ["Nein."]})
    assert roles == {"A": "agent", "B": "customer"}
    assert info["method"] == "first_speaker"
    assert info["confidence"] < 0.6


def test_roles_channel_prior_breaks_ties():
    roles, info = infer_roles({"ch_0": ["Na gut."], "ch_1": ["Nein."]}, {"ch_1": 1.0})
    assert roles["ch_1"] == "agent"
    assert info["method"] == "channel_prior"


@pytest.mark.parametrize(
    "texts,name",
    [
        (["Guten Tag, mein Name ist Jana Krüger, was kann ich tun?"], "Jana Krüger"),
        (["Stadtwerke Musterstadt, Sie sprechen mit Frau Krüger."], "Frau Krüger"),
        (["Beispiel AG, Tim Roth am Apparat."], "Tim Roth"),
        (["Elbtal Energie, Mehmet Aydin, guten Tag!"], "Mehmet Aydin"),
        (["rhenania versicherung sabine vogt guten tag"], "Sabine Vogt"),
        (["guten tag mein name ist mehmet aydin was kann ich für sie tun"], "Mehmet Aydin"),
    ],
)
def test_roles_agent_name_from_greeting(texts, name):
    assert self_introduction(texts, greeting=True) == name


@pytest.mark.parametrize(
    "texts",
    [
        ["Guten Tag, Kundenservice der Beispiel AG."],
        ["Hier ist Ihre Kundennummer."],
        ["Ja, hallo?"],
    ],
)
def test_roles_no_name_where_none_given(texts):
    assert not self_introduction(texts, greeting=True)


@pytest.mark.parametrize("label", ["Jana Krüger", "Herr Becker", "Dr. Anna Schmidt-Lau"])
def test_roles_person_names(label):
    assert is_person_name(label)


@pytest.mark.parametrize(
    "label", ["spk_0", "SPEAKER_01", "Speaker 1", "ch_1", "Agent", "Kunde", "4711"]
)
def test_roles_not_person_names(label):
    assert not is_person_name(label)


@pytest.mark.parametrize(
    "word,role",
    [
        ("Mitarbeiter:in", "agent"),
        ("Kundenberater*in", "agent"),
        ("HUMAN_AGENT", "agent"),
        ("END_USER", "customer"),
        ("Anrufer(in)", "customer"),
        ("AUTOMATED_AGENT", "bot"),
        ("IVR", "bot"),
    ],
)
def test_roles_role_words(word, role):
    assert role_from_word(word) == role


def test_roles_unknown_role_word():
    assert role_from_word("Hausmeister") is None


@pytest.mark.parametrize(
    "value,ended",
    [
        ("CUSTOMER_DISCONNECT", "customer"),
        ("AGENT_DISCONNECT", "agent"),
        ("TELECOM_PROBLEM", "dropped"),
        ("Kunde", "customer"),
        ("normal", "normal"),
        ("", None),
        ("irgendwas", None),
    ],
)
def test_roles_ended_by_mapping(value, ended):
    assert ended_by_from(value) == ended


def _call(*segs: Segment) -> RawCall:
    return RawCall(call_id="t", segments=list(segs))


def test_roles_merge_keeps_every_word_in_order_and_times():
    call = _call(
        Segment("Guten Tag,", "spk_0", start=0.0, end=1.0),
        Segment("was kann ich für Sie tun?", "spk_0", start=1.0, end=2.0),
        Segment("Meine Rechnung", "spk_1", start=2.5, end=3.0),
        Segment("ist falsch.", "spk_1", start=3.0, end=4.0),
    )
    transcript, _ = finalize(call)
    assert [t.text for t in transcript.turns] == [
        "Guten Tag, was kann ich für Sie tun?",
        "Meine Rechnung ist falsch.",
    ]
    assert [(t.start, t.end) for t in transcript.turns] == [(0.0, 2.0), (2.5, 4.0)]
    assert [t.index for t in transcript.turns] == [0, 1]


def test_roles_bot_segments_left_out_and_reported():
    call = _call(
        Segment("Für Rechnungen drücken Sie die Eins.", "ivr", role="bot", line=1),
        Segment("Guten Tag, Kundenservice.", "a", role="agent"),
        Segment("Hallo.", "c", role="customer"),
    )
    transcript, warnings = finalize(call)
    assert [t.role for t in transcript.turns] == ["agent", "customer"]
    assert any("bot/IVR" in w and "lines 1" in w for w in warnings)


def test_roles_explicit_beats_cues_and_override_beats_explicit():
    segs = [
        Segment("Meine Rechnung ist falsch.", "x", role="agent"),
        Segment("Wie kann ich helfen?", "y", role="customer"),
    ]
    transcript, _ = finalize(_call(*segs))
    assert [t.role for t in transcript.turns] == ["agent", "customer"]
    segs = [
        Segment("Meine Rechnung ist falsch.", "x", role="agent"),
        Segment("Wie kann ich helfen?", "y", role="customer"),
    ]
    transcript, _ = finalize(_call(*segs), agent_speaker="Y")
    assert [t.role for t in transcript.turns] == ["customer", "agent"]
    assert transcript.metadata["roles"] == {
        "method": "override",
        "confidence": 1.0,
        "agent_speaker": "y",
    }


def test_roles_channel_roles_beat_cues():
    call = _call(
        Segment("Wie kann ich helfen?", "ch_1"), Segment("Was kann ich für Sie tun?", "ch_2")
    )
    call.channel_roles = {"ch_1": "customer", "ch_2": "agent"}
    transcript, _ = finalize(call)
    assert [t.role for t in transcript.turns] == ["customer", "agent"]
    assert transcript.metadata["roles"]["method"] == "channel"


def test_roles_unknown_override_warns_and_infers():
    call = _call(
        Segment("Guten Tag, was kann ich für Sie tun?", "A"),
        Segment("Mein Router ist kaputt.", "B"),
    )
    transcript, warnings = finalize(call, agent_speaker="Zoe")
    assert transcript.turns[0].role == "agent"
    assert any("'Zoe' is not a speaker" in w for w in warnings)


def test_roles_agent_name_from_person_label_and_metadata():
    call = _call(
        Segment("Guten Tag, was kann ich für Sie tun?", "Lena Graf"), Segment("Hallo.", "Max Wolf")
    )
    transcript, _ = finalize(call)
    assert (transcript.agent, transcript.customer) == ("Lena Graf", "Max Wolf")
    call = _call(
        Segment("Guten Tag, mein Name ist Lena Graf.", "spk_0"), Segment("Hallo.", "spk_1")
    )
    call.agent = "lgraf"
    transcript, _ = finalize(call)
    assert transcript.agent == "lgraf"


@pytest.mark.parametrize(
    "text",
    [
        "Lange, guten Tag. Ich versuche seit einer Stunde, mein Abo zu verlängern.",
        "Können Sie das nicht einfach am Telefon verlängern?",
        "Die Versicherungsnummer habe ich gerade nicht hier.",
    ],
)
def test_roles_customer_sentences_do_not_fire_agent_cues(text):
    agent, _, fired = cue_scores([text])
    assert not agent, fired


@pytest.mark.parametrize(
    "text", ["Kontonummer oder IBAN.", "Name und Geburtsdatum.", "Ihre Kundennummer bitte?"]
)
def test_roles_terse_identifier_requests_are_agent_cues(text):
    agent, customer, _ = cue_scores([text])
    assert agent > customer


def test_roles_transfer_second_agent_recognised():
    roles, _ = infer_roles(
        {
            "spk_0": [
                "Guten Tag, Stadtwerke Musterstadt, was kann ich für Sie tun?",
                "Ich verbinde Sie.",
            ],
            "spk_1": ["Meine Rechnung ist falsch, das ist schon das dritte Mal."],
            "spk_2": [
                "Hier ist die Fachabteilung, Sie sprechen mit Ole Berg. Wie kann ich Ihnen helfen?"
            ],
        }
    )
    assert roles == {"spk_0": "agent", "spk_1": "customer", "spk_2": "agent"}


@pytest.mark.parametrize(
    "first,agent,name",
    [
        (
            "Fuchs, guten Tag. Ich habe eine Mahnung bekommen.",
            ["Das tut mir leid, Frau Fuchs."],
            "Frau Fuchs",
        ),
        ("hallo meier hier ich will kündigen", ["ihr kennzeichen bitte"], "Meier"),
        ("Ja, guten Tag, Schmitt hier.", ["Guten Abend, Herr Schmitt."], "Herr Schmitt"),
    ],
)
def test_roles_caller_surname(first, agent, name):
    from toneprobe.roles import caller_surname

    assert caller_surname(first, agent) == name


@pytest.mark.parametrize(
    "first",
    [
        "Ja, hallo?",
        "Guten Tag. Ich habe eine Frage.",
        "Hallo, hier ist alles kaputt.",
        "Hallo, Moment, ich muss kurz die Tür zumachen.",
        "Hallo, also, ich habe da ein Problem.",
        "Kowalczyk, ich rufe wegen der Rechnung an.",
    ],
)
def test_roles_no_caller_surname(first):
    from toneprobe.roles import caller_surname

    assert caller_surname(first, []) is None


@pytest.mark.parametrize(
    "first,name",
    [
        ("Ja, hallo, Wendt mein Name.", "Wendt"),
        ("ja becker hallo ich bin gestern", "Becker"),
        ("Hallo, Kowalczyk, ich habe eine Mahnung bekommen.", "Kowalczyk"),
        ("Lehmann-Brück, guten Tag. Mein Paket fehlt.", "Lehmann-Brück"),
        ("hallo ja özdemir hier ich wollte was fragen", "Özdemir"),
    ],
)
def test_roles_caller_surname_more_forms(first, name):
    from toneprobe.roles import caller_surname

    assert caller_surname(first, []) == name


# --- agent names from realistic German openings (issue 3) ------------------------------------


@pytest.mark.parametrize(
    "texts,name",
    [
        # surname only, after the company and/or department
        (["Wasserwerke Hollbach, Grimmelt, guten Tag."], "Grimmelt"),
        (["Krankenkasse Lindenau, Kettelhack."], "Kettelhack"),
        (["BKK Lindenau, Kettelhack, guten Tag."], "Kettelhack"),
        (["Möbelversand Kiepe, Kundenservice, Stöckel, was kann ich für Sie tun?"], "Stöckel"),
        (["Fernbus Reiseservice, Plötz, guten Morgen."], "Plötz"),
        (["Ja, hallo, Sparkasse Ammertal, Brinkmöller."], "Brinkmöller"),
        (["Guten Abend. Tierversicherung Hasloh, Wiechers. Wie kann ich helfen?"], "Wiechers"),
        (["Ostseestrom GmbH & Co. KG, Fennert, hallo."], "Fennert"),
        (["Bäckerbedarf Gruhl, Tessmer, guten Tag."], "Tessmer"),
        (["Stadtwerke Hollbach, Frau Grimmelt, guten Tag."], "Frau Grimmelt"),
        (["Guten Tag, Herr Ladewig? Hier ist die Sparkasse Ammertal, Brinkmöller."], "Brinkmöller"),
        # lower-case ASR: the name comes back capitalised
        (["wasserwerke hollbach kundenservice grimmelt guten tag"], "Grimmelt"),
        (["krankenkasse lindenau kettelhack hallo"], "Kettelhack"),
        (["möbelversand kiepe kundenservice stöckel am apparat"], "Stöckel"),
        (["fernbus reiseservice ute plötz schönen guten tag"], "Ute Plötz"),
        (["STADTWERKE HOLLBACH, GRIMMELT, GUTEN TAG"], "Grimmelt"),
        # first and last name
        (["Möbelversand Kiepe, Kundendialog, Nils Stöckel, guten Tag."], "Nils Stöckel"),
        (["Fernbus Reiseservice, Ute Plötz."], "Ute Plötz"),
        (["Ute Plötz, guten Tag!"], "Ute Plötz"),
        (["Hier ist Nils Stöckel vom Möbelversand Kiepe."], "Nils Stöckel"),
        (["Möbelversand Kiepe, hier ist Stöckel."], "Stöckel"),
        (
            [
                "Guten Tag, Frau Plötz hier vom Fernbus Reiseservice, spreche ich mit Herrn Kowalczyk?"
            ],
            "Frau Plötz",
        ),
        (["Brink Versand, Åberg, Durchwahl 312."], "Åberg"),
        (["mein name ist stöckel vom möbelversand kiepe"], "Stöckel"),
        # letters beyond ä, ö, ü
        (["Elbstrom Energie, Derya Avcı, guten Tag."], "Derya Avcı"),
        (["Sie sprechen mit Gülşen Doğan."], "Gülşen Doğan"),
        (["Nordlicht Mobil, Marta Łęcka am Apparat."], "Marta Łęcka"),
        (["Bergbahn Service, Inés Peñalver, hallo."], "Inés Peñalver"),
        (["Kaufhaus Brink, Søren Åberg, was kann ich für Sie tun?"], "Søren Åberg"),
        (["Mein Name ist Chloé Lefèvre-Dubois."], "Chloé Lefèvre-Dubois"),
        (["Fahrradversand Kiel, Rüştü Yağcı."], "Rüştü Yağcı"),
        (["Funknetz Süd, Ōtani, guten Tag."], "Ōtani"),
        (["Versicherungsbüro Haag, Siobhán O'Neill, guten Morgen."], "Siobhán O'Neill"),
        (["fernwärme hollbach emre çakır guten tag"], "Emre Çakır"),
        (["lindenhof emre çakır guten tag"], "Emre Çakır"),
        (["Lindenhof Emre Çakır, guten Tag."], "Emre Çakır"),
        # introduction phrases: the person, never the company
        (["Guten Morgen, Flinkfunk Mobil, am Telefon ist Henrike Baas."], "Henrike Baas"),
        (["Flinkfunk Mobil, hallo und guten Tag, ich bin Henrike Baas."], "Henrike Baas"),
        (["Herzlich willkommen, Sie sind verbunden mit Malte Ruhnke."], "Malte Ruhnke"),
        (["Hier ist die Servicehotline, Sie sprechen mit Frau Köksal."], "Frau Köksal"),
        (["mein name ist malte ruhnke was kann ich für sie tun"], "Malte Ruhnke"),
        (["Fernbus Reiseservice, es spricht Ute Plötz."], "Ute Plötz"),
        (["Grüß Gott, Sie sprechen mit Lorenz Eibl von der Alpenbahn."], "Lorenz Eibl"),
        (["Kaufhaus Brink, guten Tag, Teresa van der Linde am Telefon."], "Teresa van der Linde"),
    ],
)
def test_roles_agent_name_from_german_openings(texts, name):
    assert self_introduction(texts, greeting=True) == name


@pytest.mark.parametrize(
    "texts",
    [
        # the agent addresses the customer: that is not the agent's name
        ["Gerne, Frau Ladewig, das mache ich."],
        ["Danke, Herr Kowalczyk."],
        ["Das ist wirklich ärgerlich, Frau Ladewig, ich sehe sofort nach."],
        ["Guten Tag, Herr Kowalczyk."],
        ["Sparkasse Ammertal, guten Tag, Herr Kowalczyk."],
        ["Klar, Frau Ladewig, kein Problem."],
        ["Ihre Vertragsnummer, Herr Kowalczyk?"],
        ["Sparkasse Ammertal, Sie sprechen mit Herrn Kowalczyk?"],
        # company, department or greeting only
        ["Wasserwerke Hollbach, guten Tag."],
        ["Möbelversand Kiepe, Kundenservice, was kann ich für Sie tun?"],
        ["wasserwerke hollbach kundenservice guten tag"],
        ["Fernbus Reiseservice, hallo?"],
        ["Grimmelt, guten Tag."],  # a surname or a company: cannot tell, so no name
        ["Herzlich willkommen bei der Sparkasse Ammertal."],
        ["guten tag sie sprechen mit der hotline der sparkasse ammertal"],
        ["guten tag sie sprechen mit dem kundenservice"],
        ["Möbelversand Kiepe, guten Tag."],
        ["BKK Lindenau, guten Tag."],
        ["Lindenau, Kettelhack, Grimmelt und Stöckel sind heute nicht da."],  # no opening
        # ordinary sentences that start like an introduction
        ["Ich bin Rentner und zahle immer pünktlich."],
        ["Möbelversand Kiepe, was kann ich tun?", "Hier ist Feierabend, tut mir leid."],
        ["Hier ist das Problem, Herr Kowalczyk."],
        ["Sie sind mit Abstand die Erste heute."],
        ["Können Sie das am Telefon ändern?"],
    ],
)
def test_roles_no_agent_name_from_near_misses(texts):
    assert not self_introduction(texts, greeting=True)


def test_roles_agent_name_only_from_the_opening_turn():
    texts = ["Sparkasse Ammertal, was kann ich für Sie tun?", "Danke, Herr Kowalczyk."]
    assert not self_introduction(texts, greeting=True)
    # a bare "Hallo?" first: the second turn is the greeting
    texts = ["Hallo?", "Sparkasse Ammertal, Brinkmöller, guten Tag."]
    assert self_introduction(texts, greeting=True) == "Brinkmöller"


@pytest.mark.parametrize(
    "label",
    [
        "Derya Avcı",
        "Marta Łęcka",
        "Søren Åberg",
        "Gülşen Doğan",
        "ŞAHIN",
        "Siobhán O'Neill",
        "Jana K",
        "Jana K.",
        "Ute van der Linde",
    ],
)
def test_roles_person_names_beyond_umlauts(label):
    assert is_person_name(label)


@pytest.mark.parametrize("label", ["GmbH", "Sprecher 2", "kunde", "Kundenservice"])
def test_roles_not_person_names_more(label):
    assert not is_person_name(label)


@pytest.mark.parametrize(
    "agent_line,customer_line,agent",
    [
        ("Sparkasse Ammertal, Brinkmöller, guten Tag.", "Ladewig, hallo.", "Brinkmöller"),
        ("Derya Avcı (Agent): Elbstrom Energie, guten Tag.", "Kunde: Hallo.", "Derya Avcı"),
    ],
)
def test_roles_agent_name_in_finished_transcript(agent_line, customer_line, agent):
    if "(Agent)" in agent_line:
        label, text = agent_line.split(": ", 1)
        segs = [Segment(text, label.split(" (")[0], role="agent")]
    else:
        segs = [Segment(agent_line, "spk_0")]
    segs.append(Segment(customer_line.split(": ")[-1], "spk_1"))
    segs.append(Segment("Das tut mir leid, Frau Ladewig, ich sehe nach.", segs[0].speaker))
    transcript, _ = finalize(_call(*segs))
    assert transcript.agent == agent


@pytest.mark.parametrize(
    "texts,name",
    [
        (["Ja, guten Tag, hier ist Ladewig.", "Es geht um meine Rechnung."], "Ladewig"),
        (["Hallo, ich bin Greta Ladewig, ich rufe wegen der Rechnung an."], "Greta Ladewig"),
    ],
)
def test_roles_customer_self_introduction(texts, name):
    assert self_introduction(texts) == name


@pytest.mark.parametrize(
    "texts",
    [
        ["Guten Tag.", "Hier ist Ladewig, ich warte."],  # "hier ist X" alone only in the opening
        ["Ich bin Beamtin, das zählt doch."],
    ],
)
def test_roles_customer_no_self_introduction(texts):
    assert not self_introduction(texts)

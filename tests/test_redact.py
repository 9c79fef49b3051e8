"""Redaction of German personal data: each kind, its placeholder, and near-misses."""

from __future__ import annotations

import pytest

from toneprobe.model import Transcript, Turn
from toneprobe.redact import (
    KINDS,
    RedactOptions,
    iban_valid,
    luhn_valid,
    map_span,
    redact,
    redact_transcript,
    transcript_names,
)


@pytest.mark.parametrize(
    "text,secret,label",
    [
        ("Sie erreichen mich unter +49 171 1234567.", "+49 171 1234567", "[TELEFON]"),
        ("Meine Nummer ist 0049 30 12345678, tagsüber.", "0049 30 12345678", "[TELEFON]"),
        ("Rufen Sie mich bitte unter 0171 1234567 zurück.", "0171 1234567", "[TELEFON]"),
        ("Festnetz geht auch: 030-123456", "030-123456", "[TELEFON]"),
        ("Die Durchwahl ist (089) 432 187 65.", "(089) 432 187 65", "[TELEFON]"),
        ("Das Handy: 0151/98765432", "0151/98765432", "[TELEFON]"),
        (
            "meine nummer ist null eins sieben zwei drei vier fünf sechs sieben acht",
            "null eins sieben zwei drei vier fünf sechs sieben acht",
            "[TELEFON]",
        ),
        ("Schreiben Sie an anna.becker@example.de bitte.", "anna.becker@example.de", "[EMAIL]"),
        ("Die Adresse ist j.mueller-lang@firma-xy.com.", "j.mueller-lang@firma-xy.com", "[EMAIL]"),
        (
            "Die E-Mail ist ute.schroeder at mailbox punkt de.",
            "ute.schroeder at mailbox punkt de",
            "[EMAIL]",
        ),
        (
            "das ist anna punkt becker at web punkt de",
            "anna punkt becker at web punkt de",
            "[EMAIL]",
        ),
        (
            "Meine IBAN ist DE89 3704 0044 0532 0130 00, buchen Sie bitte davon ab.",
            "DE89 3704 0044 0532 0130 00",
            "[IBAN]",
        ),
        ("IBAN: DE89370400440532013000", "DE89370400440532013000", "[IBAN]"),
        # checksum wrong (a typo), shape right: still masked
        ("Meine? DE44 2003 0000 1234 5678 90.", "DE44 2003 0000 1234 5678 90", "[IBAN]"),
        (
            "Das österreichische Konto: AT61 1904 3002 3457 3201.",
            "AT61 1904 3002 3457 3201",
            "[IBAN]",
        ),
        (
            "Belastet wurde die Karte 4111 1111 1111 1111 gestern.",
            "4111 1111 1111 1111",
            "[KARTE]",
        ),
        ("Kreditkarte 5500-0000-0000-0004, gültig bis 12/27.", "5500-0000-0000-0004", "[KARTE]"),
        ("Meine Kundennummer ist 4711-0815.", "4711-0815", "[NUMMER]"),
        ("Kd.-Nr. 123456 steht auf dem Brief.", "123456", "[NUMMER]"),
        ("Die Vertragsnummer lautet VN-2023-44781.", "VN-2023-44781", "[NUMMER]"),
        ("Meine Vorgangsnummer, TK-58812, nennen Sie bitte.", "TK-58812", "[NUMMER]"),
        ("Bestellnummer: 55 12 398, bestellt am Montag.", "55 12 398", "[NUMMER]"),
        ("Die Zählernummer ähm 1 ESY 1234 5678 steht oben.", "1 ESY 1234 5678", "[NUMMER]"),
        (
            "Versicherungsnummer also drei vier sieben eins eins",
            "drei vier sieben eins eins",
            "[NUMMER]",
        ),  # fmt: skip
        ("Meine Auftragsnummer ist A-99812.", "A-99812", "[NUMMER]"),
        ("Ich wohne in der Hauptstraße 12a in Köln.", "Hauptstraße 12a in Köln", "[ADRESSE]"),
        ("Neue Adresse: Hafenstraße 31, Lübeck.", "Hafenstraße 31, Lübeck", "[ADRESSE]"),
        ("nur zwei straßen weiter in die lindenallee 14", "lindenallee 14", "[ADRESSE]"),
        (
            "Lieferung an Berliner Straße 5, 60311 Frankfurt am Main.",
            "Berliner Straße 5, 60311 Frankfurt am Main",
            "[ADRESSE]",
        ),  # fmt: skip
        (
            "Die neue Anschrift: Karl-Marx-Allee 90, 10243 Berlin",
            "Karl-Marx-Allee 90, 10243 Berlin",
            "[ADRESSE]",
        ),  # fmt: skip
        ("Wir sind umgezogen, Am Lindenweg 3.", "Am Lindenweg 3", "[ADRESSE]"),
        ("Ich bin am 12.03.1985 geboren.", "12.03.1985", "[GEBURTSDATUM]"),
        ("Geburtsdatum: 12. März 1985", "12. März 1985", "[GEBURTSDATUM]"),
        (
            "geboren am zwölften märz neunzehnhundertfünfundachtzig",
            "zwölften märz neunzehnhundertfünfundachtzig",
            "[GEBURTSDATUM]",
        ),  # fmt: skip
        ("Guten Tag Frau Becker, wie kann ich helfen?", "Becker", "[NAME]"),
        ("Danke, Herr Schulz-Meier. Auf Wiederhören.", "Schulz-Meier", "[NAME]"),
    ],
)
def test_redact_masks_each_kind(text: str, secret: str, label: str) -> None:
    out, spans = redact(text)
    assert label in out
    assert secret not in out
    assert any(s.text == secret and s.label == label for s in spans), spans


@pytest.mark.parametrize(
    "text",
    [
        "Das kostet 49,99 Euro im Monat.",
        "Der Techniker kommt morgen um 10:30.",
        "Seit 2024 bin ich Kunde bei Ihnen.",
        "Ich habe den Tarif M 200 gebucht.",
        "Die Rechnung vom 12.03.2024 ist falsch.",
        "Das sind 10000 Euro, das zahle ich nicht!",
        "Ich stehe auf Platz 1 der Warteschleife.",
        "Kundennummer habe ich gerade nicht zur Hand.",
        "Die Rechnungsnummer, die Sie meinen, steht oben rechts.",
        "Die Erstattung von 0,5 Prozent kam nie an.",
        "Ich warte seit 45 Minuten, 2 Stunden insgesamt.",
        "Die Karte 4111 1111 1111 1112 hat einen Zahlendreher.",
        "Zahlen Sie 1200 Euro bis zum 15.01.2025.",
        "Die Leitung hat 250 Mbit und ich bekomme 50.",
        "Ich weiß nicht, was ich noch tun soll.",
        "Frau Sie haben mich falsch verstanden.",
    ],
)
def test_redact_near_misses_stay_readable(text: str) -> None:
    out, spans = redact(text, names=["Anna Weiß"])
    assert out == text
    assert not spans


@pytest.mark.parametrize(
    "text,names,expected",
    [
        (
            "Hallo, hier ist Becker, Anna Becker.",
            ["Anna Becker"],
            "Hallo, hier ist [NAME], [NAME].",
        ),
        ("ja also anna becker hier", ["Anna Becker"], "ja also [NAME] hier"),
        ("Weiß ich nicht, Frau Weiß.", ["Frau Weiß"], "[NAME] ich nicht, Frau [NAME]."),
    ],
)
def test_redact_known_names(text: str, names: list[str], expected: str) -> None:
    assert redact(text, names=names)[0] == expected


def test_redact_street_then_polite_word_keeps_the_word() -> None:
    assert redact("Das ist die Hauptstraße 5, danke.")[0] == "Das ist die [ADRESSE], danke."
    assert redact("Hauptstraße 5, Danke!")[0] == "[ADRESSE], Danke!"


@pytest.mark.parametrize(
    "question,answer,expected",
    [
        ("Wie lautet Ihre Zählernummer?", "Da steht 1ELB 0073 5521.", "Da steht [NUMMER]."),
        ("Und die Kundennummer?", "0077 8812 30.", "[NUMMER]."),
        ("Die Vertragsnummer bitte.", "ähm vier sieben eins eins null acht", "ähm [NUMMER]"),
    ],
)
def test_redact_transcript_number_answering_a_question(
    question: str, answer: str, expected: str
) -> None:
    turns = (Turn(0, "agent", question), Turn(1, "customer", answer))
    red, _ = redact_transcript(Transcript("c", turns))
    assert red.turns[1].text == expected


def test_redact_bare_digits_without_question_stay() -> None:
    turns = (
        Turn(0, "agent", "Wie viele Geräte haben Sie?"),
        Turn(1, "customer", "Etwa 1200 Stück."),
    )
    red, _ = redact_transcript(Transcript("c", turns))
    assert red.turns[1].text == "Etwa 1200 Stück."


def test_redact_options_disable_a_kind() -> None:
    text = "Mail an anna@example.de oder 0171 1234567."
    out, _ = redact(text, options=RedactOptions(kinds=frozenset(KINDS) - {"phone"}))
    assert out == "Mail an [EMAIL] oder 0171 1234567."


def test_redact_options_reject_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown redaction kind"):
        RedactOptions(kinds=frozenset({"phone", "shoe_size"}))


@pytest.mark.parametrize(
    "number,valid", [("4111111111111111", True), ("4111111111111112", False), ("", False)]
)
def test_redact_luhn(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


@pytest.mark.parametrize(
    "iban,valid",
    [
        ("DE89 3704 0044 0532 0130 00", True),
        ("DE89 3704 0044 0532 0130 01", False),
        ("GB82 WEST 1234 5698 7654 32", True),
        ("DE89", False),
    ],
)
def test_redact_iban_checksum(iban: str, valid: bool) -> None:
    assert iban_valid(iban) is valid


@pytest.mark.parametrize(
    "text,finding,expected",
    [
        # a highlight after a masked phone number moves with the shorter text
        ("Unter 0171 1234567 bin ich erreichbar.", "erreichbar", "erreichbar"),
        # a highlight that covers the number covers the placeholder
        ("Meine Nummer ist 0171 1234567.", "Nummer ist 0171 1234567", "Nummer ist [TELEFON]"),
    ],
)
def test_redact_map_span(text: str, finding: str, expected: str) -> None:
    out, spans = redact(text)
    start = text.index(finding)
    s, e = map_span(spans, start, start + len(finding))
    assert out[s:e] == expected


def _call() -> Transcript:
    lines = [
        ("agent", "Guten Tag, Stadtwerke, mein Name ist Jana Krüger."),
        ("customer", "Mein Name ist Peter Lorenz, ich wohne Gartenweg 4."),
        ("agent", "Danke, Herr Lorenz. Ich sehe Ihren Vertrag."),
        ("customer", "Lorenz mit z, genau. Danke, Frau Krüger."),
    ]
    turns = tuple(Turn(i, r, t, speaker=None) for i, (r, t) in enumerate(lines))  # type: ignore[arg-type]
    return Transcript("c1", turns, agent="Jana Krüger", customer=None)


def test_redact_transcript_uses_customer_self_introduction() -> None:
    call = _call()
    assert "Peter Lorenz" in transcript_names(call)
    red, spans = redact_transcript(call)
    texts = [t.text for t in red.turns]
    assert texts[1] == "Mein Name ist [NAME], ich wohne [ADRESSE]."
    assert texts[2] == "Danke, Herr [NAME]. Ich sehe Ihren Vertrag."
    assert texts[3].startswith("[NAME] mit z")
    assert len(spans[1]) == 2


def test_redact_transcript_keeps_agent_name() -> None:
    red, _ = redact_transcript(_call())
    assert "Jana Krüger" in red.turns[0].text
    assert red.turns[3].text.endswith("Frau Krüger.")

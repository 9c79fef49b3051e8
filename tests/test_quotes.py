"""Quoted passages and reported speech (toneprobe.quotes): the words negative findings skip."""

from __future__ import annotations

import pytest

from toneprobe.matcher import sentence_bounds
from toneprobe.nlp import get_nlp
from toneprobe.quotes import mask, quoted_ranges, reported_ranges, shielded_ranges


def quoted(text: str) -> list[str]:
    return [text[a:b] for a, b in quoted_ranges(text)]


def reported(text: str) -> list[str]:
    doc = get_nlp()(text)
    return [text[a:b].strip() for a, b in reported_ranges(text, sentence_bounds(doc))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Herr Yıldız, 'Betrüger' muss ich mir nicht anhören.", ["'Betrüger'"]),
        ("Sie haben „Abzockerbude“ geschrieben, das nehme ich ernst.", ["„Abzockerbude“"]),
        ("Das Wort ‚Saftladen‘ fiel zweimal.", ["‚Saftladen‘"]),
        ("»Unfähig« trifft es nicht, Frau Brückner.", ["»Unfähig«"]),
        ("Sie nannten uns «Halsabschneider», ich verstehe den Ärger.", ["«Halsabschneider»"]),
        ('Der Tarif heißt "Sorglos Plus" und kostet neun Euro.', ['"Sorglos Plus"']),
        ("Sie sagten ’Witzfiguren‘ zu uns, bleiben wir bitte sachlich.", ["’Witzfiguren‘"]),
        ("Sie schrieben ‘Verbrecher’, das möchte ich so nicht stehen lassen.", ["‘Verbrecher’"]),
        # a mixed pair as an autocorrect leaves it
        ("Das Wort 'Nieten’ nehme ich nicht in den Mund.", ["'Nieten’"]),
        # an elided verb inside the quote does not close it early
        ("'Ich hab' die Nase voll', haben Sie gesagt.", ["'Ich hab' die Nase voll'"]),
        # two quotes in one turn
        ("'Lügner' und 'Gauner', das war zu viel.", ["'Lügner'", "'Gauner'"]),
    ],
)
def test_quotes_every_kind_of_quotation_mark(text: str, expected: list[str]) -> None:
    assert quoted(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Wie geht's Ihnen heute? Das hab' ich gleich erledigt.",
        "So'n Ärger aber auch, geht’s denn jetzt wieder?",
        "'s ist schon spät, ich schick' Ihnen die Mail morgen früh.",
        "Andreas' Vertrag und Max' Tarif laufen beide im Juni aus.",
        "Ich würd' sagen, wir probieren's noch einmal mit dem Router.",
        "Sie ist gestern rausgegangen, die Rechnung.",
    ],
)
def test_quotes_apostrophes_are_no_quotation_marks(text: str) -> None:
    assert quoted(text) == []


def test_quotes_elision_does_not_swallow_a_real_quote() -> None:
    text = "Wie geht's? 'Idioten' hab' ich nicht gern gehört."
    assert quoted(text) == ["'Idioten'"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sie haben gesagt, wir seien alle unfähig.", ["wir seien alle unfähig."]),
        ("Der Kunde meinte, das sei reine Abzocke.", ["das sei reine Abzocke."]),
        ("Ihr Mann schrieb uns: Das ist Betrug!", ["Das ist Betrug!"]),
        (
            "Sie sagen, das sei nicht mein Problem - doch, das ist es.",
            ["das sei nicht mein Problem"],
        ),
        (
            "Laut Ihnen ist das alles Schwachsinn, aber ich sehe das anders.",
            ["ist das alles Schwachsinn,"],
        ),
        (
            "Sie haben mich vorhin einen Versager genannt, das war nicht fair.",
            ["Sie haben mich vorhin einen Versager"],
        ),
    ],
)
def test_quotes_reported_speech_is_found(text: str, expected: list[str]) -> None:
    assert reported(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Ich habe Ihnen doch gesagt, Sie sind selbst schuld.",
        "Wie gesagt, das ist Ihr Problem.",
        "Ehrlich gesagt, das interessiert hier niemanden.",
        "Sagen Sie mal, lesen Sie Ihre Post nicht?",
        "Wie oft soll man Ihnen das noch sagen, die Frist ist um.",
        "Da fragt man sich, ob Sie überhaupt zugehört haben.",
        "Sie haben das so gesagt, also ist das Ihr Problem.",
        "Was der Monteur gesagt hat, kann ich nicht beurteilen, das ist Ihr Problem.",
        "Wie Sie meinen, dann sind Sie eben selbst schuld.",
    ],
)
def test_quotes_own_voice_is_not_reported_speech(text: str) -> None:
    assert reported(text) == []


def test_quotes_mask_keeps_offsets() -> None:
    text = "Frau Adler, 'Abzocke' lasse ich so nicht stehen."
    doc = get_nlp()(text)
    masked = mask(text, shielded_ranges(text, sentence_bounds(doc)))
    assert len(masked) == len(text)
    assert "Abzocke" not in masked
    assert masked.startswith("Frau Adler,") and masked.endswith("lasse ich so nicht stehen.")

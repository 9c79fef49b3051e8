"""Encodings: UTF-8 with/without BOM, UTF-16 with/without BOM, cp1252, CRLF, NBSP, binary."""

from __future__ import annotations

import codecs

import pytest

from toneprobe.errors import InputError
from toneprobe.readers import read_bytes
from toneprobe.textio import clean_text, decode_bytes

TEXT = "Agent: Grüß Gott, Schäfer & Söhne, was kann ich für Sie tun?\nKundin: Die Gebühr ist zu hoch, 12 €.\n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.encode("utf-16-le"),
        TEXT.encode("utf-16-be"),
        TEXT.encode("cp1252"),
        TEXT.replace("\n", "\r\n").encode("cp1252"),
        TEXT.replace("\n", "\r\n").encode("utf-8"),
    ],
    ids=[
        "utf8",
        "utf8-bom",
        "utf16le-bom",
        "utf16be-bom",
        "utf16le",
        "utf16be",
        "cp1252",
        "cp1252-crlf",
        "utf8-crlf",
    ],
)
def test_textio_encodings_keep_umlauts(data):
    assert decode_bytes(data, "x.txt") == TEXT
    call = read_bytes(data, "x.txt").transcripts[0]
    assert call.turns[0].text == "Grüß Gott, Schäfer & Söhne, was kann ich für Sie tun?"
    assert call.turns[1].text == "Die Gebühr ist zu hoch, 12 €."


def test_textio_nbsp_and_decomposed_umlauts_normalised():
    raw = "Kunde:\u00a0Mo\u0308chte ku\u0308ndigen.\u202f\n".encode()
    assert decode_bytes(raw) == "Kunde: Möchte kündigen. \n"


def test_textio_clean_text_collapses_whitespace():
    assert clean_text("  Guten\u00a0 Tag,\n\twie  geht's? ") == "Guten Tag, wie geht's?"


@pytest.mark.parametrize("data", [b"", b"   \n\r\n", codecs.BOM_UTF8])
def test_textio_empty_is_input_error(data):
    with pytest.raises(InputError) as err:
        decode_bytes(data, "leer.txt")
    assert "empty" in str(err.value)
    assert err.value.path == "leer.txt"


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40),
        b"PK\x03\x04\x14\x00\x00\x00" * 20,
    ],
)
def test_textio_binary_is_input_error(data):
    with pytest.raises(InputError) as err:
        decode_bytes(data, "bild.png")
    assert "binary" in str(err.value)


def test_textio_cp1252_not_mistaken_for_utf8():
    raw = "Kundin: Das ärgert mich, Frau Müller.\n".encode("cp1252")
    assert "ärgert" in decode_bytes(raw)
    assert "Müller" in decode_bytes(raw)


def test_textio_mixed_utf8_and_cp1252_lines():
    raw = "Agent: Grüß Gott.\n".encode() + "Kundin: Die Gebühr ärgert mich.\n".encode("cp1252")
    assert decode_bytes(raw) == "Agent: Grüß Gott.\nKundin: Die Gebühr ärgert mich.\n"

"""SRT reader: speaker prefixes printed only on change, names on their own line, dashes."""

from __future__ import annotations

import pytest

from toneprobe.errors import InputError
from toneprobe.readers import read_bytes

SRT = """1
00:00:01,200 --> 00:00:04,800
SPEAKER_00: Guten Tag, Kundenservice Beispiel AG, was kann ich für Sie tun?

2
00:00:05,100 --> 00:00:08,300
SPEAKER_01: Meine Rechnung ist diesen Monat viel zu hoch.

3
00:00:08,400 --> 00:00:10,000
Ich habe am Tarif nichts geändert.

00:00:10.500 --> 00:00:12.000
SPEAKER_00: Das prüfe ich gern.
"""


def test_srt_speaker_carried_forward_and_missing_number(read):
    result = read(SRT.replace("\n", "\r\n"), "c.srt")
    call = result.transcripts[0]
    assert result.format == "srt"
    assert [t.role for t in call.turns] == ["agent", "customer", "agent"]
    assert (
        call.turns[1].text
        == "Meine Rechnung ist diesen Monat viel zu hoch. Ich habe am Tarif nichts geändert."
    )
    assert call.turns[1].end == 10.0
    assert call.turns[2].start == 10.5
    assert any("without speaker" in w for w in result.warnings)


def test_srt_name_alone_on_first_line(read):
    data = (
        "1\n00:00:01,000 --> 00:00:02,000\nJana Krüger\nGuten Tag, was kann ich für Sie tun?\n\n"
        "2\n00:00:02,500 --> 00:00:04,000\nPaul Rieger\nMein Paket ist nicht angekommen.\n\n"
        "3\n00:00:04,500 --> 00:00:05,000\nJana Krüger\nDas schaue ich nach.\n\n"
        "4\n00:00:05,500 --> 00:00:06,000\nPaul Rieger\nDanke.\n"
    )
    call = read(data, "n.srt").transcripts[0]
    assert [t.speaker for t in call.turns] == [
        "Jana Krüger",
        "Paul Rieger",
        "Jana Krüger",
        "Paul Rieger",
    ]
    assert call.turns[0].role == "agent"


def test_srt_dialogue_dashes_with_labels_split(read):
    data = (
        "1\n00:00:01,000 --> 00:00:03,000\n- Agent: Ihr Geburtsdatum bitte?\n- Kunde: Der 3. Mai.\n"
    )
    call = read(data, "d.srt").transcripts[0]
    assert [(t.role, t.text) for t in call.turns] == [
        ("agent", "Ihr Geburtsdatum bitte?"),
        ("customer", "Der 3. Mai."),
    ]


def test_srt_malformed_timing_is_input_error():
    data = b"1\n00:00:01,000 --> 00:00:02,000\nAgent: Hallo.\n\n2\n00:00:xx,000 --> 00:00:03,000\nKunde: Hi.\n"
    with pytest.raises(InputError) as err:
        read_bytes(data, "bad.srt")
    assert err.value.path == "bad.srt"
    assert err.value.line == 6

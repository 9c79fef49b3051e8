"""Every fixture under tests/fixtures/formats/ reads with the right format, roles and words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toneprobe.readers import read_path, read_text

FIXTURES = Path(__file__).parent.parent / "fixtures" / "formats"

# file -> (format, roles of the turns, first words of each turn)
EXPECTED = {
    "plain.txt": ("text", ["agent", "customer", "agent"], ["Guten", "Meine", "Das"]),
    "teams.vtt": ("webvtt", ["agent", "customer", "agent"], ["Guten", "Hallo,", "Das"]),
    "zoom.vtt": (
        "webvtt",
        ["customer", "agent", "customer", "agent"],
        ["Hallo,", "Guten", "Uhrzeit:", "Einen"],
    ),
    "call.srt": ("srt", ["agent", "customer", "agent"], ["Guten", "Meine", "Das"]),
    "aws_speakers.json": ("aws-transcribe", ["agent", "customer"], ["Guten", "Meine"]),
    "contact_lens.json": ("contact-lens", ["agent", "customer", "agent"], ["Guten", "Ich", "Das"]),
    "whisperx.json": ("whisper", ["agent", "customer", "agent"], ["Guten", "Ich", "Okay,"]),
    "ccai.json": ("google-ccai", ["agent", "customer", "agent"], ["Guten", "Hallo,", "Das"]),
    "genesys.json": ("genesys", ["agent", "customer"], ["Guten", "Ich"]),
    "export.jsonl": ("table", ["agent", "customer"], ["Guten", "Mein"]),
    "toneprobe.json": ("toneprobe", ["agent", "customer", "customer"], ["Guten", "Meine", "Die"]),
}


def test_formats_fixtures_all_covered():
    on_disk = {p.name for p in FIXTURES.iterdir() if p.is_file()}
    assert set(EXPECTED) | {"excel_de.csv"} == on_disk


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_formats_fixture_roles_and_words(name):
    fmt, roles, firsts = EXPECTED[name]
    result = read_path(FIXTURES / name)
    assert result.format == fmt
    (call,) = result.transcripts
    assert [t.role for t in call.turns] == roles
    assert [t.text.split()[0] for t in call.turns] == firsts
    json.dumps(call.to_dict())  # serialisable as it is


def test_formats_excel_csv_cp1252_two_calls_sorted():
    result = read_path(FIXTURES / "excel_de.csv")
    assert result.format == "table"
    first, second = result.transcripts
    assert first.call_id == "C-0001"
    assert [t.start for t in first.turns] == [0.4, 3.9]
    assert first.turns[1].text == "Mein Paket ist nicht angekommen; die Sendungsnummer habe ich."
    assert first.agent == "jkrueger"
    assert second.turns[0].text == "Schönen guten Morgen, wie kann ich helfen?"
    assert [t.role for t in second.turns] == ["agent", "customer"]


@pytest.mark.parametrize("name", sorted(EXPECTED) + ["excel_de.csv"])
def test_formats_converted_json_reads_back_identically(name):
    for call in read_path(FIXTURES / name).transcripts:
        once = call.to_dict()
        again = read_text(json.dumps(once, ensure_ascii=False), "x.json").transcripts[0].to_dict()
        assert again == once

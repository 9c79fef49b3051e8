"""CSV/TSV/JSONL per-turn tables: aliases, delimiters, decimal commas, ms columns, many calls."""

from __future__ import annotations

import json

import pytest

from toneprobe.errors import InputError
from toneprobe.readers import read_bytes


def test_table_german_headers_semicolon_decimal_comma(read):
    data = (
        "Gesprächs-ID;Sprecher;Rolle;Beginn;Äußerung\n"
        "A1;Jana Krüger;Mitarbeiterin;0,5;Guten Tag, was kann ich für Sie tun?\n"
        "A1;Herr Becker;Kunde;3,25;Meine Rechnung ist falsch.\n"
    )
    call = read(data.encode("cp1252"), "t.csv").transcripts[0]
    assert call.call_id == "A1"
    assert [(t.role, t.speaker, t.start) for t in call.turns] == [
        ("agent", "Jana Krüger", 0.5),
        ("customer", "Herr Becker", 3.25),
    ]
    assert call.agent == "Jana Krüger"


@pytest.mark.parametrize("sep", [",", "\t", ";", "|"])
def test_table_delimiters_sniffed(read, sep):
    rows = [
        ["call_id", "speaker", "text"],
        ["c", "spk_0", "Guten Tag, Kundenservice, wie kann ich helfen?"],
        ["c", "spk_1", "Mein Paket ist nicht angekommen."],
    ]
    quote = (lambda c: f'"{c}"') if sep == "," else (lambda c: c)
    data = "\n".join(sep.join(quote(c) for c in row) for row in rows)
    call = read(data, "t.csv").transcripts[0]
    assert [t.role for t in call.turns] == ["agent", "customer"]
    assert call.turns[0].text == "Guten Tag, Kundenservice, wie kann ich helfen?"


def test_table_ms_columns_pca_names_and_sorting(read):
    data = (
        "ContactId,SegmentSpeaker,BeginOffsetMillis,EndOffsetMillis,DisplayText\n"
        "k2,Agent,500,2000,Hallo zusammen.\n"
        "k1,Caller,4000,5000,Mein Vertrag.\n"
        "k1,Agent,1000,3500,Guten Tag.\n"
    )
    result = read(data, "pca.csv")
    k2, k1 = result.transcripts
    assert k1.call_id == "k1"
    assert [(t.speaker, t.start, t.end) for t in k1.turns] == [
        ("Agent", 1.0, 3.5),
        ("Caller", 4.0, 5.0),
    ]
    assert [t.role for t in k1.turns] == ["agent", "customer"]
    assert k2.turns[0].text == "Hallo zusammen."


def test_table_jsonl_rows_split_by_call(read):
    rows = [
        {
            "conversation_id": "x",
            "participant_role": "HUMAN_AGENT",
            "utterance": "Guten Tag.",
            "start_ms": 0,
        },
        {"conversation_id": "y", "participant_role": "AGENT", "utterance": "Hallo.", "start_ms": 0},
        {
            "conversation_id": "x",
            "participant_role": "END_USER",
            "utterance": "Hallo!",
            "start_ms": 1500,
        },
    ]
    result = read("\n".join(json.dumps(r) for r in rows) + "\n", "rows.jsonl")
    assert [c.call_id for c in result.transcripts] == ["x", "y"]
    assert [(t.role, t.start) for t in result.transcripts[0].turns] == [
        ("agent", 0.0),
        ("customer", 1.5),
    ]


def test_table_json_list_of_rows(read):
    rows = [{"role": "Agent", "text": "Guten Tag."}, {"role": "Kundin", "text": "Hallo."}]
    result = read(json.dumps(rows), "rows.json")
    assert result.format == "table"
    assert [t.role for t in result.transcripts[0].turns] == ["agent", "customer"]


def test_table_dialogue_in_one_cell_parsed_as_text(read):
    data = 'call_id,transcript\nz9,"Agent: Guten Tag.\nKunde: Ich möchte kündigen."\n'
    call = read(data, "one.csv").transcripts[0]
    assert [(t.role, t.text) for t in call.turns] == [
        ("agent", "Guten Tag."),
        ("customer", "Ich möchte kündigen."),
    ]


def test_table_clock_times_and_excel_sep_line(read):
    data = "sep=;\nrole;time;text\nagent;00:00:01;Guten Tag.\ncustomer;00:01:05,5;Hallo.\n"
    call = read(data, "x.csv").transcripts[0]
    assert [t.start for t in call.turns] == [1.0, 65.5]


def test_table_unknown_role_names_line():
    data = b"call_id;role;text\nc;agent;Guten Tag.\nc;Hausmeister;Hallo.\n"
    with pytest.raises(InputError) as err:
        read_bytes(data, "r.csv")
    assert (err.value.path, err.value.line) == ("r.csv", 3)
    assert "unknown role 'Hausmeister'" in str(err.value)


def test_table_malformed_time_names_line():
    data = b"role,start,text\nagent,0.5,Guten Tag.\ncustomer,zwei,Hallo.\n"
    with pytest.raises(InputError) as err:
        read_bytes(data, "t.csv")
    assert err.value.line == 3
    assert "malformed start" in str(err.value)


def test_table_truncated_jsonl_names_line():
    data = b'{"role": "agent", "text": "Guten Tag."}\n{"role": "customer", "text": "Hal'
    with pytest.raises(InputError) as err:
        read_bytes(data, "t.jsonl")
    assert err.value.line == 2


def test_table_big_unitless_times_warned(read):
    data = "role,start,text\nagent,12000,Guten Tag.\ncustomer,15000,Hallo.\n"
    result = read(data, "ms.csv")
    assert any("milliseconds" in w for w in result.warnings)


def test_table_speaker_column_with_role_words(read):
    call = read(
        "Sprecher;Text\nKunde;Hallo, ich habe eine Frage.\nAgent;Gern.\n", "s.csv"
    ).transcripts[0]
    assert [t.role for t in call.turns] == ["customer", "agent"]
    assert call.metadata["roles"]["method"] == "explicit"

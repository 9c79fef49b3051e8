"""toneprobe's own JSON: object, list, JSON lines; strict validation with clear errors."""

from __future__ import annotations

import json

import pytest

from toneprobe.errors import InputError
from toneprobe.readers import read_bytes

CALL = {
    "call_id": "0042",
    "agent": "Jana Krüger",
    "customer": "Herr Becker",
    "ended_by": "normal",
    "turns": [
        {
            "role": "agent",
            "speaker": "Jana Krüger",
            "text": "Guten Tag, was kann ich für Sie tun?",
            "start": 0.0,
            "end": 3.1,
        },
        {"role": "customer", "text": "Ich möchte kündigen."},
        {"role": "customer", "text": "Sofort."},
    ],
    "metadata": {"queue": "Kündigung"},
}


def test_toneprobe_json_round_trip_exact(read):
    call = read(json.dumps(CALL), "x.json").transcripts[0]
    assert call.to_dict() == CALL  # consecutive customer turns stay separate, nothing added


def test_toneprobe_json_call_id_defaults_to_stem(read):
    doc = {"turns": [{"role": "agent", "text": "Hallo."}]}
    assert read(json.dumps(doc), "calls/0815.json").transcripts[0].call_id == "0815"


def test_toneprobe_json_list_and_jsonl(read):
    other = dict(CALL, call_id="0043")
    assert [c.call_id for c in read(json.dumps([CALL, other]), "l.json").transcripts] == [
        "0042",
        "0043",
    ]
    jsonl = json.dumps(CALL) + "\n" + json.dumps(other) + "\n"
    result = read(jsonl, "l.jsonl")
    assert result.format == "toneprobe"
    assert [c.call_id for c in result.transcripts] == ["0042", "0043"]


@pytest.mark.parametrize(
    "doc,message",
    [
        ({"turns": []}, "no recognisable turns"),
        ({"turns": "Hallo"}, "'turns' must be a list"),
        ({"turns": [{"role": "chef", "text": "Hallo"}]}, "unknown role 'chef'"),
        ({"turns": [{"role": "agent"}]}, "'text' must be a string"),
        ({"turns": [{"role": "agent", "text": "x", "start": "gestern"}]}, "malformed"),
        (
            {"turns": [{"role": "agent", "text": "x"}], "ended_by": "aufgelegt"},
            "'ended_by' must be one of",
        ),
    ],
)
def test_toneprobe_json_wrong_shape_is_input_error(doc, message):
    with pytest.raises(InputError) as err:
        read_bytes(json.dumps(doc).encode(), "bad.json")
    assert message in str(err.value)
    assert err.value.path == "bad.json"


@pytest.mark.parametrize(
    "data,line",
    [(b'{"call_id": "1",\n "turns": [{"role": "agent",\n "text": "Hal', 3), (b'{"turns": [}\n', 1)],
)
def test_toneprobe_json_truncated_names_line(data, line):
    with pytest.raises(InputError) as err:
        read_bytes(data, "cut.json")
    assert err.value.line == line
    assert "JSON" in str(err.value)


@pytest.mark.parametrize("doc", [{"foo": 1}, [1, 2, 3], {"results": "x"}, "nur ein Text"])
def test_toneprobe_json_unknown_shape_is_input_error(doc):
    with pytest.raises(InputError):
        read_bytes(json.dumps(doc).encode(), "shape.json")


def test_toneprobe_json_empty_turn_reported(read):
    doc = {"turns": [{"role": "agent", "text": "Hallo."}, {"role": "customer", "text": "  "}]}
    result = read(json.dumps(doc), "e.json")
    assert len(result.transcripts[0].turns) == 1
    assert any("without text" in w for w in result.warnings)


def test_toneprobe_json_agent_speaker_override(read):
    doc = {
        "turns": [
            {"role": "agent", "speaker": "A", "text": "Hallo."},
            {"role": "customer", "speaker": "B", "text": "Hi."},
        ]
    }
    call = read(json.dumps(doc), "o.json", agent_speaker="b").transcripts[0]
    assert [t.role for t in call.turns] == ["customer", "agent"]
    assert call.metadata["roles"]["method"] == "override"

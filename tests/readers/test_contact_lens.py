"""Contact Lens and Transcribe Call Analytics: roles via Participants or per turn, ms offsets."""

from __future__ import annotations

import json

import pytest

from toneprobe.errors import InputError
from toneprobe.readers import read_bytes


def _turn(pid, text, begin, end, **extra):
    return {
        "ParticipantId": pid,
        "Content": text,
        "BeginOffsetMillis": begin,
        "EndOffsetMillis": end,
        **extra,
    }


def test_contact_lens_roles_resolved_through_participants(read):
    doc = {
        "Participants": [
            {"ParticipantId": "p-2", "ParticipantRole": "CUSTOMER"},
            {"ParticipantId": "p-1", "ParticipantRole": "AGENT"},
        ],
        "Transcript": [
            _turn("p-2", "Hallo?", 0, 900),
            _turn("p-1", "Guten Tag, hier ist der Kundenservice.", 1000, 2500),
            _turn("p-1", "Was kann ich tun?", 2600, 3000),
        ],
        "DisconnectReason": "CUSTOMER_DISCONNECT",
    }
    call = read(json.dumps(doc), "cl.json").transcripts[0]
    assert [t.role for t in call.turns] == ["customer", "agent"]
    assert call.turns[1].text == "Guten Tag, hier ist der Kundenservice. Was kann ich tun?"
    assert (call.turns[1].start, call.turns[1].end) == (1.0, 3.0)
    assert call.ended_by == "customer"
    assert call.metadata["roles"]["method"] == "explicit"


def test_contact_lens_tca_shape_role_per_turn(read):
    doc = {
        "JobName": "tca-1",
        "ChannelDefinitions": [{"ChannelId": 0, "ParticipantRole": "AGENT"}],
        "Transcript": [
            {
                "ParticipantRole": "AGENT",
                "Content": "Guten Tag.",
                "BeginOffsetMillis": 10,
                "EndOffsetMillis": 900,
                "LoudnessScores": [70.1],
                "Sentiment": "NEUTRAL",
            },
            {
                "ParticipantRole": "CUSTOMER",
                "Content": "Ich habe eine Frage.",
                "BeginOffsetMillis": 1000,
                "EndOffsetMillis": 2000,
            },
        ],
    }
    call = read(json.dumps(doc), "tca.json").transcripts[0]
    assert [(t.role, t.text) for t in call.turns] == [
        ("agent", "Guten Tag."),
        ("customer", "Ich habe eine Frage."),
    ]
    assert call.ended_by is None


def test_contact_lens_realtime_segments_and_system_left_out(read):
    doc = {
        "Segments": [
            {
                "Transcript": {
                    "ParticipantId": "s",
                    "ParticipantRole": "SYSTEM",
                    "Content": "Bitte warten.",
                    "BeginOffsetMillis": 0,
                    "EndOffsetMillis": 500,
                }
            },
            {"Categories": {"MatchedCategories": []}},
            {
                "Transcript": {
                    "ParticipantId": "a",
                    "ParticipantRole": "AGENT",
                    "Content": "Hallo, Kundenservice.",
                    "BeginOffsetMillis": 600,
                    "EndOffsetMillis": 1500,
                }
            },
            {
                "Transcript": {
                    "ParticipantId": "c",
                    "ParticipantRole": "CUSTOMER",
                    "Content": "Mein Vertrag.",
                    "BeginOffsetMillis": 1600,
                    "EndOffsetMillis": 2500,
                }
            },
        ]
    }
    result = read(json.dumps(doc), "rt.json")
    call = result.transcripts[0]
    assert [t.role for t in call.turns] == ["agent", "customer"]
    assert any("bot/IVR" in w and "Bitte warten" in w for w in result.warnings)


def test_contact_lens_swapped_roles_warned(read):
    doc = {
        "Participants": [
            {"ParticipantId": "A", "ParticipantRole": "AGENT"},
            {"ParticipantId": "C", "ParticipantRole": "CUSTOMER"},
        ],
        "Transcript": [
            _turn(
                "C",
                "Guten Tag, Stadtwerke Musterstadt, was kann ich für Sie tun? Ihre Kundennummer bitte.",
                0,
                1,
            ),
            _turn(
                "A",
                "Meine Rechnung ist falsch, ich habe ein Problem. Das ist schon das dritte Mal!",
                2,
                3,
            ),
        ],
    }
    result = read(json.dumps(doc), "sw.json")
    assert result.transcripts[0].turns[0].role == "customer"  # source roles are kept ...
    assert any("swapped" in w for w in result.warnings)  # ... but the contradiction is reported


def test_contact_lens_unknown_role_is_input_error():
    doc = {
        "Transcript": [{"ParticipantRole": "MANAGER_X", "Content": "Hallo", "BeginOffsetMillis": 0}]
    }
    with pytest.raises(InputError) as err:
        read_bytes(json.dumps(doc).encode(), "u.json")
    assert "unknown ParticipantRole 'MANAGER_X'" in str(err.value)


def test_contact_lens_chat_absolute_times(read):
    doc = {
        "Channel": "CHAT",
        "Participants": [
            {"ParticipantId": "u1", "ParticipantRole": "AGENT"},
            {"ParticipantId": "u2", "ParticipantRole": "CUSTOMER"},
        ],
        "Transcript": [
            {
                "ParticipantId": "u2",
                "Content": "Hallo, mein Paket fehlt.",
                "AbsoluteTime": "2024-06-03T10:00:00.000Z",
            },
            {
                "ParticipantId": "u1",
                "Content": "Das prüfe ich.",
                "AbsoluteTime": "2024-06-03T10:00:12.500Z",
            },
        ],
    }
    call = read(json.dumps(doc), "chat.json").transcripts[0]
    assert [(t.role, t.start) for t in call.turns] == [("customer", 0.0), ("agent", 12.5)]

"""Genesys Cloud transcript JSON: epoch ms, internal/external, IVR phrases, decoratedText."""

from __future__ import annotations

import json

import pytest

from toneprobe.errors import InputError
from toneprobe.readers import read_bytes

GENESYS = {
    "conversationId": "c-1",
    "conversationStartTime": 1_717_400_000_000,
    "participants": [
        {
            "participantPurpose": "ivr",
            "startTimeMs": 1_717_400_000_000,
            "endTimeMs": 1_717_400_002_000,
        },
        {
            "participantPurpose": "agent",
            "startTimeMs": 1_717_400_002_500,
            "endTimeMs": 1_717_400_090_000,
            "disconnectType": "peer",
        },
        {
            "participantPurpose": "customer",
            "startTimeMs": 1_717_400_000_000,
            "endTimeMs": 1_717_400_090_000,
        },
    ],
    "transcripts": [
        {
            "phrases": [
                {
                    "text": "ich habe eine frage",
                    "participantPurpose": "external",
                    "startTimeMs": 1_717_400_006_000,
                    "duration": {"milliseconds": 1500},
                }
            ]
        },
        {
            "phrases": [
                {
                    "text": "für deutsch drücken sie die eins",
                    "participantPurpose": "internal",
                    "startTimeMs": 1_717_400_000_500,
                    "duration": {"milliseconds": 1000},
                },
                {
                    "text": "guten tag hier ist jana krüger",
                    "decoratedText": "Guten Tag, hier ist Jana Krüger.",
                    "participantPurpose": "internal",
                    "startTimeMs": 1_717_400_003_000,
                    "duration": {"milliseconds": 2000},
                },
            ]
        },
    ],
}


def test_genesys_epoch_offsets_ivr_and_decorated_text(read):
    result = read(json.dumps(GENESYS), "gen.json")
    call = result.transcripts[0]
    assert [(t.role, t.text, t.start, t.end) for t in call.turns] == [
        ("agent", "Guten Tag, hier ist Jana Krüger.", 3.0, 5.0),
        ("customer", "ich habe eine frage", 6.0, 7.5),
    ]
    assert call.agent == "Jana Krüger"
    assert call.ended_by == "customer"  # the agent's side saw the peer hang up
    assert any("für deutsch" in w for w in result.warnings)


def test_genesys_unknown_purpose_is_input_error():
    doc = json.loads(json.dumps(GENESYS))
    doc["transcripts"][0]["phrases"][0]["participantPurpose"] = "alien"
    with pytest.raises(InputError) as err:
        read_bytes(json.dumps(doc).encode(), "g.json")
    assert "participantPurpose" in str(err.value)


def test_genesys_named_purposes_accepted(read):
    doc = json.loads(json.dumps(GENESYS))
    doc["participants"] = []
    doc["transcripts"][0]["phrases"][0]["participantPurpose"] = "customer"
    doc["transcripts"][1]["phrases"][1]["participantPurpose"] = "agent"
    doc["transcripts"][1]["phrases"][0]["participantPurpose"] = "ivr"
    call = read(json.dumps(doc), "g.json").transcripts[0]
    assert [t.role for t in call.turns] == ["agent", "customer"]

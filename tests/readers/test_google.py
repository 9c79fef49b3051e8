"""Google CCAI Insights entries, exported transcriptSegments and Speech-to-Text results."""

from __future__ import annotations

import json

import pytest

from toneprobe.errors import InputError
from toneprobe.readers import read_bytes


def test_google_entries_roles_bot_and_relative_times(read):
    doc = {
        "entries": [
            {
                "start_timestamp_usec": 1_717_400_000_000_000,
                "text": "Willkommen, bitte wählen Sie.",
                "role": "AUTOMATED_AGENT",
                "user_id": 9,
            },
            {
                "start_timestamp_usec": 1_717_400_003_000_000,
                "text": "Guten Tag, Kundenservice.",
                "role": "HUMAN_AGENT",
                "user_id": 1,
            },
            {
                "start_timestamp_usec": 1_717_400_005_500_000,
                "text": "Meine Rechnung ist zu hoch.",
                "role": "END_USER",
                "user_id": 2,
            },
        ]
    }
    result = read(json.dumps(doc), "g.json")
    call = result.transcripts[0]
    assert [(t.role, t.start, t.end) for t in call.turns] == [
        ("agent", 3.0, 5.5),
        ("customer", 5.5, None),
    ]
    assert any("bot/IVR" in w for w in result.warnings)


def test_google_exported_transcript_segments_with_agent_channel(read):
    doc = {
        "name": "projects/p/locations/l/conversations/abc123",
        "callMetadata": {"agentChannel": 2, "customerChannel": 1},
        "transcript": {
            "transcriptSegments": [
                {
                    "text": "Hallo?",
                    "channelTag": 1,
                    "words": [{"word": "Hallo?", "startOffset": "0.500s", "endOffset": "0.900s"}],
                },
                {
                    "text": "Guten Tag, hier ist die Beispiel AG.",
                    "channelTag": 2,
                    "words": [
                        {"word": "Guten", "startOffset": "1.100s", "endOffset": "1.300s"},
                        {"word": "AG.", "startOffset": "2.000s", "endOffset": "2.400s"},
                    ],
                },
            ]
        },
    }
    call = read(json.dumps(doc), "exp.json").transcripts[0]
    assert [(t.role, t.start, t.end) for t in call.turns] == [
        ("customer", 0.5, 0.9),
        ("agent", 1.1, 2.4),
    ]
    assert call.metadata["roles"]["method"] == "channel"
    assert call.metadata["source_call_id"] == "abc123"


def test_google_stt_uses_last_result_words_with_speaker_tags(read):
    doc = {
        "results": [
            {"alternatives": [{"transcript": "guten tag was kann ich für sie tun meine rechnung"}]},
            {
                "alternatives": [
                    {
                        "transcript": "",
                        "words": [
                            {
                                "word": "guten",
                                "startTime": "0.400s",
                                "endTime": "0.800s",
                                "speakerTag": 1,
                            },
                            {
                                "word": "tag",
                                "startTime": "0.800s",
                                "endTime": "1.100s",
                                "speakerTag": 1,
                            },
                            {
                                "word": "was",
                                "startTime": "1.100s",
                                "endTime": "1.200s",
                                "speakerTag": 1,
                            },
                            {
                                "word": "kann",
                                "startTime": "1.200s",
                                "endTime": "1.300s",
                                "speakerTag": 1,
                            },
                            {
                                "word": "ich",
                                "startTime": "1.300s",
                                "endTime": "1.400s",
                                "speakerTag": 1,
                            },
                            {
                                "word": "für",
                                "startTime": "1.400s",
                                "endTime": "1.500s",
                                "speakerTag": 1,
                            },
                            {
                                "word": "sie",
                                "startTime": "1.500s",
                                "endTime": "1.600s",
                                "speakerTag": 1,
                            },
                            {
                                "word": "tun",
                                "startTime": "1.600s",
                                "endTime": "1.700s",
                                "speakerTag": 1,
                            },
                            {
                                "word": "meine",
                                "startTime": "2.000s",
                                "endTime": "2.300s",
                                "speakerTag": 2,
                            },
                            {
                                "word": "rechnung",
                                "startTime": "2.300s",
                                "endTime": "2.900s",
                                "speakerTag": 2,
                            },
                        ],
                    }
                ]
            },
        ]
    }
    call = read(json.dumps(doc), "stt.json").transcripts[0]
    assert [(t.role, t.text) for t in call.turns] == [
        ("agent", "guten tag was kann ich für sie tun"),
        ("customer", "meine rechnung"),
    ]


def test_google_unknown_role_is_input_error():
    doc = {"entries": [{"text": "Hallo", "role": "PRAKTIKANT", "start_timestamp_usec": 1}]}
    with pytest.raises(InputError) as err:
        read_bytes(json.dumps(doc).encode(), "r.json")
    assert "unknown role 'PRAKTIKANT'" in str(err.value)

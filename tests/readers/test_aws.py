"""AWS Transcribe: audio_segments, items with speaker or channel labels, punctuation glue."""

from __future__ import annotations

import json

import pytest

from toneprobe.errors import InputError
from toneprobe.readers import read_bytes


def _item(i, word, start=None, end=None, **labels):
    if start is None:
        return {
            "id": i,
            "type": "punctuation",
            "alternatives": [{"confidence": "0.0", "content": word}],
        }
    return {
        "id": i,
        "type": "pronunciation",
        "start_time": f"{start:.2f}",
        "end_time": f"{end:.2f}",
        "alternatives": [{"confidence": "0.9", "content": word}],
        **labels,
    }


def _doc(results):
    return json.dumps({"jobName": "job-7", "status": "COMPLETED", "results": results}).encode()


def test_aws_audio_segments_preferred(read):
    results = {
        "transcripts": [{"transcript": "egal"}],
        "items": [_item(0, "falsch", 0.1, 0.2, speaker_label="spk_9")],
        "audio_segments": [
            {
                "id": 0,
                "transcript": "Guten Tag, wie kann ich Ihnen helfen?",
                "start_time": "0.40",
                "end_time": "2.10",
                "speaker_label": "spk_0",
                "items": [],
            },
            {
                "id": 1,
                "transcript": "Mein Internet geht seit Tagen nicht.",
                "start_time": "2.50",
                "end_time": "4.00",
                "speaker_label": "spk_1",
                "items": [],
            },
        ],
    }
    call = read(_doc(results), "aws.json").transcripts[0]
    assert [t.text for t in call.turns] == [
        "Guten Tag, wie kann ich Ihnen helfen?",
        "Mein Internet geht seit Tagen nicht.",
    ]
    assert [t.role for t in call.turns] == ["agent", "customer"]
    assert call.call_id == "aws"
    assert call.metadata["source_call_id"] == "job-7"


def test_aws_channel_items_merged_sorted_with_punctuation(read):
    ch0 = [
        _item(0, "Meine", 1.0, 1.2),
        _item(1, "Rechnung", 1.2, 1.6),
        _item(2, "stimmt", 1.6, 1.9),
        _item(3, "nicht", 1.9, 2.2),
        _item(4, "!"),
    ]
    ch1 = [
        _item(0, "Guten", 0.1, 0.3),
        _item(1, "Tag", 0.3, 0.5),
        _item(2, "."),
        _item(3, "Ihre", 2.5, 2.7),
        _item(4, "Kundennummer", 2.7, 3.2),
        _item(5, "bitte", 3.2, 3.4),
        _item(6, "?"),
    ]
    results = {
        "transcripts": [{"transcript": "x"}],
        "items": [],
        "channel_labels": {
            "number_of_channels": 2,
            "channels": [
                {"channel_label": "ch_0", "items": ch0},
                {"channel_label": "ch_1", "items": ch1},
            ],
        },
    }
    call = read(_doc(results), "ch.json").transcripts[0]
    assert [(t.speaker, t.role, t.text) for t in call.turns] == [
        ("ch_1", "agent", "Guten Tag."),
        ("ch_0", "customer", "Meine Rechnung stimmt nicht!"),
        ("ch_1", "agent", "Ihre Kundennummer bitte?"),
    ]
    assert call.turns[1].start == 1.0


def test_aws_items_speaker_from_speaker_label_segments(read):
    items = [
        _item(0, "Hallo", 0.0, 0.4),
        _item(1, ","),
        _item(2, "Kundenservice", 0.4, 1.0),
        _item(3, "Ich", 1.5, 1.7),
        _item(4, "möchte", 1.7, 2.0),
        _item(5, "kündigen", 2.0, 2.5),
    ]
    results = {
        "transcripts": [{"transcript": "x"}],
        "items": items,
        "speaker_labels": {
            "speakers": 2,
            "segments": [
                {"speaker_label": "spk_0", "start_time": "0.0", "end_time": "1.0"},
                {"speaker_label": "spk_1", "start_time": "1.5", "end_time": "2.5"},
            ],
        },
    }
    call = read(_doc(results), "old.json").transcripts[0]
    assert [t.text for t in call.turns] == ["Hallo, Kundenservice", "Ich möchte kündigen"]


def test_aws_without_speakers_reads_one_speaker(read):
    items = [_item(0, "Guten", 0.0, 0.4), _item(1, "Tag", 0.4, 0.6), _item(2, ".")]
    call = read(
        _doc({"transcripts": [{"transcript": "x"}], "items": items}), "mono.json"
    ).transcripts[0]
    assert call.turns[0].text == "Guten Tag."


def test_aws_no_words_is_input_error():
    with pytest.raises(InputError) as err:
        read_bytes(_doc({"transcripts": [], "items": []}), "e.json")
    assert "no recognisable turns" in str(err.value)


def test_aws_items_of_unknown_type_skipped(read):
    items = [_item(0, "Hallo", 0.0, 0.1), {"type": "x"}, "kein Objekt"]
    call = read(_doc({"transcripts": [], "items": items}), "e.json").transcripts[0]
    assert call.turns[0].text == "Hallo"


def test_aws_malformed_time_is_input_error():
    items = [
        {
            "type": "pronunciation",
            "start_time": "abc",
            "end_time": "1.0",
            "alternatives": [{"content": "Hallo"}],
        }
    ]
    with pytest.raises(InputError) as err:
        read_bytes(_doc({"transcripts": [], "items": items}), "t.json")
    assert "malformed start_time" in str(err.value)

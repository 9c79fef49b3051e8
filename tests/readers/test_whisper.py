"""Whisper / WhisperX: segment speakers, words without times, split at speaker changes."""

from __future__ import annotations

import json

from toneprobe.readers import read_bytes


def test_whisper_plain_segments_strip_leading_space(read):
    doc = {
        "text": "x",
        "language": "de",
        "segments": [
            {
                "id": 0,
                "seek": 0,
                "start": 0.0,
                "end": 2.0,
                "text": " Guten Tag, was kann ich für Sie tun?",
                "tokens": [1],
            },
            {
                "id": 1,
                "seek": 0,
                "start": 2.2,
                "end": 4.0,
                "text": " Mein Paket ist nicht angekommen.",
                "tokens": [2],
            },
        ],
    }
    result = read(json.dumps(doc), "w.json")
    call = result.transcripts[0]
    assert result.format == "whisper"
    assert [t.text for t in call.turns] == [
        "Guten Tag, was kann ich für Sie tun?",
        "Mein Paket ist nicht angekommen.",
    ]
    assert [t.role for t in call.turns] == ["agent", "customer"]
    assert call.metadata["language"] == "de"
    assert any("no speaker labels" in w for w in result.warnings)


def test_whisperx_segment_split_at_word_speaker_change(read):
    doc = {
        "segments": [
            {
                "start": 0.5,
                "end": 4.0,
                "text": "Ihre Vertragsnummer bitte? 4711 0815.",
                "speaker": "SPEAKER_00",
                "words": [
                    {"word": "Ihre", "start": 0.5, "end": 0.7, "speaker": "SPEAKER_00"},
                    {"word": "Vertragsnummer", "start": 0.7, "end": 1.4, "speaker": "SPEAKER_00"},
                    {"word": "bitte?", "start": 1.4, "end": 1.8, "speaker": "SPEAKER_00"},
                    {"word": "4711"},
                    {"word": "0815.", "start": 3.0, "end": 4.0, "speaker": "SPEAKER_01"},
                ],
            },
        ]
    }
    call = read(json.dumps(doc), "x.json").transcripts[0]
    assert [(t.speaker, t.text) for t in call.turns] == [
        ("SPEAKER_00", "Ihre Vertragsnummer bitte? 4711"),
        ("SPEAKER_01", "0815."),
    ]
    assert call.turns[1].start == 3.0


def test_whisperx_words_without_speaker_keep_segment_speaker(read):
    doc = {
        "segments": [
            {
                "start": 0.0,
                "end": 1.0,
                "text": "Kundenservice, guten Tag.",
                "speaker": "SPEAKER_01",
                "words": [
                    {"word": "Kundenservice,", "start": 0.0, "end": 0.6},
                    {"word": "guten"},
                    {"word": "Tag."},
                ],
            },
            {
                "start": 1.2,
                "end": 2.0,
                "text": "Ich habe ein Problem.",
                "speaker": "SPEAKER_00",
                "words": [],
            },
        ]
    }
    call = read(json.dumps(doc), "x.json").transcripts[0]
    assert [t.speaker for t in call.turns] == ["SPEAKER_01", "SPEAKER_00"]
    assert call.turns[0].role == "agent"


def test_whisper_list_of_segments_accepted():
    doc = [
        {
            "start": 0,
            "end": 1,
            "text": "Hallo, Kundenservice, wie kann ich helfen?",
            "speaker": "A",
        },
        {"start": 1, "end": 2, "text": "Meine Rechnung ist falsch.", "speaker": "B"},
    ]
    result = read_bytes(json.dumps(doc).encode(), "list.json")
    assert result.format == "whisper"
    assert [t.role for t in result.transcripts[0].turns] == ["agent", "customer"]

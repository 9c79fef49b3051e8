"""WebVTT reader: voice spans (classes, missing </v>), Zoom prefixes, odd cues, annotations."""

from __future__ import annotations

import pytest

from toneprobe.errors import InputError
from toneprobe.readers import read_bytes


def _vtt(body: str) -> bytes:
    return ("WEBVTT\n\n" + body).encode()


def test_webvtt_voice_spans_with_classes_and_missing_end_tag(read):
    data = _vtt(
        "00:01.000 --> 00:03.000\n<v.loud.first Jana Krüger>Guten Tag, was kann ich für Sie tun?\n\n"
        "00:03.500 --> 00:05.000\n<v Max Mustermann><i>Mein Router</i> blinkt &amp; piept.</v>\n"
    )
    call = read(data, "m.vtt").transcripts[0]
    assert [t.speaker for t in call.turns] == ["Jana Krüger", "Max Mustermann"]
    assert call.turns[1].text == "Mein Router blinkt & piept."
    assert call.turns[0].start == 1.0
    assert call.turns[1].end == 5.0


def test_webvtt_two_voices_in_one_cue_split(read):
    data = _vtt(
        "00:00:01.000 --> 00:00:04.000\n<v Agent>Ihre Kundennummer?</v> <v Kunde>4711.</v>\n"
    )
    call = read(data, "m.vtt").transcripts[0]
    assert [(t.role, t.text) for t in call.turns] == [
        ("agent", "Ihre Kundennummer?"),
        ("customer", "4711."),
    ]


def test_webvtt_split_cues_of_one_speaker_merged(read):
    data = _vtt(
        "1\n00:00:01.000 --> 00:00:02.000\n<v Lena Graf>Guten Tag, Stadtwerke Musterstadt,\n\n"
        "2\n00:00:02.000 --> 00:00:03.500\n<v Lena Graf>was kann ich für Sie tun?\n\n"
        "3\n00:00:04.000 --> 00:00:06.000\n<v Ute Berg>Meine Rechnung ist falsch.\n"
    )
    call = read(data, "m.vtt").transcripts[0]
    assert call.turns[0].text == "Guten Tag, Stadtwerke Musterstadt, was kann ich für Sie tun?"
    assert (call.turns[0].start, call.turns[0].end) == (1.0, 3.5)
    assert call.agent == "Lena Graf"
    assert call.customer == "Ute Berg"


def test_webvtt_note_style_blocks_and_arrow_in_speech_kept(read):
    data = _vtt(
        "NOTE erzeugt von Hand\n\nSTYLE\n::cue { color: red }\n\n"
        "00:00:01.000 --> 00:00:02.000\nAgent: Die Strecke A --> B ist gesperrt.\n\n"
        "00:00:02.500 --> 00:00:03.000\nKunde: Um 10:30 Uhr?\n"
    )
    call = read(data, "m.vtt").transcripts[0]
    assert call.turns[0].text == "Die Strecke A --> B ist gesperrt."
    assert call.turns[1].text == "Um 10:30 Uhr?"


def test_webvtt_zoom_time_prefix_not_a_speaker(read):
    data = _vtt(
        "1\n00:00:01.000 --> 00:00:02.000\nTim Roth: Guten Tag, was kann ich für Sie tun?\n\n"
        "2\n00:00:02.500 --> 00:00:04.000\nLea Wagner: 10:30 Meeting: da war ich verabredet.\n\n"
        "3\n00:00:04.500 --> 00:00:05.000\nTim Roth: Verstehe.\n\n"
        "4\n00:00:05.500 --> 00:00:06.000\nLea Wagner: Gut.\n"
    )
    call = read(data, "z.vtt").transcripts[0]
    assert call.turns[1].text == "10:30 Meeting: da war ich verabredet."
    assert [t.role for t in call.turns] == ["agent", "customer", "agent", "customer"]


def test_webvtt_malformed_timing_names_line():
    data = _vtt(
        "00:00:01.000 --> 00:00:02.000\n<v A>Hallo.\n\n00:0x:03.000 --> 00:00:04.000\n<v B>Hi.\n"
    )
    with pytest.raises(InputError) as err:
        read_bytes(data, "bad.vtt")
    assert err.value.line == 6


def test_webvtt_header_only_has_no_turns():
    with pytest.raises(InputError) as err:
        read_bytes(b"WEBVTT\n\nNOTE nichts\n", "leer.vtt")
    assert "no recognisable turns" in str(err.value)


def test_subtitles_annotation_cues_left_out_and_end_marker_read(read):
    data = _vtt(
        "00:00:01.000 --> 00:00:02.000\n<v Agent>Guten Tag.</v>\n\n"
        "00:00:02.500 --> 00:00:03.000\n<v Kunde>Tschüss.</v>\n\n"
        "00:00:03.500 --> 00:00:04.000\n[Kunde hat aufgelegt]\n"
    )
    result = read(data, "e.vtt")
    call = result.transcripts[0]
    assert [t.text for t in call.turns] == ["Guten Tag.", "Tschüss."]
    assert call.ended_by == "customer"
    assert any("annotation" in w and "line(s) 9" in w for w in result.warnings)


def test_webvtt_zoom_short_call_names_once(read):
    data = _vtt(
        "1\n00:00:01.000 --> 00:00:02.000\nTim Roth: Guten Tag, was kann ich für Sie tun?\n\n"
        "2\n00:00:02.500 --> 00:00:04.000\nLea Wagner: Meine Rechnung ist falsch.\n"
    )
    call = read(data, "z.vtt").transcripts[0]
    assert [(t.speaker, t.role) for t in call.turns] == [
        ("Tim Roth", "agent"),
        ("Lea Wagner", "customer"),
    ]

"""Property tests: no input makes a reader raise anything but InputError."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toneprobe.errors import InputError
from toneprobe.readers import READERS, read_bytes, read_text

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KEYS = [
    "call_id",
    "turns",
    "role",
    "text",
    "speaker",
    "start",
    "end",
    "ended_by",
    "agent",
    "metadata",
    "results",
    "items",
    "audio_segments",
    "speaker_label",
    "channel_label",
    "start_time",
    "end_time",
    "type",
    "alternatives",
    "content",
    "transcripts",
    "channel_labels",
    "channels",
    "speaker_labels",
    "segments",
    "Participants",
    "ParticipantId",
    "ParticipantRole",
    "Transcript",
    "Content",
    "BeginOffsetMillis",
    "EndOffsetMillis",
    "Segments",
    "words",
    "word",
    "entries",
    "start_timestamp_usec",
    "user_id",
    "transcript",
    "transcriptSegments",
    "segmentParticipant",
    "phrases",
    "participantPurpose",
    "startTimeMs",
    "duration",
    "milliseconds",
    "decoratedText",
    "conversationStartTime",
    "participants",
    "endTimeMs",
    "utterance",
    "call",
]
VALUES = st.sampled_from(
    [
        "agent",
        "customer",
        "AGENT",
        "CUSTOMER",
        "SYSTEM",
        "internal",
        "external",
        "ivr",
        "spk_0",
        "ch_1",
        "SPEAKER_00",
        "Kunde",
        "Guten Tag",
        "1.5",
        "1,5",
        "00:01:23",
        "x",
        "",
        "punctuation",
        "pronunciation",
        "END_USER",
        "AUTOMATED_AGENT",
        "-3",
        "1e309",
        "NaN",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=True),
    VALUES,
    st.text(max_size=20),
)
JSONISH = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=6),
    ),
    max_leaves=40,
)
LINE = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "Agent:",
                "Kunde:",
                "Kundin (Agent):",
                "[00:01:23]",
                "01:23",
                "[99:99]",
                "WEBVTT",
                "-->",
                "00:00:01.000 --> 00:00:02.000",
                "00:00:01,000 --> 00:00:0x,000",
                "<v Jana>",
                "</v>",
                "1",
                "Speaker 1:",
                "Kundennummer: 4711",
                "- ",
                ";",
                ",",
                "\t",
                "call_id;role;text",
                "{",
                "[",
                '"turns"',
                "sep=;",
                "NOTE",
                "&amp;",
                "<v.loud>",
                "*** Kunde hat aufgelegt ***",
            ]
        ),
        st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12),
    ),
    max_size=6,
).map(" ".join)
TEXTISH = st.lists(LINE, max_size=12).map("\n".join)


def _only_input_errors(call) -> None:
    """Run ``call``; an InputError is fine, any other exception fails the test.

    What does read must be sane: agent/customer turns with text, indexes in order.
    """
    with contextlib.suppress(InputError):
        result = call()
        assert result.transcripts
        for transcript in result.transcripts:
            assert transcript.turns
            assert [t.index for t in transcript.turns] == list(range(len(transcript.turns)))
            for turn in transcript.turns:
                assert turn.role in ("agent", "customer")
                assert turn.text and turn.text == turn.text.strip()
            json.dumps(transcript.to_dict())


@SETTINGS
@given(st.binary(max_size=3000))
def test_property_bytes_only_input_error(data):
    _only_input_errors(lambda: read_bytes(data, "fuzz.bin"))


@SETTINGS
@given(JSONISH)
def test_property_jsonish_only_input_error(doc):
    text = json.dumps(doc)
    _only_input_errors(lambda: read_text(text, "fuzz.json"))


@SETTINGS
@given(TEXTISH)
def test_property_textish_only_input_error(text):
    _only_input_errors(lambda: read_bytes(text.encode("utf-8", "surrogatepass"), "fuzz.txt"))


@pytest.mark.parametrize("reader", [r.name for r in READERS])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(JSONISH.map(json.dumps), TEXTISH))
def test_property_forced_reader_only_input_error(reader, text):
    _only_input_errors(lambda: read_text(text, "fuzz", input_format=reader))


FIXTURES = Path(__file__).parent.parent / "fixtures" / "formats"
DOCS = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(FIXTURES.glob("*.json"))]


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


def _replace(value, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: (_replace(v, rest, new) if k == head else v) for k, v in value.items()}
    return [(_replace(v, rest, new) if i == head else v) for i, v in enumerate(value)]


@st.composite
def mutated_fixture(draw):
    doc = draw(st.sampled_from(DOCS))
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        path = draw(st.sampled_from(paths))
        doc = _replace(doc, path, draw(JSONISH))
    return doc


def test_property_fixture_docs_loaded():
    assert len(DOCS) == 6


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_fixture())
def test_property_mutated_real_documents_only_input_error(doc):
    text = json.dumps(doc)
    _only_input_errors(lambda: read_text(text, "mutant.json"))

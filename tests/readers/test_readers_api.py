"""Public API: registry, format detection, --input-format, iter_input_files, ReadResult counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from toneprobe.errors import ConfigError, InputError
from toneprobe.readers import READERS, get_reader, iter_input_files, read_path, read_text
from toneprobe.readers.base import Reader

FIXTURES = Path(__file__).parent.parent / "fixtures" / "formats"


def test_api_registry_names_unique_and_described():
    names = [r.name for r in READERS]
    assert len(names) == len(set(names)) == 10
    for reader in READERS:
        assert isinstance(reader, Reader)
        assert reader.description and reader.example


@pytest.mark.parametrize("name", ["webvtt", "VTT", "csv", "aws", "whisperx", "toneprobe"])
def test_api_get_reader_by_name_or_alias(name):
    assert get_reader(name) in READERS


def test_api_get_reader_unknown_lists_choices():
    with pytest.raises(ConfigError) as err:
        get_reader("docx")
    assert "webvtt" in str(err.value)


def test_api_forced_format_overrides_detection():
    text = "Agent: Guten Tag.\nKunde: Hallo.\n"
    assert read_text(text, "a.txt").format == "text"
    with pytest.raises(InputError):
        read_text(text, "a.txt", input_format="webvtt")


def test_api_read_result_counts(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("Vorspann\nAgent: Guten Tag.\nKunde: Hallo.\nAgent: Tschüss.\n", encoding="utf-8")
    result = read_path(p)
    assert (result.n_calls, result.n_turns) == (1, 3)
    assert result.unplaced_lines == [1]
    assert result.transcripts[0].source == str(p)


def test_api_read_path_missing_file():
    with pytest.raises(InputError) as err:
        read_path("gibt/es/nicht.txt")
    assert err.value.path == "gibt/es/nicht.txt"


def test_api_iter_input_files_dirs_globs_and_skips(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in [
        "a.json",
        "b.txt",
        "sub/c.vtt",
        "sub/d.srt",
        "e.csv",
        "f.jsonl",
        "ohne_endung",
        "g.tsv",
        "README.md",
        "labels.csv",
        "notes.yaml",
        "x.py",
        ".versteckt.txt",
        ".hidden/h.txt",
        "conf.toml",
    ]:
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_input_files([str(tmp_path)])]
    assert found == [
        "a.json",
        "b.txt",
        "e.csv",
        "f.jsonl",
        "g.tsv",
        "ohne_endung",
        "sub/c.vtt",
        "sub/d.srt",
    ]
    globbed = iter_input_files([str(tmp_path / "sub" / "*.srt"), "-", str(tmp_path / "a.json")])
    assert globbed == [tmp_path / "sub" / "d.srt", "-", tmp_path / "a.json"]


@pytest.mark.parametrize("pattern", ["fehlt.txt", "ordner/*.nix"])
def test_api_iter_input_files_missing_is_input_error(tmp_path, pattern):
    with pytest.raises(InputError):
        iter_input_files([str(tmp_path / pattern)])


def test_api_jsonl_of_unknown_rows_is_input_error():
    with pytest.raises(InputError) as err:
        read_text('{"a": 1}\n{"a": 2}\n', "x.jsonl")
    assert "JSON lines of unknown shape" in str(err.value)


def test_api_glob_matching_directories_expands_them(tmp_path):
    (tmp_path / "tag1").mkdir()
    (tmp_path / "tag1" / "a.txt").write_text("x", encoding="utf-8")
    assert iter_input_files([str(tmp_path / "tag*")]) == [tmp_path / "tag1" / "a.txt"]


def test_api_combine_calls_redacted_twins_and_genesys_parts():
    import json

    from toneprobe.readers import combine_calls

    def cl(redacted: bool, text: str):
        doc = {
            "CustomerMetadata": {"ContactId": "k-1"},
            "ContentMetadata": {"Output": "Redacted" if redacted else "Raw"},
            "Transcript": [{"ParticipantRole": "AGENT", "Content": text, "BeginOffsetMillis": 0}],
        }
        return read_text(json.dumps(doc), "redacted.json" if redacted else "raw.json").transcripts[
            0
        ]

    def gen(start: int, purpose: str, text: str, name: str):
        doc = {
            "conversationId": "g-1",
            "conversationStartTime": 0,
            "transcripts": [
                {"phrases": [{"text": text, "participantPurpose": purpose, "startTimeMs": start}]}
            ],
        }
        return read_text(json.dumps(doc), name).transcripts[0]

    calls = [
        cl(True, "Ihre IBAN ist [PII]."),
        gen(5000, "external", "Danke.", "b.json"),
        cl(False, "Ihre IBAN ist DE00."),
        gen(1000, "internal", "Guten Tag.", "a.json"),
    ]
    out, notes = combine_calls(calls)
    assert [t.turns[0].text for t in out] == ["Guten Tag.", "Ihre IBAN ist DE00."]
    assert [(t.role, t.start) for t in out[0].turns] == [("agent", 1.0), ("customer", 5.0)]
    assert len(notes) == 2


def test_api_group_related_files_and_read_related(tmp_path):
    import json

    from toneprobe.readers import group_related_files, read_related

    def contact_lens(name: str, redacted: bool, text: str) -> Path:
        doc = {
            "CustomerMetadata": {"ContactId": "k-7"},
            "ContentMetadata": {"Output": "Redacted" if redacted else "Raw"},
            "Transcript": [{"ParticipantRole": "AGENT", "Content": text, "BeginOffsetMillis": 0}],
        }
        path = tmp_path / name
        path.write_text(json.dumps(doc), encoding="utf-8")
        return path

    def genesys(name: str, start: int, purpose: str, text: str) -> Path:
        doc = {
            "conversationId": "g-7",
            "conversationStartTime": 0,
            "transcripts": [
                {"phrases": [{"text": text, "participantPurpose": purpose, "startTimeMs": start}]}
            ],
        }
        path = tmp_path / name
        path.write_text(json.dumps(doc), encoding="utf-8")
        return path

    plain = tmp_path / "b.txt"
    plain.write_text("Agent: Guten Tag.\nKunde: Hallo.\n", encoding="utf-8")
    raw = contact_lens("a_raw.json", False, "Ihre Postleitzahl ist 12345.")
    g2 = genesys("c_part2.json", 4000, "external", "Meine Rechnung ist zu hoch.")
    red = contact_lens("d_redacted.json", True, "Ihre Postleitzahl ist [PII].")
    g1 = genesys("e_part1.json", 1000, "internal", "Guten Tag, Sie sprechen mit Ute Plötz.")
    broken = tmp_path / "f.json"
    broken.write_text('{"conversationId": "g-7", "transcripts": [', encoding="utf-8")

    groups = group_related_files([raw, plain, g2, red, g1, broken])
    assert groups == [[raw, red], [plain], [g2, g1], [broken]]

    twins = read_related([raw, red])
    assert [t.turns[0].text for t in twins.transcripts] == ["Ihre Postleitzahl ist 12345."]
    parts = read_related([g2, g1])
    assert len(parts.transcripts) == 1
    call = parts.transcripts[0]
    assert [t.role for t in call.turns] == ["agent", "customer"]
    assert call.agent == "Ute Plötz"
    assert any("merged 2 Genesys files" in w for w in parts.warnings)
    # a part that cannot be read is a warning, the rest is still read
    partial = read_related([g1, broken])
    assert len(partial.transcripts) == 1
    assert any("skipped part" in w for w in partial.warnings)

"""records.iter_call_records: saved `score --format jsonl` files, every line checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli import run_toneprobe

from toneprobe.errors import InputError
from toneprobe.records import iter_call_records

ROOT = Path(__file__).resolve().parents[1]
CALLS = [ROOT / "sample_transcripts" / "json" / n for n in ("call_001.json", "call_002.json")]


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("scored") / "scores.jsonl"
    proc = run_toneprobe(
        "score", *map(str, CALLS), "--format", "jsonl", "-o", str(out), "-j", "1", "-q"
    )
    assert proc.returncode == 0, proc.stderr
    return out


def test_records_yields_each_call_of_a_saved_scoring(scored):
    recs = list(iter_call_records(scored))
    assert [r["call_id"] for r in recs] == ["call_001", "call_002"]
    assert recs == [json.loads(line) for line in scored.read_text().splitlines()]


def test_records_skip_blank_lines_and_a_bom(scored, tmp_path):
    lines = scored.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "spaced.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + f"{lines[0]}\n\n{lines[1]}\n\n".encode())
    assert [r["call_id"] for r in iter_call_records(path)] == ["call_001", "call_002"]


def _write(tmp_path: Path, scored: Path, bad_line: str, at: int = 1) -> Path:
    lines = scored.read_text(encoding="utf-8").splitlines()
    lines.insert(at, bad_line)
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "bad_line,message",
    [
        ('{"call_id": "x", "agent": ', "not valid JSON"),
        ("[1, 2]", "expected a call record (a JSON object), got a list"),
        ('{"agent": "Jana Krüger", "calls": 8, "empathy_score": 84.1}', "an agent record"),
        ('{"call_id": "c9", "source": "a.json"}', "not a toneprobe call record: no 'agent'"),
        ('{"call_id": "c9", "turns": []}', "a transcript, not a call record"),
        ('{"schema_version": 1, "calls": []}', "a --format json document"),
    ],
)
def test_records_bad_line_names_file_and_line(scored, tmp_path, bad_line, message):
    path = _write(tmp_path, scored, bad_line, at=1)
    it = iter_call_records(path)
    assert next(it)["call_id"] == "call_001"  # lines before the bad one are read
    with pytest.raises(InputError) as exc:
        next(it)
    assert exc.value.path == str(path) and exc.value.line == 2
    assert message in exc.value.message


def test_records_a_call_record_with_a_broken_field_is_refused(scored, tmp_path):
    rec = json.loads(scored.read_text().splitlines()[0])
    rec["hangup"] = {"turn": None}
    path = _write(tmp_path, scored, json.dumps(rec), at=2)
    with pytest.raises(InputError, match=r"broken.jsonl:3: hangup.outcome: missing"):
        list(iter_call_records(path))


def test_records_bad_date_and_score_are_refused(scored, tmp_path):
    rec = json.loads(scored.read_text().splitlines()[0])
    path = _write(tmp_path, scored, json.dumps({**rec, "date": "morgen"}), at=2)
    with pytest.raises(InputError, match=r"broken.jsonl:3: 'date' must be YYYY-MM-DD"):
        list(iter_call_records(path))
    path = _write(tmp_path, scored, json.dumps({**rec, "empathy_score": None}), at=2)
    with pytest.raises(InputError, match=r"broken.jsonl:3: 'empathy_score' must be a number"):
        list(iter_call_records(path))


def test_records_with_an_errors_list_skip_and_record_bad_lines(scored, tmp_path):
    path = _write(tmp_path, scored, "[1, 2]", at=1)
    errors: list[dict] = []
    assert [r["call_id"] for r in iter_call_records(path, errors)] == ["call_001", "call_002"]
    assert errors == [
        {
            "source": str(path),
            "line": 2,
            "message": "expected a call record (a JSON object), got a list",
        }
    ]


def test_records_half_written_last_line_is_named(scored, tmp_path):
    path = tmp_path / "cut.jsonl"
    text = scored.read_text(encoding="utf-8")
    path.write_text(text + text.splitlines()[0][:40], encoding="utf-8")
    with pytest.raises(InputError, match=r"cut.jsonl:3: incomplete last line \(an interrupted"):
        list(iter_call_records(path))


def test_records_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="nope.jsonl: cannot read file"):
        list(iter_call_records(tmp_path / "nope.jsonl"))

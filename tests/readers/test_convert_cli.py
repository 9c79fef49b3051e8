"""`toneprobe convert` / `toneprobe formats` run as real processes: exit codes, stdout, stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli import run_toneprobe

FIXTURES = Path(__file__).parent.parent / "fixtures" / "formats"


def run(*args: str, stdin: bytes | None = None, cwd: Path | None = None):
    return run_toneprobe(*args, stdin=stdin, cwd=cwd, text=False, timeout=60)


def test_convert_cli_round_trip_identical_json():
    proc = run("convert", str(FIXTURES / "toneprobe.json"))
    assert proc.returncode == 0, proc.stderr
    original = json.loads((FIXTURES / "toneprobe.json").read_text(encoding="utf-8"))
    assert json.loads(proc.stdout) == original
    again = run("convert", "-", stdin=proc.stdout)
    assert json.loads(again.stdout) == original


def test_convert_cli_single_vtt_one_object_and_clean_stdout():
    proc = run("convert", str(FIXTURES / "teams.vtt"))
    assert proc.returncode == 0
    doc = json.loads(proc.stdout.decode("utf-8"))
    assert doc["call_id"] == "teams"
    assert doc["agent"] == "Jana Krüger"
    assert [t["role"] for t in doc["turns"]] == ["agent", "customer", "agent"]


def test_convert_cli_batch_jsonl_with_broken_file_skipped(tmp_path):
    broken = tmp_path / "kaputt.json"
    broken.write_bytes(b'{"turns": [{"role": "agent", "text": "Hal')
    proc = run("convert", str(FIXTURES / "plain.txt"), str(broken), str(FIXTURES / "excel_de.csv"))
    assert proc.returncode == 0
    lines = proc.stdout.decode("utf-8").splitlines()
    assert [json.loads(x)["call_id"] for x in lines] == ["plain", "C-0001", "C-0002"]
    err = proc.stderr.decode("utf-8")
    skipped = [x for x in err.splitlines() if "kaputt.json" in x]
    assert len(skipped) == 1
    assert "kaputt.json:1:" in skipped[0]
    assert "read 2 files, skipped 1, 7 turns" in err
    assert "Traceback" not in err


def test_convert_cli_all_inputs_broken_exit_2(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"")
    (tmp_path / "b.json").write_bytes(b"[1, 2")
    proc = run("convert", str(tmp_path / "a.txt"), str(tmp_path / "b.json"))
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert b"Traceback" not in proc.stderr
    assert b"read 0 files, skipped 2" in proc.stderr


BAD_INPUTS = {  # name: (bytes, message, line or None)
    "leer.txt": (b"", "empty file", None),
    "bild.png": (bytes(range(256)) * 4, "binary", None),
    "halb.json": (b'{"call_id": "1",\n"turns": [\n{"role": "agent", "te', "truncated JSON", 3),
    "form.json": (b'{"call_id": "1", "turns": {"role": "agent"}}', "'turns' must be a list", None),
    "brief.txt": (
        b"Sehr geehrte Damen und Herren,\nich schreibe Ihnen heute.\n",
        "no recognisable turns",
        None,
    ),
    "rolle.csv": (
        b"role;text\nagent;Hallo\nPraktikant;Guten Tag\n",
        "unknown role 'Praktikant'",
        3,
    ),
    "zeit.txt": (b"Agent: Hallo.\n[00:75:00] Kunde: Hi.\n", "malformed timestamp", 2),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_convert_cli_bad_input_one_line_exit_2(tmp_path, name):
    data, message, line = BAD_INPUTS[name]
    path = tmp_path / name
    path.write_bytes(data)
    proc = run("convert", str(path))
    err = proc.stderr.decode("utf-8")
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert message in err
    assert f"{path}:{line}:" in err if line else f"{path}:" in err


def test_convert_cli_output_file_written_atomically(tmp_path):
    out = tmp_path / "out.json"
    proc = run("convert", str(FIXTURES / "call.srt"), "--output", str(out))
    assert proc.returncode == 0
    assert proc.stdout == b""
    assert json.loads(out.read_text(encoding="utf-8"))["call_id"] == "call"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_convert_cli_agent_speaker_and_input_format():
    proc = run(
        "convert",
        str(FIXTURES / "call.srt"),
        "--agent-speaker",
        "Speaker 2",
        "--input-format",
        "srt",
    )
    doc = json.loads(proc.stdout)
    assert [t["role"] for t in doc["turns"]] == ["customer", "agent", "customer"]
    assert doc["metadata"]["roles"]["method"] == "override"


def test_convert_cli_unknown_input_format_exit_2():
    proc = run("convert", str(FIXTURES / "call.srt"), "--input-format", "docx")
    assert proc.returncode == 2
    assert b"unknown input format" in proc.stderr


def test_convert_cli_missing_path_exit_2():
    proc = run("convert", "gibt-es-nicht.vtt")
    assert proc.returncode == 2
    assert b"gibt-es-nicht.vtt" in proc.stderr


def test_convert_cli_directory_batch(tmp_path):
    for name in ("teams.vtt", "whisperx.json", "ccai.json"):
        (tmp_path / name).write_bytes((FIXTURES / name).read_bytes())
    (tmp_path / "README.md").write_text("# Notizen", encoding="utf-8")
    proc = run("convert", str(tmp_path))
    assert proc.returncode == 0
    ids = [json.loads(x)["call_id"] for x in proc.stdout.decode("utf-8").splitlines()]
    assert ids == ["ccai", "teams", "whisperx"]


def test_convert_cli_formats_table_lists_readers():
    proc = run("formats")
    assert proc.returncode == 0
    out = proc.stdout.decode("utf-8")
    for name in (
        "toneprobe",
        "aws-transcribe",
        "contact-lens",
        "whisper",
        "google-ccai",
        "genesys",
        "table",
        "webvtt",
        "srt",
        "text",
    ):
        assert name in out
    assert "meeting.vtt" in out


def test_convert_cli_write_atomic_keeps_usual_mode(tmp_path):
    import os

    from toneprobe.commands.convert import write_atomic

    out = tmp_path / "x.json"
    write_atomic(out, "{}\n")
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
    assert out.read_text(encoding="utf-8") == "{}\n"

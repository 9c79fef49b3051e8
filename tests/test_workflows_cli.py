"""evaluate / examples / report as real processes on the bundled samples: exit codes, JUnit."""

from __future__ import annotations

import csv
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cli import run_toneprobe

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_transcripts"
LABELS = SAMPLES / "labels.csv"
# Personal data that occurs in the sample calls (numbers, addresses, e-mail addresses).
SAMPLE_PII = (
    "0160 3378 112", "KH-2291-4476", "Gartenweg 4", "Hafenstraße 31", "Friedrichstraße 22",
    "s.arnold at webpost", "1ELB 0073 5521", "DE44 2003", "DE12 5005", "0077 8812 30",
    "HR 5510 3302", "TK-58812", "4471 2209", "ZV 4410 9983",
)  # fmt: skip


def run(*args: str, cwd: Path = ROOT):
    return run_toneprobe(*args, cwd=cwd)


def test_workflows_cli_evaluate_passes_with_junit_and_json(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    proc = run(
        "evaluate", str(SAMPLES), "--labels", str(LABELS), "--format", "json",
        "--min", "deescalation_f1=0.5", "--min", "disrespect_f1=0.5", "--junit", str(junit),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["n_labelled"] == doc["n_calls"] >= 40
    assert doc["passed"] is True
    assert set(doc["detectors"]) == {"deescalation", "hangup", "disrespect"}
    assert -1.0 <= doc["empathy_spearman"] <= 1.0
    root = ET.parse(junit).getroot()
    cases = list(root.iter("testcase"))
    assert [c.get("name") for c in cases] == ["deescalation_f1", "disrespect_f1"]
    assert not any(c.find("failure") is not None for c in cases)


def test_workflows_cli_evaluate_fails_a_threshold(tmp_path: Path) -> None:
    # Labels with every de-escalation outcome swapped: toneprobe cannot agree with them.
    swap = {"achieved": "failed", "failed": "not_needed", "not_needed": "achieved"}
    rows = list(csv.DictReader(LABELS.open(encoding="utf-8")))
    for row in rows:
        row["deescalation"] = swap[row["deescalation"]]
    bad = tmp_path / "labels.csv"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    junit = tmp_path / "junit.xml"
    proc = run(
        "evaluate", str(SAMPLES), "--labels", str(bad), "--min", "deescalation_f1=0.5",
        "--min", "disrespect_f1=0.5", "--junit", str(junit),
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "threshold not met: deescalation_f1" in proc.stderr
    assert "Thresholds" in proc.stdout and "FAIL" in proc.stdout
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    failed = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert failed == ["deescalation_f1"]


@pytest.mark.parametrize(
    "args,message",
    [
        (["--min", "empathy=0.5"], "unknown threshold"),
        (["--min", "hangup_f1=gut"], "not a number"),
        (["--labels", "missing.csv"], "label file not found"),
        (["--format", "xml"], "--format"),
    ],
)
def test_workflows_cli_evaluate_bad_usage_exits_2(args: list[str], message: str) -> None:
    base = ["evaluate", str(SAMPLES)]
    if "--labels" not in args:
        base += ["--labels", str(LABELS)]
    proc = run(*base, *args)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_workflows_cli_evaluate_bad_config_exits_2(tmp_path: Path) -> None:
    (tmp_path / "toneprobe.toml").write_text("[thresholds]\nhangup_f1 = 'hoch'\n", "utf-8")
    proc = run("evaluate", str(SAMPLES), "--labels", str(LABELS), cwd=tmp_path)
    assert proc.returncode == 2
    assert "toneprobe.toml: thresholds.hangup_f1: Input should be a valid number" in proc.stderr


def test_workflows_cli_examples_markdown_redacted_by_default() -> None:
    args = ("examples", str(SAMPLES), "--kind", "worst", "-n", "60", "--context", "30", "-q")
    plain = run(*args, "--format", "markdown", "--no-redact")
    masked = run(*args, "--format", "markdown")
    assert plain.returncode == masked.returncode == 0, masked.stderr
    assert masked.stdout.startswith("# Coaching moments: worst")
    shown = [p for p in SAMPLE_PII if p in plain.stdout]
    assert len(shown) >= 3, "the windows should cover calls with personal data"
    assert not [p for p in SAMPLE_PII if p in masked.stdout]
    assert r"\[NUMMER\]" in masked.stdout and "**" in masked.stdout  # markdown-escaped


def test_workflows_cli_examples_json_filters() -> None:
    proc = run("examples", str(SAMPLES), "--kind", "best", "--detector", "empathy",
               "-n", "3", "--format", "json", "-q")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["kind"] == "best" and 1 <= len(doc["moments"]) <= 3
    assert {m["detector"] for m in doc["moments"]} == {"empathy"}
    strengths = [m["strength"] for m in doc["moments"]]
    assert strengths == sorted(strengths, reverse=True)
    bad = run("examples", str(SAMPLES), "--detector", "mood", "-q")
    assert bad.returncode == 2 and "unknown detector" in bad.stderr


def test_workflows_cli_report_to_a_folder_exits_2(tmp_path: Path) -> None:
    proc = run("report", str(SAMPLES), "--output", str(tmp_path), "-q")
    assert proc.returncode == 2
    assert "is a folder" in proc.stderr


def test_workflows_cli_report_writes_file_atomically(tmp_path: Path) -> None:
    out = tmp_path / "new" / "report.html"  # the folder is created
    proc = run("report", str(SAMPLES), "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out}" in proc.stderr
    html_text = out.read_text(encoding="utf-8")
    assert html_text.startswith("<!DOCTYPE html>")
    assert "Jana Krüger" in html_text and "<svg" in html_text
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # not the temp file's 0600


def test_workflows_cli_examples_follow_the_config(tmp_path: Path) -> None:
    (tmp_path / "toneprobe.toml").write_text(
        '[aliases]\n"Jana Krüger" = "Jana K."\n[redaction]\nenabled = false\n', encoding="utf-8"
    )
    proc = run("examples", str(SAMPLES), "--agent", "Jana K.", "--kind", "best", "-n", "2",
               "--format", "json", "-q", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    moments = json.loads(proc.stdout)["moments"]
    assert moments and {m["agent"] for m in moments} == {"Jana K."}
    assert not any(m["redacted"] for m in moments)


def test_workflows_cli_workers_give_the_same_answers() -> None:
    """evaluate, examples and report score in worker processes with -j; nothing changes."""
    for args in (
        ("evaluate", str(SAMPLES), "--labels", str(LABELS), "--format", "json"),
        ("examples", str(SAMPLES), "--kind", "worst", "-n", "8", "--format", "json"),
    ):
        serial = run(*args, "--model", "fake", "-q", "-j", "1")
        pooled = run(*args, "--model", "fake", "-q", "-j", "2")
        assert serial.returncode == pooled.returncode == 0, pooled.stderr
        assert json.loads(pooled.stdout) == json.loads(serial.stdout)


def test_workflows_cli_workers_skip_a_broken_file_and_say_so(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    calls.mkdir()
    for name in ("call_001.json", "call_002.json", "call_009.json"):
        (calls / name).write_bytes((SAMPLES / "json" / name).read_bytes())
    (calls / "broken.json").write_text('{"call_id": "x", "turns": [', encoding="utf-8")
    proc = run("examples", str(calls), "--model", "fake", "-j", "2", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert "skipped: " in proc.stderr and "broken.json" in proc.stderr
    assert re.search(r"scored 3 calls \(\d+ turns\) from 3 files \(1 skipped", proc.stderr)
    assert "Traceback" not in proc.stderr
    alone = run("examples", str(calls / "broken.json"), "--model", "fake", "-j", "2")
    assert alone.returncode == 2
    assert alone.stderr.count("\n") == 1 and "broken.json" in alone.stderr

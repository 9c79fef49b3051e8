"""data/chat: the labelled support chats load, match their labels and keep the promised balance;
the CSV/JSONL exports hold the same chats and are scored under the same labels."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from cli import run_toneprobe

from toneprobe.readers import iter_input_files, read_path

ROOT = Path(__file__).resolve().parents[1]
CHAT = ROOT / "data" / "chat"
VALIDATE = ROOT / "data" / "dev2" / "validate.py"
LABELS = {r["call_id"]: r for r in csv.DictReader((CHAT / "labels.csv").open(encoding="utf-8"))}
CALLS = sorted((CHAT / "calls").glob("c-*.json"))
EXPORTS = iter_input_files([str(CHAT / "export")])


def _validate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(VALIDATE), str(root), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_chat_validate_passes_and_counts_match_the_readme():
    result = _validate(CHAT, "--turns", "10-30")
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith(f"OK: {len(LABELS)} calls, ")
    readme = (CHAT / "README.md").read_text(encoding="utf-8")
    for column in ("deescalation", "hangup"):
        counts = Counter(r[column] for r in LABELS.values())
        row = next(line for line in readme.splitlines() if line.startswith(f"| {column} |"))
        for value, n in counts.items():
            assert f"{value} {n}" in row, (column, value, n, row)


def test_chat_labels_are_balanced_as_the_brief_asks():
    assert len(CALLS) == len(LABELS) >= 32
    per_agent = Counter(r["agent"] for r in LABELS.values())
    assert 8 <= len(per_agent) <= 10
    assert set(per_agent.values()) <= {3, 4}
    deesc = Counter(r["deescalation"] for r in LABELS.values())
    assert all(deesc[v] >= len(LABELS) // 4 for v in ("achieved", "failed", "not_needed"))
    hangup = Counter(r["hangup"] for r in LABELS.values())
    assert all(hangup[v] >= 4 for v in ("agent", "customer", "dropped"))
    assert hangup["none"] > len(LABELS) // 3
    rude = sum(r["disrespect"] == "1" for r in LABELS.values())
    assert 10 <= rude <= 16
    assert {r["empathy"] for r in LABELS.values()} == {"1", "2", "3", "4", "5"}
    # agents span warm to cold
    means = {
        a: sum(int(r["empathy"]) for r in LABELS.values() if r["agent"] == a) / n
        for a, n in per_agent.items()
    }
    assert min(means.values()) < 2 and max(means.values()) > 4


@pytest.mark.parametrize(
    "change, message",
    [
        ("drop_turns", "turns, expected 10-30"),
        ("wrong_agent", "call_id/agent in file differ from labels.csv"),
        ("bad_value", "hangup='timeout' not in"),
    ],
)
def test_chat_validate_reports_a_broken_copy(tmp_path, change, message):
    copy = tmp_path / "chat"
    shutil.copytree(CHAT / "calls", copy / "calls")
    shutil.copy(CHAT / "labels.csv", copy / "labels.csv")
    first = copy / "calls" / "c-01.json"
    call = json.loads(first.read_text(encoding="utf-8"))
    if change == "drop_turns":
        call["turns"] = call["turns"][:5]
    elif change == "wrong_agent":
        call["agent"] = "Jemand Anderes"
    first.write_text(json.dumps(call, ensure_ascii=False), encoding="utf-8")
    if change == "bad_value":
        labels = copy / "labels.csv"
        text = labels.read_text(encoding="utf-8")
        labels.write_text(text.replace(",none,", ",timeout,", 1), encoding="utf-8")
    result = _validate(copy, "--turns", "10-30")
    assert result.returncode == 1
    assert message in result.stdout


@pytest.mark.parametrize("path", CALLS, ids=lambda p: p.stem)
def test_chat_reads_with_labelled_agent_and_both_roles(path):
    (transcript,) = read_path(str(path)).transcripts
    label = LABELS[transcript.call_id]
    assert transcript.agent == label["agent"]
    roles = [t.role for t in transcript.turns]
    assert roles[0] == "agent"
    assert "customer" in roles
    assert all(t.text.strip() for t in transcript.turns)


def _joined(turns) -> list[tuple[str, str]]:
    """One side's consecutive messages as one turn, whitespace normalised."""
    out: list[tuple[str, list[str]]] = []
    for turn in turns:
        if out and out[-1][0] == turn.role:
            out[-1][1].append(turn.text)
        else:
            out.append((turn.role, [turn.text]))
    return [(role, " ".join(" ".join(texts).split())) for role, texts in out]


def test_chat_exports_hold_the_same_chats():
    exported = {t.call_id: t for path in EXPORTS for t in read_path(path).transcripts}
    assert len(EXPORTS) == 2
    assert len(exported) == 8
    for call_id, transcript in exported.items():
        (original,) = read_path(str(CHAT / "calls" / f"{call_id}.json")).transcripts
        assert transcript.agent == LABELS[call_id]["agent"]
        assert transcript.date is not None
        assert _joined(transcript.turns) == _joined(original.turns), call_id


def test_chat_export_evaluates_under_the_same_labels():
    result = run_toneprobe(
        "evaluate",
        str(CHAT / "export"),
        "--labels",
        str(CHAT / "labels.csv"),
        "--format",
        "json",
        "--workers",
        "1",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["n_calls"] == report["n_labelled"] == 8
    assert report["unknown_ids"] == []
    assert len(report["missing_calls"]) == len(LABELS) - 8

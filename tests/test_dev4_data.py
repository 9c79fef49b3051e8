"""data/dev4 (held-out labelled calls and chats, issues 12 and 13): files, labels, balance,
text renders, chat exports, and that no fitting script or make target reads the set.

The set's validator and report run as processes; the calls, renders and exports are read by
toneprobe as a user would (`toneprobe convert`, `evaluate`, the readers).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.cli import run_toneprobe
from toneprobe.readers import iter_input_files, read_path

ROOT = Path(__file__).resolve().parents[1]
DEV4 = ROOT / "data" / "dev4"
VALIDATE = ROOT / "data" / "dev2" / "validate.py"
REPORT = DEV4 / "report.py"
ROWS = list(csv.DictReader((DEV4 / "labels.csv").open(encoding="utf-8", newline="")))
LABELS = {r["call_id"]: r for r in ROWS}
APOLOGY = list(csv.DictReader((DEV4 / "apology.csv").open(encoding="utf-8", newline="")))
CALLS = sorted((DEV4 / "calls").glob("h*.json"))
PHONE = [p for p in CALLS if p.stem.startswith("hp-")]
CHATS = [p for p in CALLS if p.stem.startswith("hc-")]
TEXTS = sorted((DEV4 / "text").glob("hp-*.txt"))
EXPORTS = iter_input_files([str(DEV4 / "export")])


def _validate(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(VALIDATE), str(root), "--turns", "10-30"],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_dev4_validator_passes_and_counts_match_the_readme():
    result = _validate(DEV4)
    assert result.returncode == 0, result.stdout
    n_turns = sum(len(json.loads(p.read_text(encoding="utf-8"))["turns"]) for p in CALLS)
    first = result.stdout.splitlines()[0]
    assert first == f"OK: {len(ROWS)} calls, {n_turns} turns, {len(TEXTS)} text renders"
    readme = (DEV4 / "README.md").read_text(encoding="utf-8")
    for column in ("deescalation", "hangup", "disrespect", "empathy"):
        row = next(line for line in readme.splitlines() if line.startswith(f"| {column} |"))
        for value, n in Counter(r[column] for r in ROWS).items():
            assert f"{value}: {n}" in row or f"{value} {n}" in row, (column, value, n, row)


def test_dev4_validator_names_a_broken_copy(tmp_path):
    copy = tmp_path / "dev4"
    shutil.copytree(DEV4, copy)
    (copy / "calls" / "hc-03.json").unlink()
    labels = (copy / "labels.csv").read_text(encoding="utf-8")
    (copy / "labels.csv").write_text(
        labels.replace("hp-07,Torben Claußen,not_needed,none", "hp-07,Torben Claußen,calm,none"),
        encoding="utf-8",
    )
    result = _validate(copy)
    assert result.returncode == 1
    assert "hc-03: label without file" in result.stdout
    assert "hp-07: deescalation='calm' not in" in result.stdout


def test_dev4_mix_agents_and_label_balance():
    assert len(CALLS) == len(ROWS) == 32
    assert (len(PHONE), len(CHATS)) == (18, 14)
    assert {r["call_id"] for r in ROWS} == {p.stem for p in CALLS}
    per_agent = Counter(r["agent"] for r in ROWS)
    assert len(per_agent) == 8
    assert set(per_agent.values()) <= {3, 4, 5}
    deesc = Counter(r["deescalation"] for r in ROWS)
    assert all(deesc[v] >= 8 for v in ("achieved", "failed", "not_needed")), deesc
    hangup = Counter(r["hangup"] for r in ROWS)
    assert hangup["none"] > len(ROWS) / 2
    assert min(hangup["agent"], hangup["customer"], hangup["dropped"]) >= 4, hangup
    assert 10 <= Counter(r["disrespect"] for r in ROWS)["1"] <= 14
    empathy = Counter(r["empathy"] for r in ROWS)
    assert all(empathy[g] >= 4 for g in "12345"), empathy
    means = {
        agent: sum(int(r["empathy"]) for r in ROWS if r["agent"] == agent) / n
        for agent, n in per_agent.items()
    }
    assert min(means.values()) < 2 and max(means.values()) > 4.5  # cold to warm
    # every phone agent is on the phone only, every chat agent in chats only
    for agent in per_agent:
        kinds = {r["call_id"][:2] for r in ROWS if r["agent"] == agent}
        assert len(kinds) == 1, agent


def test_dev4_apology_labels_cover_every_call_once():
    assert [r["call_id"] for r in APOLOGY] == [r["call_id"] for r in ROWS]
    assert {r["apology"] for r in APOLOGY} == {"0", "1"}
    assert 6 <= sum(r["apology"] == "1" for r in APOLOGY) <= 12


@pytest.mark.parametrize("path", CALLS, ids=lambda p: p.stem)
def test_dev4_call_reads_with_labelled_agent_and_both_roles(path):
    (transcript,) = read_path(str(path)).transcripts
    assert transcript.agent == LABELS[transcript.call_id]["agent"]
    roles = [t.role for t in transcript.turns]
    assert roles[0] == "agent" and "customer" in roles
    low = 12 if path.stem.startswith("hp-") else 10
    assert low <= len(roles) <= 30


def test_dev4_text_renders_read_back_like_the_json_calls():
    assert [p.stem for p in TEXTS] == ["hp-02", "hp-04", "hp-08", "hp-16"]
    result = run_toneprobe("convert", str(DEV4 / "text"))
    assert result.returncode == 0, result.stderr
    converted = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [c["call_id"] for c in converted] == [p.stem for p in TEXTS]
    for call in converted:
        original = json.loads((DEV4 / "calls" / f"{call['call_id']}.json").read_text("utf-8"))
        got = [(t["role"], t["text"]) for t in call["turns"]]
        assert got == [(t["role"], t["text"]) for t in original["turns"]], call["call_id"]


def test_dev4_chat_exports_hold_the_same_chats_message_for_message():
    assert sorted(Path(p).name for p in EXPORTS) == [
        "helpdesk-export.jsonl",
        "livechat-dezember.csv",
    ]
    exported = {t.call_id: t for path in EXPORTS for t in read_path(path).transcripts}
    assert sorted(exported) == ["hc-02", "hc-04", "hc-07", "hc-12"]
    for call_id, transcript in exported.items():
        (original,) = read_path(str(DEV4 / "calls" / f"{call_id}.json")).transcripts
        assert transcript.agent == LABELS[call_id]["agent"]
        got = [(t.role, t.text) for t in transcript.turns]
        assert got == [(t.role, t.text) for t in original.turns], call_id


def test_dev4_every_call_evaluates_under_its_label():
    result = run_toneprobe(
        "evaluate",
        str(DEV4 / "calls"),
        "--labels",
        str(DEV4 / "labels.csv"),
        "--format",
        "json",
        "--quiet",
        "--workers",
        "1",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["n_calls"] == report["n_labelled"] == 32
    assert report["unknown_ids"] == [] and report["missing_calls"] == []
    assert {a["agent"] for a in report["agents"]} == {r["agent"] for r in ROWS}


def test_dev4_report_gives_every_figure_per_part():
    result = subprocess.run(
        [sys.executable, str(REPORT), "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    parts = json.loads(result.stdout)
    assert {name: row["n"] for name, row in parts.items()} == {
        "all (calls/)": 32,
        "phone (calls/hp-*)": 18,
        "chat (calls/hc-*)": 14,
        "text renders (text/)": 4,
        "chat exports (export/)": 4,
    }
    for name in ("all (calls/)", "phone (calls/hp-*)", "chat (calls/hc-*)"):
        row = parts[name]
        for key in ("deescalation_f1", "hangup_f1", "disrespect_f1", "apology_f1"):
            assert 0.0 <= row[key] <= 1.0, (name, key)
        for key in ("spearman_calls", "spearman_agents"):
            assert -1.0 <= row[key] <= 1.0, (name, key)


def test_dev4_is_held_out_no_fitting_script_or_make_target_reads_it():
    readers = [ROOT / "Makefile", *sorted((ROOT / "scripts").glob("*.py"))]
    readers += sorted((ROOT / "src" / "toneprobe").rglob("*.py"))
    for path in readers:
        assert not re.search(r"\bdev4\b", path.read_text(encoding="utf-8")), path
    assert "held-out" in (DEV4 / "README.md").read_text(encoding="utf-8")

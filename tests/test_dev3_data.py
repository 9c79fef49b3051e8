"""data/dev3 (labelled phone calls, issue 13): files, labels, balance and text renders.

The set's own validator runs as a process (and must catch a broken copy); the calls and their
plain-text renders are read by toneprobe as a user would (`toneprobe convert`).
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.cli import run_toneprobe

ROOT = Path(__file__).resolve().parents[1]
DEV3 = ROOT / "data" / "dev3"
VALIDATE = ROOT / "data" / "dev2" / "validate.py"
ROWS = list(csv.DictReader((DEV3 / "labels.csv").open(encoding="utf-8", newline="")))
CALLS = sorted((DEV3 / "calls").glob("p-*.json"))
TEXTS = sorted((DEV3 / "text").glob("p-*.txt"))


def _validate(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(VALIDATE), str(root)], capture_output=True, text=True, timeout=60
    )


def test_dev3_validator_passes_and_counts_every_file():
    result = _validate(DEV3)
    assert result.returncode == 0, result.stdout
    first = result.stdout.splitlines()[0]
    n_turns = sum(len(json.loads(p.read_text(encoding="utf-8"))["turns"]) for p in CALLS)
    assert first == f"OK: {len(ROWS)} calls, {n_turns} turns, {len(TEXTS)} text renders"


def test_dev3_validator_names_a_broken_copy(tmp_path):
    copy = tmp_path / "dev3"
    shutil.copytree(DEV3, copy)
    (copy / "calls" / "p-05.json").unlink()
    labels = (copy / "labels.csv").read_text(encoding="utf-8")
    (copy / "labels.csv").write_text(
        labels.replace("p-12,Jo Petersen,not_needed,none", "p-12,Jo Petersen,not_needed,hungup"),
        encoding="utf-8",
    )
    result = _validate(copy)
    assert result.returncode == 1
    assert "p-05: label without file" in result.stdout
    assert "p-12: hangup='hungup'" in result.stdout
    assert "p-05.txt" not in result.stdout  # p-05 has no text render
    (copy / "text" / "p-99.txt").write_text("Agent: Guten Tag.\nKunde: Hallo.\n", encoding="utf-8")
    assert "p-99.txt: text render without a labelled call" in _validate(copy).stdout


def test_dev3_size_agents_and_label_balance():
    assert len(ROWS) == len(CALLS) >= 32
    assert {r["call_id"] for r in ROWS} == {p.stem for p in CALLS}
    per_agent = Counter(r["agent"] for r in ROWS)
    assert 8 <= len(per_agent) <= 10
    assert set(per_agent.values()) <= {3, 4}
    deesc = Counter(r["deescalation"] for r in ROWS)
    for outcome in ("achieved", "failed", "not_needed"):
        assert len(ROWS) / 4 <= deesc[outcome] <= len(ROWS) / 2, deesc
    hangup = Counter(r["hangup"] for r in ROWS)
    assert hangup["none"] > len(ROWS) / 2
    assert min(hangup["agent"], hangup["customer"], hangup["dropped"]) >= 4, hangup
    assert 12 <= Counter(r["disrespect"] for r in ROWS)["1"] <= 14
    empathy = Counter(r["empathy"] for r in ROWS)
    assert all(empathy[g] >= 4 for g in "12345"), empathy
    means = {
        agent: sum(int(r["empathy"]) for r in ROWS if r["agent"] == agent) / n
        for agent, n in per_agent.items()
    }
    assert min(means.values()) < 2 and max(means.values()) > 4.5  # warm to cold


def test_dev3_calls_are_12_to_30_turns_both_roles_agent_opens():
    for path in CALLS:
        call = json.loads(path.read_text(encoding="utf-8"))
        roles = [t["role"] for t in call["turns"]]
        assert 12 <= len(roles) <= 30, path.name
        assert roles[0] == "agent" and "customer" in roles, path.name


def test_dev3_text_renders_read_back_like_the_json_calls():
    assert len(TEXTS) == 8
    result = run_toneprobe("convert", str(DEV3 / "text"))
    assert result.returncode == 0, result.stderr
    converted = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [c["call_id"] for c in converted] == [p.stem for p in TEXTS]
    for call in converted:
        original = json.loads((DEV3 / "calls" / f"{call['call_id']}.json").read_text("utf-8"))
        got = [(t["role"], t["text"]) for t in call["turns"]]
        assert got == [(t["role"], t["text"]) for t in original["turns"]], call["call_id"]


def test_dev3_every_call_scores_and_matches_a_label():
    result = run_toneprobe(
        "evaluate",
        str(DEV3 / "calls"),
        "--labels",
        str(DEV3 / "labels.csv"),
        "--format",
        "json",
        "--quiet",
        "--workers",
        "1",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["n_calls"] == report["n_labelled"] == len(ROWS)
    assert report["unknown_ids"] == [] and report["missing_calls"] == []

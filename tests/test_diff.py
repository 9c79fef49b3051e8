"""`toneprobe diff`: two real scorings of the sample calls, one rule overridden in the second.

What changed is worked out here independently, straight from the two JSONL files, and the
command has to name exactly those calls.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from cli import run_toneprobe

from toneprobe.diff import (
    CallRef,
    CallSummary,
    check_conditions,
    diff_scorings,
    parse_condition,
)
from toneprobe.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_transcripts"

# A house rule that only accepts "auf Wiederhören/Wiedersehen" as a farewell: it replaces the
# built-in respect.farewell.v2, so calls that end with "schönen Tag noch" lose that finding.
STRICT_FAREWELL = """\
detector: respect
version: 1
rules:
  - id: respect.farewell.v2
    description: The agent takes leave with "auf Wiederhören" (a stricter house rule).
    polarity: positive
    kind: farewell
    weight: 0.3
    regex:
      - '\\bauf\\s+wieder(hören|sehen)\\b'
    examples:
      - "Vielen Dank für Ihren Anruf, auf Wiederhören."
    counterexamples:
      - "Dann noch einen schönen Tag."
"""


@pytest.fixture(scope="module")
def scorings(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("diff")
    rules = tmp / "rules"
    rules.mkdir()
    (rules / "respect.yaml").write_text(STRICT_FAREWELL, encoding="utf-8")
    old, new = tmp / "old.jsonl", tmp / "new.jsonl"
    for out, extra in ((old, []), (new, ["--rules", str(rules)])):
        proc = run_toneprobe(
            "score", str(SAMPLES), "--format", "jsonl", "-o", str(out), "-j", "2", "-q", *extra
        )
        assert proc.returncode == 0, proc.stderr
    return old, new


def load(path: Path) -> dict[tuple[str, str], dict]:
    recs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {(r["source"], r["call_id"]): r for r in recs}


def findings_of(rec: dict) -> Counter:
    return Counter((f["rule_id"], f["turn"], f["start"], f["end"]) for f in rec["findings"])


OUTCOME = {
    "deescalation": lambda r: r["deescalation"]["outcome"],
    "hangup": lambda r: r["hangup"]["outcome"],
    "disrespect": lambda r: "yes" if r["respect"]["disrespect"] else "no",
}


def diff_json(*args: str) -> dict:
    proc = run_toneprobe("diff", *args, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def keys(calls: list[dict]) -> set[tuple[str, str]]:
    return {(c["source"], c["call_id"]) for c in calls}


def test_diff_names_exactly_the_calls_the_rule_change_moved(scorings):
    old_path, new_path = scorings
    old, new = load(old_path), load(new_path)
    assert old.keys() == new.keys() and len(old) == 44
    changed_findings = {k for k in old if findings_of(old[k]) != findings_of(new[k])}
    changed_outcome = {
        det: {k for k in old if get(old[k]) != get(new[k])} for det, get in OUTCOME.items()
    }
    score_diff = {k for k in old if old[k]["empathy_score"] != new[k]["empathy_score"]}
    expected = changed_findings | score_diff | set().union(*changed_outcome.values())
    assert 0 < len(expected) < len(old), "the override must change some calls, not all"

    doc = diff_json(str(old_path), str(new_path), "--threshold", "0")
    assert keys(doc["changed_calls"]) == expected
    assert doc["calls"] == {"old": 44, "new": 44, "in_both": 44, "changed": len(expected)}
    for det in OUTCOME:
        assert keys(doc["outcomes"][det]["calls"]) == changed_outcome[det]
        matrix = doc["outcomes"][det]["matrix"]
        assert sum(sum(row.values()) for row in matrix.values()) == 44
        for call in doc["outcomes"][det]["calls"]:
            k = (call["source"], call["call_id"])
            assert (call["old"], call["new"]) == (OUTCOME[det](old[k]), OUTCOME[det](new[k]))
    assert keys(doc["changed_outcomes"]["calls"]) == set().union(*changed_outcome.values())
    # threshold 0: every call whose score differs at all
    assert keys(doc["score_moves"]["calls"]) == score_diff
    # findings per rule id, counted from the files
    vanished, appeared = Counter(), Counter()
    vanished_in: dict[str, set] = {}
    for k in old:
        before, after = findings_of(old[k]), findings_of(new[k])
        for (rule, *_), n in (before - after).items():
            vanished[rule] += n
            vanished_in.setdefault(rule, set()).add(k)
        for (rule, *_), n in (after - before).items():
            appeared[rule] += n
    assert vanished["respect.farewell.v2"] > 0
    got = {r["rule_id"]: r for r in doc["findings"]}
    assert set(got) == set(vanished) | set(appeared)
    for rule, r in got.items():
        assert (r["vanished"], r["appeared"]) == (vanished[rule], appeared[rule])
        assert keys(r["vanished_calls"]) == vanished_in.get(rule, set())
    assert doc["only_old"] == [] and doc["only_new"] == []


def test_diff_threshold_lists_only_the_larger_moves(scorings):
    old, new = (load(p) for p in scorings)
    moves = {k: abs(new[k]["empathy_score"] - old[k]["empathy_score"]) for k in old}
    doc = diff_json(*map(str, scorings))  # default threshold: 5 points
    assert doc["score_moves"]["threshold"] == 5.0
    assert keys(doc["score_moves"]["calls"]) == {k for k, d in moves.items() if d > 5.0 + 1e-9}
    assert doc["score_moves"]["max_move"] == pytest.approx(max(moves.values()), abs=0.05)


def test_diff_agents_shift_is_the_mean_of_their_call_moves(scorings):
    old, new = (load(p) for p in scorings)
    doc = diff_json(*map(str, scorings))
    for agent in doc["agents"]:
        deltas = [
            new[k]["empathy_score"] - old[k]["empathy_score"]
            for k in old
            if new[k]["agent"] == agent["agent"]
        ]
        assert agent["paired_calls"] == len(deltas)
        assert agent["shift"] == pytest.approx(sum(deltas) / len(deltas), abs=0.051)
        lo, hi = agent["shift_ci95"]
        assert lo <= agent["shift"] <= hi
        assert agent["old"]["calls"] == agent["new"]["calls"] == len(deltas)


def test_diff_calls_in_one_file_only_are_listed_and_fail_on_them(scorings, tmp_path):
    old_path, new_path = scorings
    lines = new_path.read_text(encoding="utf-8").splitlines()
    dropped = [json.loads(lines[i]) for i in (3, 10)]
    extra = json.loads(lines[0])
    extra["call_id"] = "call_neu_001"
    kept = [line for i, line in enumerate(lines) if i not in (3, 10)] + [json.dumps(extra)]
    partial = tmp_path / "partial.jsonl"
    partial.write_text("\n".join(kept) + "\n", encoding="utf-8")

    doc = diff_json(str(old_path), str(partial))
    assert keys(doc["only_old"]) == keys(dropped)
    assert keys(doc["only_new"]) == {(extra["source"], "call_neu_001")}
    assert doc["calls"] == {"old": 44, "new": 43, "in_both": 42, "changed": doc["calls"]["changed"]}

    proc = run_toneprobe("diff", str(old_path), str(partial), "--fail-on", "only_old>0")
    assert proc.returncode == 1
    assert "fail-on: only_old>0: 2" in proc.stderr
    for rec in dropped:  # the table lists them too
        assert rec["call_id"] in proc.stdout
    assert "call_neu_001" in proc.stdout
    assert (
        run_toneprobe("diff", str(old_path), str(partial), "--fail-on", "only_old>2").returncode
        == 0
    )


def test_diff_fail_on_changed_outcomes_share(scorings):
    old, new = (load(p) for p in scorings)
    changed = sum(any(g(old[k]) != g(new[k]) for g in OUTCOME.values()) for k in old)
    share = 100 * changed / len(old)
    assert changed > 0
    below, above = f"changed_outcomes>{share - 0.5:.1f}%", f"changed_outcomes>{share + 0.5:.1f}%"
    hit = run_toneprobe("diff", *map(str, scorings), "--fail-on", above, "--fail-on", below)
    assert hit.returncode == 1
    assert f"fail-on: {below}: {share:.1f} % ({changed} of 44)" in hit.stderr
    assert above not in hit.stderr
    miss = run_toneprobe("diff", *map(str, scorings), "--fail-on", above, "-F", "json")
    assert miss.returncode == 0
    assert json.loads(miss.stdout)["fail_on"] == [
        {"condition": above, "value": round(share, 2), "count": changed, "of": 44, "holds": False}
    ]


def test_diff_of_a_scoring_with_itself_changes_nothing(scorings):
    old_path, _ = scorings
    proc = run_toneprobe(
        "diff", str(old_path), str(old_path), "--fail-on", "changed_calls>0", "-F", "json"
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert (
        doc["calls"]["changed"] == 0 and doc["findings"] == [] and doc["score_moves"]["count"] == 0
    )
    assert all(a["shift"] == 0 for a in doc["agents"])


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_diff_table_and_markdown_name_the_changed_calls(scorings, fmt):
    old, new = (load(p) for p in scorings)
    hangup_changed = sorted(
        k[1] for k in old if OUTCOME["hangup"](old[k]) != OUTCOME["hangup"](new[k])
    )
    assert hangup_changed
    proc = run_toneprobe("diff", *map(str, scorings), "--format", fmt)
    assert proc.returncode == 0, proc.stderr
    assert "respect.farewell.v2" in proc.stdout
    line = next(ln for ln in proc.stdout.splitlines() if "hangup: old outcome" in ln)
    assert sorted(line.split("changed: ")[1].strip().split(", ")) == hangup_changed
    if fmt == "markdown":
        assert "| old none |" in proc.stdout


def test_diff_bad_jsonl_line_is_one_line_naming_file_and_line(scorings, tmp_path):
    lines = scorings[1].read_text(encoding="utf-8").splitlines()
    lines[6] = lines[6][: len(lines[6]) // 2]
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run_toneprobe("diff", str(scorings[0]), str(broken))
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"Error: {broken}:7: not valid JSON")
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "condition,message",
    [
        ("changed_outcomes>>5", "expected NAME OP NUMBER[%]"),
        ("changed_outcome>5%", "unknown name 'changed_outcome'"),
        ("max_score_move>5%", "no % here"),
    ],
)
def test_diff_malformed_condition_is_exit_2(scorings, condition, message):
    proc = run_toneprobe("diff", *map(str, scorings), "--fail-on", condition)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        next(ln for ln in proc.stderr.splitlines() if ln.startswith("Error:"))
    ]
    assert message in proc.stderr and condition in proc.stderr


def _call(cid: str, agent: str, score: float, hangup: str = "none", rules=()) -> CallSummary:
    return CallSummary(
        CallRef(f"calls/{cid}.json", cid),
        agent,
        score,
        ("not_needed", hangup, "no"),
        tuple(sorted((r, 1, 0, 5) for r in rules)),
    )


def test_diff_agent_shift_interval_is_a_paired_t_interval():
    old = [
        _call("a", "Jana Krüger", 50),
        _call("b", "Jana Krüger", 60),
        _call("c", "Jana Krüger", 70),
    ]
    new = [
        _call("a", "Jana Krüger", 60),
        _call("b", "Jana Krüger", 72),
        _call("c", "Jana Krüger", 78),
    ]
    (agent,) = diff_scorings(old, new).agents
    # differences 10, 12, 8: mean 10, sd 2, t(2) = 4.303 -> 10 ± 4.97
    assert agent.shift == 10.0 and agent.shift_ci95 == (5.0, 15.0)
    assert agent.paired_calls == 3


def test_diff_duplicate_records_count_once_and_are_reported():
    old = [_call("a", "Lea Brandt", 50), _call("a", "Lea Brandt", 55)]
    d = diff_scorings(old, [_call("a", "Lea Brandt", 55)])
    assert d.duplicates_old == 1 and d.matched == 1 and d.changed_calls == ()


@pytest.mark.parametrize(
    "text,holds",
    [("score_moved>0", True), ("score_moved>1", False), ("score_moved>=50%", True),
     ("findings_vanished==1", True), ("findings_appeared>0", False), ("changed_hangup<1", False)],
)  # fmt: skip
def test_diff_conditions_on_a_small_diff(text, holds):
    old = [
        _call("a", "Lea Brandt", 50, rules=["respect.farewell.v2"]),
        _call("b", "Lea Brandt", 70),
    ]
    new = [_call("a", "Lea Brandt", 40, hangup="agent"), _call("b", "Lea Brandt", 70)]
    (result,) = check_conditions(diff_scorings(old, new), [parse_condition(text)])
    assert result.holds is holds


def test_diff_parse_condition_rejects_unknown_names():
    with pytest.raises(ConfigError, match="unknown name 'outcomes'"):
        parse_condition("outcomes>1")

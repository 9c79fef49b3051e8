"""`toneprobe score`, `explain` and `rules` run as real processes on real files."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from cli import run_toneprobe

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_transcripts"


run = run_toneprobe


def test_score_json_covers_every_sample_call():
    proc = run("score", str(SAMPLES), "--format", "json", "--model", "fake")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    labels = list(csv.DictReader((SAMPLES / "labels.csv").open(encoding="utf-8")))
    assert doc["schema_version"] == 1
    assert {c["call_id"] for c in doc["calls"]} == {r["call_id"] for r in labels}
    assert len(doc["agents"]) >= 6
    assert doc["errors"] == []
    for call in doc["calls"]:
        assert 0 <= call["empathy_score"] <= 100
        assert call["deescalation"]["outcome"] in {"achieved", "failed", "not_needed"}
        assert call["hangup"]["outcome"] in {"none", "agent", "customer", "dropped"}
        for f in call["findings"]:
            assert {
                "detector",
                "rule_id",
                "turn",
                "speaker",
                "start",
                "end",
                "text",
                "weight",
                "explanation",
            } <= set(f)
    assert "scored 44 calls" in proc.stderr


def test_score_skips_a_broken_file_and_scores_the_rest(tmp_path):
    shutil.copy(SAMPLES / "json" / "call_001.json", tmp_path / "good.json")
    (tmp_path / "broken.json").write_text('{"call_id": "x", "turns": [', encoding="utf-8")
    proc = run("score", str(tmp_path), "--format", "json", "--model", "fake")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [c["call_id"] for c in doc["calls"]] == ["call_001"]
    assert len(doc["errors"]) == 1 and doc["errors"][0]["source"].endswith("broken.json")
    assert "skipped" in proc.stderr and "broken.json" in proc.stderr
    assert "Traceback" not in proc.stderr
    strict = run("score", str(tmp_path), "--format", "json", "--model", "fake", "--strict")
    assert strict.returncode == 2


def test_score_single_bad_file_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "leer.txt"
    bad.write_bytes(b"")
    proc = run("score", str(bad), "--model", "fake")
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert "leer.txt" in proc.stderr and "Traceback" not in proc.stderr


def test_score_csv_by_call_has_one_row_per_call(tmp_path):
    out = tmp_path / "scores.csv"
    proc = run(
        "score", str(SAMPLES / "json"), "--format", "csv", "--output", str(out), "--model", "fake"
    )
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == len(list((SAMPLES / "json").glob("*.json")))
    assert {
        "call_id",
        "agent",
        "empathy_score",
        "deescalation_outcome",
        "hangup_outcome",
        "disrespect",
        "warmth_score",
        "tone_score",
    } <= set(rows[0])
    # the move model reads every call with agent turns: the tone component applies
    assert all(0.0 <= float(r["tone_score"]) <= 100.0 for r in rows)


def test_score_markdown_agent_table():
    proc = run("score", str(SAMPLES / "text"), "--format", "markdown", "--model", "fake")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("| agent | calls | empathy_score")


def test_explain_shows_turns_findings_and_the_score():
    proc = run("explain", str(SAMPLES / "json" / "call_002.json"), "--model", "fake")
    assert proc.returncode == 0, proc.stderr
    assert "How the score was reached" in proc.stdout
    assert "empathy_score = weighted mean" in proc.stdout
    assert ".v1" in proc.stdout  # rule ids of the findings
    # the tone component explains itself by its warmest and coldest sentence
    assert "tone: " in proc.stdout and "agent-move model over" in proc.stdout
    assert "    warmest: turn " in proc.stdout and "    coldest: turn " in proc.stdout


def test_rules_json_lists_every_rule_with_an_example():
    proc = run("rules", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    rules = json.loads(proc.stdout)["rules"]
    assert len(rules) >= 30
    assert all(r["example"] and r["description"] for r in rules)
    assert {"respect", "empathy", "hangup", "deescalation"} == {r["detector"] for r in rules}


def test_score_user_rules_override_builtin(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "extra.yaml").write_text(
        """detector: respect
rules:
  - id: respect.house_words.v1
    description: Words our QA lead does not want to hear.
    polarity: negative
    weight: 0.9
    regex: ['\\bkeine ahnung\\b', '\\bnullachtfünfzehn\\b']
    examples: ["Das ist doch nullachtfünfzehn."]
""",
        encoding="utf-8",
    )
    call = tmp_path / "c.txt"
    call.write_text(
        "Agent: Guten Tag.\nKunde: Ist der Tarif gut?\nAgent: Der ist nullachtfünfzehn.\n",
        encoding="utf-8",
    )
    proc = run("score", str(call), "--format", "json", "--model", "fake", "--rules", str(rules))
    assert proc.returncode == 0, proc.stderr
    ids = {f["rule_id"] for f in json.loads(proc.stdout)["calls"][0]["findings"]}
    assert "respect.house_words.v1" in ids
    broken = tmp_path / "broken_rules"
    broken.mkdir()
    (broken / "x.yaml").write_text(
        "detector: respect\nrules:\n  - id: respect.x.v1\n    weight: 3\n", encoding="utf-8"
    )
    bad = run("score", str(call), "--model", "fake", "--rules", str(broken))
    assert bad.returncode == 2
    assert "x.yaml" in bad.stderr and "respect.x.v1" in bad.stderr and "Traceback" not in bad.stderr


def test_score_reads_toneprobe_toml_aliases_and_rejects_unknown_keys(tmp_path):
    (tmp_path / "toneprobe.toml").write_text(
        '[aliases]\n"Jana Krüger" = "J. Krüger (Team Nord)"\n', encoding="utf-8"
    )
    proc = run("score", str(SAMPLES / "json"), "--format", "json", "--model", "fake", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    agents = {a["agent"] for a in json.loads(proc.stdout)["agents"]}
    assert "J. Krüger (Team Nord)" in agents and "Jana Krüger" not in agents
    (tmp_path / "toneprobe.toml").write_text("[weights]\nrespekt = 0.9\n", encoding="utf-8")
    bad = run("score", str(SAMPLES / "json"), "--model", "fake", cwd=tmp_path)
    assert bad.returncode == 2
    assert "toneprobe.toml: weights.respekt" in bad.stderr and "Traceback" not in bad.stderr


def test_score_merges_the_files_of_one_genesys_conversation(tmp_path):
    doc = json.loads((SAMPLES / "genesys" / "call_008.json").read_text(encoding="utf-8"))
    phrases = doc["transcripts"][0]["phrases"]
    half = len(phrases) // 2
    for i, part in enumerate((phrases[:half], phrases[half:])):
        piece = json.loads(json.dumps(doc))
        piece["transcripts"][0]["phrases"] = part
        piece["communicationId"] = f"{doc.get('communicationId', 'comm')}-{i}"
        (tmp_path / f"part{i}.json").write_text(
            json.dumps(piece, ensure_ascii=False), encoding="utf-8"
        )
    proc = run("score", str(tmp_path), "--format", "json", "--model", "fake")
    assert proc.returncode == 0, proc.stderr
    calls = json.loads(proc.stdout)["calls"]
    whole = run(
        "score", str(SAMPLES / "genesys" / "call_008.json"), "--format", "json", "--model", "fake"
    )
    (expected,) = json.loads(whole.stdout)["calls"]
    assert len(calls) == 1
    assert calls[0]["n_turns"] == expected["n_turns"]


def test_score_empty_directory_is_an_error(tmp_path):
    proc = run("score", str(tmp_path), "--model", "fake")
    assert proc.returncode == 2
    assert "no transcript files found" in proc.stderr and "Traceback" not in proc.stderr

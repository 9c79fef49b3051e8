"""Apologies as real agents write and say them (issue 13), through ``toneprobe score`` run as a
process on call files: the finding names its rule, turn and exact words; quoted and reported
apologies, the customer's apology, courtesy openers and apology-shaped refusals give none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli import run_toneprobe

CUSTOMER = "Ich warte jetzt seit drei Wochen auf meine Gutschrift, das ist doch nicht normal!"


def _call(call_id: str, *agent_lines: str) -> dict:
    turns = [{"role": "customer", "text": CUSTOMER}]
    turns += [{"role": "agent", "text": line} for line in agent_lines]
    return {
        "call_id": call_id,
        "agent": "Frau Lindner",
        "customer": "Herr Albrecht",
        "turns": turns,
    }


CALLS = {
    # positives: the exact words of the apology or ownership, the rule that finds them
    "kappe": (
        _call("kappe", "Die Gutschrift ist bei uns liegen geblieben, das geht auf unsere Kappe."),
        {(1, "respect.own_mistake.v2", "auf unsere Kappe")},
    ),
    "formal": (
        _call("formal", "Für diese Verzögerung bitte ich Sie in aller Form um Entschuldigung."),
        {(1, "respect.apology.v2", "bitte ich Sie in aller Form um Entschuldigung")},
    ),
    "asr": (
        _call("asr", "ähm ja also das tut mir wirklich leid für sie dass das so lange dauert"),
        {(1, "respect.apology.v2", "tut mir wirklich leid")},
    ),
    "second_turn": (
        _call(
            "second_turn",
            "Einen Moment, ich schaue nach.",
            "Mea culpa, die Buchung hab ich falsch angelegt.",
        ),
        {(2, "respect.own_mistake.v2", "Mea culpa")},
    ),
    # near-misses: no apology finding at all
    "quoted": (
        _call("quoted", "Sie sagten vorhin, ein ‚tut mir leid‘ bringe Ihnen gar nichts."),
        set(),
    ),
    "courtesy": (_call("courtesy", "Entschuldigen Sie, wie lautet Ihre Kundennummer?"), set()),
    "refusal": (_call("refusal", "Tut mir leid, aber da können wir nichts machen."), set()),
    "not_needed": (
        _call("not_needed", "Sie müssen sich doch nicht entschuldigen, Herr Albrecht."),
        set(),
    ),
    "sache": (
        _call("sache", "Das tut nichts zur Sache, ich brauche nur die Vorgangsnummer."),
        set(),
    ),
}


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("apology") / "calls"
    folder.mkdir()
    for call_id, (call, _) in CALLS.items():
        (folder / f"{call_id}.json").write_text(json.dumps(call, ensure_ascii=False), "utf-8")
    customer = {
        "call_id": "customer_sorry",
        "agent": "Frau Lindner",
        "turns": [
            {"role": "agent", "text": "Guten Tag, was kann ich für Sie tun?"},
            {"role": "customer", "text": "Entschuldigung, dass ich vorhin so laut geworden bin."},
            {"role": "agent", "text": "Schon gut, die Gutschrift ist heute rausgegangen."},
        ],
    }
    (folder / "customer_sorry.json").write_text(json.dumps(customer, ensure_ascii=False), "utf-8")
    proc = run_toneprobe("score", str(folder), "--format", "jsonl", "-q")
    assert proc.returncode == 0, proc.stderr
    return {c["call_id"]: c for c in map(json.loads, proc.stdout.splitlines())}


def _apologies(call: dict) -> list[dict]:
    return [f for f in call["findings"] if f["kind"] == "apology"]


@pytest.mark.parametrize("call_id", [c for c, (_, want) in CALLS.items() if want])
def test_issue_13_apology_finding_names_rule_turn_and_words(scored, call_id):
    call, want = CALLS[call_id]
    found = _apologies(scored[call_id])
    got = {(f["turn"], f["rule_id"], f["text"]) for f in found if ".model." not in f["rule_id"]}
    assert want <= got, found
    for f in found:
        text = call["turns"][f["turn"]]["text"]
        assert text[f["start"] : f["end"]] == f["text"]
        assert f["rule_id"] in f["explanation"]
    assert scored[call_id]["respect"]["apology"]


@pytest.mark.parametrize("call_id", [c for c, (_, want) in CALLS.items() if not want])
def test_issue_13_apology_near_miss_gives_no_apology(scored, call_id):
    assert not _apologies(scored[call_id])
    assert not scored[call_id]["respect"]["apology"]


def test_issue_13_customer_apology_is_not_the_agents(scored):
    call = scored["customer_sorry"]
    assert not _apologies(call)
    assert not call["respect"]["apology"]


def test_apology_rules_listed_with_their_file():
    proc = run_toneprobe("rules", "--detector", "respect", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    rows = {r["id"]: r for r in json.loads(proc.stdout)["rules"]}
    for rule in ("respect.apology.v2", "respect.own_mistake.v2"):
        assert rows[rule]["file"].endswith("rules/de/respect.yaml")
    assert "respect.apology.v1" not in rows


def test_apology_move_guard_must_name_a_rule(tmp_path: Path):
    from toneprobe.detectors.moves import MoveRule, move_guards
    from toneprobe.errors import ConfigError
    from toneprobe.rules import load_rules

    move = MoveRule(
        id="empathy.model.apology_ownership.v1",
        move="apology_ownership",
        detector="empathy",
        polarity="positive",
        kind="apology",
        weight=0.5,
        threshold=0.85,
        guard="respect.apology.v9",
        description="The agent apologises (model)",
        example="Das tut mir leid.",
    )
    with pytest.raises(
        ConfigError, match=r"data/moves.yaml: empathy.model.apology_ownership.v1: guard"
    ):
        move_guards([move], load_rules())
    good = move.model_copy(update={"guard": "respect.apology.v2"})
    guards = move_guards([good], load_rules())
    assert any(g.search("Entschuldigen Sie, wie war Ihr Name?") for g in guards[good.id])

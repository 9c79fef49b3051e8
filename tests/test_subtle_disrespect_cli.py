"""Issue 13, subtle disrespect: weary impatience with a customer who asks again
(``respect.weary_repeat.v1``), through the CLI on real chat files, next to the respectful reply
of the same chat. Every sentence here was written for this test."""

from __future__ import annotations

import json

import pytest
from cli import run_toneprobe

OPENING = "Hallo, hier ist Merle vom Kundenservice der Stadtwerke Auental. Wie kann ich helfen?"
ASK = "Ich habe vor zwei Wochen eine Erstattung beantragt und immer noch nichts bekommen."
AGAIN = "Ich frage jetzt zum dritten Mal: Wann kommt mein Geld?"
STATUS = "Die Erstattung ist bei der Buchhaltung in Bearbeitung."

RUDE = {
    "repeat-changes-nothing": "Ich kann Ihnen den Stand gern ein fünftes Mal durchgeben, ändert aber nichts.",
    "asking-again-not-faster": "Ständig neu nachfragen macht es übrigens auch nicht schneller.",
    "not-faster-because-you": "Die Buchhaltung arbeitet nicht schneller, nur weil Sie hier Druck machen.",
}
RESPECTFUL = {
    "repeat-kindly": "Ich gebe Ihnen den Stand gern noch einmal durch, damit Sie ihn notieren können.",
    "honest-wait": "Schneller geht es leider nicht, weil die Bank zwei Werktage braucht; "
    "ich melde mich am Donnerstag bei Ihnen.",
    "reassured-wait": "Nochmal fragen macht es nicht schneller, aber keine Sorge, "
    "ich bin dran und rufe die Buchhaltung gleich an.",
}


def _chat(call_id: str, reply: str) -> dict:
    return {
        "call_id": call_id,
        "agent": "Merle Sander",
        "customer": "Herr Osterkamp",
        "turns": [
            {"role": "agent", "text": OPENING},
            {"role": "customer", "text": ASK},
            {"role": "agent", "text": STATUS},
            {"role": "customer", "text": AGAIN},
            {"role": "agent", "text": f"{STATUS} {reply}"},
        ],
    }


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("subtle") / "chats"
    folder.mkdir()
    for cid, reply in {**RUDE, **RESPECTFUL}.items():
        (folder / f"{cid}.json").write_text(
            json.dumps(_chat(cid, reply), ensure_ascii=False), encoding="utf-8"
        )
    proc = run_toneprobe("score", str(folder), "--format", "jsonl", "-q")
    assert proc.returncode == 0, proc.stderr
    records = {c["call_id"]: c for c in map(json.loads, proc.stdout.splitlines())}
    assert sorted(records) == sorted({**RUDE, **RESPECTFUL})
    return records


@pytest.mark.parametrize("cid", sorted(RUDE))
def test_issue_13_weary_impatience_is_disrespect(scored: dict[str, dict], cid: str) -> None:
    call = scored[cid]
    hits = [f for f in call["findings"] if f["rule_id"] == "respect.weary_repeat.v1"]
    assert len(hits) == 1, call["findings"]
    f = hits[0]
    turn_text = f"{STATUS} {RUDE[cid]}"
    assert f["turn"] == 4 and f["role"] == "agent" and f["polarity"] == "negative"
    assert turn_text[f["start"] : f["end"]] == f["text"]
    assert f["start"] >= len(STATUS)  # the status sentence before it is not the slight
    assert call["respect"]["disrespect"]
    assert call["respect"]["disrespect_turns"] == [4]


@pytest.mark.parametrize("cid", sorted(RESPECTFUL))
def test_issue_13_a_kind_repeat_or_an_honest_wait_is_no_finding(
    scored: dict[str, dict], cid: str
) -> None:
    call = scored[cid]
    assert not [f for f in call["findings"] if f["rule_id"] == "respect.weary_repeat.v1"]
    assert not [f for f in call["findings"] if f["turn"] == 4 and f["polarity"] == "negative"]
    assert not call["respect"]["disrespect"], call["findings"]


def test_issue_13_rules_lists_the_weary_repeat_rule() -> None:
    proc = run_toneprobe("rules", "--detector", "respect")
    assert proc.returncode == 0, proc.stderr
    assert "respect.weary_repeat.v1" in proc.stdout

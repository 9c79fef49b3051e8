"""Check the dev material in data/dev: utterance TSV and labelled calls.

Run: .venv/bin/python data/dev/validate.py  (exit code 1 on any problem)
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DISRESPECT_KINDS = {
    "blame",
    "dismissal",
    "sarcasm",
    "command",
    "calm_down",
    "arguing",
    "insult",
    "du_switch",
    "hangup_threat",
}
OK_KINDS = {
    "polite_refusal",
    "honest_limit",
    "quoting",
    "own_blame",
    "procedural",
    "boundary",
    "respectful_keyword",
    "empathy",
    "apology",
    "rule_explanation",
    "greeting_closing",
}
AGENT_LABELS = ("Agent", "Mitarbeiter", "Mitarbeiterin")
CUSTOMER_LABELS = ("Kunde", "Kundin")


def check_utterances(problems: list[str]) -> None:
    path = HERE / "agent_utterances.tsv"
    with path.open(encoding="utf-8", newline="") as fh:
        lines = fh.read().split("\n")
    if lines[0] != "label\tkind\ttext":
        problems.append(f"{path.name}: bad header {lines[0]!r}")
    seen: dict[str, int] = {}
    labels: Counter[str] = Counter()
    for no, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        cols = line.split("\t")
        if len(cols) != 3:
            problems.append(f"{path.name}:{no}: {len(cols)} columns")
            continue
        label, kind, text = cols
        if label == "disrespect" and kind not in DISRESPECT_KINDS:
            problems.append(f"{path.name}:{no}: kind {kind!r} not a disrespect kind")
        elif label == "ok" and kind not in OK_KINDS:
            problems.append(f"{path.name}:{no}: kind {kind!r} not an ok kind")
        elif label not in ("disrespect", "ok"):
            problems.append(f"{path.name}:{no}: label {label!r}")
        if not text.strip() or text != text.strip():
            problems.append(f"{path.name}:{no}: empty text or stray whitespace")
        key = " ".join(text.lower().split())
        if key in seen:
            problems.append(f"{path.name}:{no}: duplicate of line {seen[key]}")
        seen[key] = no
        labels[label] += 1
    print(f"utterances: {sum(labels.values())} {dict(labels)}")


def check_calls(problems: list[str]) -> None:
    calls = HERE / "calls"
    if not calls.exists():
        print("calls: none yet")
        return
    json_ids = {p.stem for p in (calls / "json").glob("*.json")}
    text_ids = {p.stem for p in (calls / "text").glob("*.txt")}
    with (calls / "labels.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        want = ["call_id", "agent", "deescalation", "hangup", "disrespect", "empathy"]
        if reader.fieldnames != want:
            problems.append(f"labels.csv header {reader.fieldnames}")
        rows = list(reader)
    label_ids = [r["call_id"] for r in rows]
    if len(label_ids) != len(set(label_ids)):
        problems.append("labels.csv: duplicate call_id")
    if set(label_ids) != json_ids or set(label_ids) != text_ids:
        problems.append(
            f"ids differ: labels-json {set(label_ids) ^ json_ids}, labels-text {set(label_ids) ^ text_ids}"
        )
    counts: dict[str, Counter[str]] = {k: Counter() for k in want[1:]}
    for r in rows:
        cid = r["call_id"]
        if r["deescalation"] not in ("achieved", "failed", "not_needed"):
            problems.append(f"{cid}: deescalation {r['deescalation']!r}")
        if r["hangup"] not in ("none", "agent", "customer", "dropped"):
            problems.append(f"{cid}: hangup {r['hangup']!r}")
        if r["disrespect"] not in ("0", "1"):
            problems.append(f"{cid}: disrespect {r['disrespect']!r}")
        if r["empathy"] not in ("1", "2", "3", "4", "5"):
            problems.append(f"{cid}: empathy {r['empathy']!r}")
        for k in want[1:]:
            counts[k][r[k]] += 1
        jpath = calls / "json" / f"{cid}.json"
        if not jpath.exists():
            continue
        try:
            doc = json.loads(jpath.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            problems.append(f"{jpath.name}: {exc}")
            continue
        if set(doc) != {"call_id", "agent", "customer", "ended_by", "turns"}:
            problems.append(f"{jpath.name}: keys {sorted(doc)}")
        if doc.get("call_id") != cid or doc.get("agent") != r["agent"]:
            problems.append(f"{jpath.name}: call_id/agent differ from labels.csv")
        if doc.get("ended_by") is not None:
            problems.append(f"{jpath.name}: ended_by must be null")
        turns = doc.get("turns", [])
        if not 8 <= len(turns) <= 20:
            problems.append(f"{jpath.name}: {len(turns)} turns")
        for i, t in enumerate(turns):
            if t.get("role") not in ("agent", "customer") or not t.get("text", "").strip():
                problems.append(f"{jpath.name}: turn {i} bad role/text")
            elif t["role"] == "agent" and t.get("speaker") != doc["agent"]:
                problems.append(f"{jpath.name}: turn {i} agent speaker {t.get('speaker')!r}")
        surname = doc["agent"].split()[-1].lower()
        if not turns or turns[0]["role"] != "agent" or surname not in turns[0]["text"].lower():
            problems.append(f"{jpath.name}: agent's name not in the first turn")
        tpath = calls / "text" / f"{cid}.txt"
        if tpath.exists():
            tlines = [x for x in tpath.read_text(encoding="utf-8").splitlines() if x.strip()]
            if len(tlines) != len(turns):
                problems.append(f"{tpath.name}: {len(tlines)} lines vs {len(turns)} turns")
            for i, (line, t) in enumerate(zip(tlines, turns, strict=False)):
                prefix, _, text = line.partition(": ")
                roles = AGENT_LABELS if t["role"] == "agent" else CUSTOMER_LABELS
                if prefix not in roles or text != t["text"]:
                    problems.append(f"{tpath.name}: line {i + 1} differs from the JSON turn")
    print(f"calls: {len(rows)}")
    for k, c in counts.items():
        print(f"  {k}: {dict(sorted(c.items()))}")


def main() -> int:
    problems: list[str] = []
    check_utterances(problems)
    check_calls(problems)
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

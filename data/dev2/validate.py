"""Check a labelled call set (data/dev2, dev3, chat, dev4, dev5): every call loads, labels
match files 1:1, label values are valid, and plain-text renders in DIR/text (if any) have a
labelled call.

Usage: python data/dev2/validate.py [DIR] [--turns MIN-MAX]
DIR defaults to this script's folder; --turns is the allowed number of turns per call
(default 8-30; data/chat, dev4 and dev5 use 10-30).
Exit code 1 and one line per problem if anything is wrong; prints label counts otherwise.
"""

import csv
import json
import sys
from collections import Counter
from pathlib import Path

MIN_TURNS, MAX_TURNS = 8, 30
COLUMNS = ["call_id", "agent", "deescalation", "hangup", "disrespect", "empathy"]
VALUES = {
    "deescalation": {"achieved", "failed", "not_needed"},
    "hangup": {"none", "agent", "customer", "dropped"},
    "disrespect": {"0", "1"},
    "empathy": {"1", "2", "3", "4", "5"},
}


def main(root: Path, turns_range: tuple[int, int] = (MIN_TURNS, MAX_TURNS)) -> int:
    problems: list[str] = []
    calls = {}
    for path in sorted((root / "calls").glob("*.json")):
        try:
            calls[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(f"{path}: does not load: {exc}")
    with open(root / "labels.csv", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != COLUMNS:
            problems.append(f"labels.csv header {reader.fieldnames} != {COLUMNS}")
        rows = list(reader)
    ids = [row["call_id"] for row in rows]
    for dup in sorted(k for k, n in Counter(ids).items() if n > 1):
        problems.append(f"labels.csv: {dup} labelled twice")
    for missing in sorted(set(calls) - set(ids)):
        problems.append(f"{missing}: file without label")
    for missing in sorted(set(ids) - set(calls)):
        problems.append(f"{missing}: label without file")
    for row in rows:
        cid = row["call_id"]
        for column, allowed in VALUES.items():
            if row[column] not in allowed:
                problems.append(f"{cid}: {column}={row[column]!r} not in {sorted(allowed)}")
        call = calls.get(cid)
        if call is None:
            continue
        if call.get("call_id") != cid or call.get("agent") != row["agent"]:
            problems.append(f"{cid}: call_id/agent in file differ from labels.csv")
        if call.get("ended_by") is not None:
            problems.append(f"{cid}: ended_by must be null")
        customer = call.get("customer")
        if customer is not None and not customer.startswith(("Herr ", "Frau ")):
            problems.append(f"{cid}: customer {customer!r} is not 'Herr/Frau X' or null")
        turns = call.get("turns", [])
        if not turns_range[0] <= len(turns) <= turns_range[1]:
            problems.append(
                f"{cid}: {len(turns)} turns, expected {turns_range[0]}-{turns_range[1]}"
            )
        for i, turn in enumerate(turns):
            if (
                turn.get("role") not in ("agent", "customer")
                or not str(turn.get("text", "")).strip()
            ):
                problems.append(f"{cid}: turn {i} has a bad role or empty text")
    texts = sorted((root / "text").glob("*.txt"))
    for path in texts:
        if path.stem not in calls or path.stem not in ids:
            problems.append(f"{path}: text render without a labelled call")
    for problem in problems:
        print(problem)
    if problems:
        return 1
    n_turns = sum(len(c["turns"]) for c in calls.values())
    print(f"OK: {len(rows)} calls, {n_turns} turns, {len(texts)} text renders")
    for column in ["agent", *VALUES]:
        print(column, dict(sorted(Counter(row[column] for row in rows).items())))
    return 0


def _cli(argv: list[str]) -> int:
    turns_range = (MIN_TURNS, MAX_TURNS)
    if "--turns" in argv:
        i = argv.index("--turns")
        low, _, high = argv[i + 1].partition("-")
        turns_range = (int(low), int(high))
        argv = argv[:i] + argv[i + 2 :]
    return main(Path(argv[0]) if argv else Path(__file__).parent, turns_range)


if __name__ == "__main__":
    sys.exit(_cli(sys.argv[1:]))

"""Report what toneprobe makes of a held-out set such as data/dev4 (never used for fitting).

Usage: python data/dev4/report.py [DIR] [--json]

DIR is a held-out set laid out as data/dev4 is (default: this script's folder, data/dev4; also
data/dev5): `calls/*.json` whose ids are a letter, `p` (phone) or `c` (chat), a dash and a
number (dev4: hp-01, hc-01; dev5: fp-01, fc-01), `text/` renders, `export/` chat exports,
`labels.csv` and `apology.csv`. Runs `toneprobe evaluate` (labels.csv) and `toneprobe score`
(for the apology flag, labelled in apology.csv: labels.csv keeps the schema of dev3/chat, which
`evaluate` reads) on five parts: all calls, the phone calls, the chats, the plain-text renders
and the chat exports. Prints one markdown row per part, or the figures as JSON with --json.
Reporting only: nothing here may be used to choose rules, thresholds or weights.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
COLUMNS = (
    "n",
    "deescalation_f1",
    "hangup_f1",
    "disrespect_f1",
    "apology_f1",
    "spearman_calls",
    "spearman_agents",
)


def parts(root: Path) -> dict[str, list[Path]]:
    """The set's parts, named by the call-id prefix they share ("phone (calls/hp-*)")."""
    calls = sorted((root / "calls").glob("*.json"))
    prefixes = sorted({p.stem[0] for p in calls})
    if len(prefixes) != 1 or not all(p.stem[1:3] in ("p-", "c-") for p in calls):
        raise SystemExit(f"{root / 'calls'}: expected ids like xp-01 (phone) and xc-01 (chat)")
    phone, chat = f"{prefixes[0]}p-", f"{prefixes[0]}c-"
    return {
        "all (calls/)": calls,
        f"phone (calls/{phone}*)": [p for p in calls if p.stem.startswith(phone)],
        f"chat (calls/{chat}*)": [p for p in calls if p.stem.startswith(chat)],
        "text renders (text/)": sorted((root / "text").glob("*.txt")),
        "chat exports (export/)": sorted((root / "export").glob("*.*")),
    }


def _toneprobe(*args: str) -> Any:
    cmd = [
        sys.executable,
        "-m",
        "toneprobe",
        *args,
        "--format",
        "json",
        "--quiet",
        "--workers",
        "2",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[2:5])}: exit {result.returncode}: {result.stderr.strip()}")
    return json.loads(result.stdout)


def apology_f1(calls: list[dict[str, Any]], gold: dict[str, bool]) -> float | None:
    """F1 of the call-level apology flag (respect.apology) against the hand label."""
    tp = fp = fn = 0
    for call in calls:
        said, found = gold[call["call_id"]], bool(call["respect"]["apology"])
        tp += said and found
        fp += found and not said
        fn += said and not found
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None


def figures(
    paths: list[Path], labels: Path, gold: dict[str, bool], scored_calls: dict[str, Any]
) -> dict[str, Any]:
    """One part's figures; ``scored_calls`` (call id -> ``score`` output) holds the part's
    calls when they are calls/ files scored already, else the part is scored here."""
    names = [str(p) for p in paths]
    report = _toneprobe("evaluate", *names, "--labels", str(labels))
    if all(p.parent.name == "calls" and p.stem in scored_calls for p in paths):
        scored = [scored_calls[p.stem] for p in paths]
    else:
        scored = _toneprobe("score", *names)["calls"]
    f1 = {name: d["f1"] for name, d in report["detectors"].items()}
    return {
        "n": report["n_labelled"],
        "deescalation_f1": f1.get("deescalation"),
        "hangup_f1": f1.get("hangup"),
        "disrespect_f1": f1.get("disrespect"),
        "apology_f1": apology_f1(scored, gold),
        "spearman_calls": report["empathy_spearman"],
        "spearman_agents": report["agent_spearman"],
    }


def main(argv: list[str]) -> int:
    dirs = [a for a in argv if not a.startswith("--")]
    root = Path(dirs[0]).resolve() if dirs else HERE
    with open(root / "apology.csv", encoding="utf-8", newline="") as handle:
        gold = {row["call_id"]: row["apology"] == "1" for row in csv.DictReader(handle)}
    labels = root / "labels.csv"
    every_call = sorted((root / "calls").glob("*.json"))
    # the phone and chat parts are subsets of calls/: scored once, the apology flag read back
    scored_calls = {c["call_id"]: c for c in _toneprobe("score", *map(str, every_call))["calls"]}
    results = {
        part: figures(paths, labels, gold, scored_calls) for part, paths in parts(root).items()
    }
    if "--json" in argv:
        print(json.dumps(results, indent=2))
        return 0
    print("| part | " + " | ".join(COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for part, row in results.items():
        cells = [
            f"{v:.3f}" if isinstance(v, float) else ("-" if v is None else str(v))
            for v in (row[c] for c in COLUMNS)
        ]
        print(f"| {part} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Report what toneprobe makes of the held-out set data/dev4 (never used for fitting).

Usage: python data/dev4/report.py [--json]

Runs `toneprobe evaluate` (labels.csv) and `toneprobe score` (for the apology flag, labelled in
apology.csv: labels.csv keeps the schema of dev3/chat, which `evaluate` reads) on four parts:
all 32 calls, the 18 phone calls (hp-*), the 14 chats (hc-*), the 4 plain-text renders and the
4 chat exports. Prints one markdown row per part, or the figures as JSON with --json.
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
PARTS: dict[str, list[Path]] = {
    "all (calls/)": sorted((HERE / "calls").glob("h*.json")),
    "phone (calls/hp-*)": sorted((HERE / "calls").glob("hp-*.json")),
    "chat (calls/hc-*)": sorted((HERE / "calls").glob("hc-*.json")),
    "text renders (text/)": sorted((HERE / "text").glob("*.txt")),
    "chat exports (export/)": sorted((HERE / "export").glob("*.*")),
}
COLUMNS = (
    "n",
    "deescalation_f1",
    "hangup_f1",
    "disrespect_f1",
    "apology_f1",
    "spearman_calls",
    "spearman_agents",
)


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
        "1",
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


def figures(paths: list[Path], gold: dict[str, bool]) -> dict[str, Any]:
    names = [str(p) for p in paths]
    report = _toneprobe("evaluate", *names, "--labels", str(HERE / "labels.csv"))
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
    with open(HERE / "apology.csv", encoding="utf-8", newline="") as handle:
        gold = {row["call_id"]: row["apology"] == "1" for row in csv.DictReader(handle)}
    results = {part: figures(paths, gold) for part, paths in PARTS.items()}
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

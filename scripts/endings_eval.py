"""Hang-up figures on labelled sets: macro-F1 and per-class precision/recall, as a table.

Runs ``toneprobe evaluate`` (as a process) on each ``DIR[:LABELS]`` given (labels default
to ``DIR/labels.csv``) and prints one Markdown row per set, or JSON with ``--json``.

    python scripts/endings_eval.py data/endings/tune data/endings/test
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

CLASSES = ("none", "customer", "agent", "dropped")


def figures(directory: str, labels: str | None = None) -> dict[str, float]:
    labels = labels or str(Path(directory) / "labels.csv")
    cmd = [sys.executable, "-m", "toneprobe", "evaluate", directory, "--labels", labels]
    done = subprocess.run([*cmd, "--format", "json", "--quiet"], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)}: exit {done.returncode}: {done.stderr.strip()}")
    m = json.loads(done.stdout)["detectors"]["hangup"]
    out = {"n": float(m["n"]), "macro_f1": m["f1"], "accuracy": m["accuracy"]}
    for c in CLASSES:
        pc = m["per_class"].get(c, {"precision": 0.0, "recall": 0.0})
        out[f"{c}_p"] = pc["precision"]
        out[f"{c}_r"] = pc["recall"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="+", help="DIR or DIR:LABELS")
    ap.add_argument("--json", action="store_true", help="one JSON object per set name")
    args = ap.parse_args(argv)
    rows = {}
    for s in args.sets:
        directory, _, labels = s.partition(":")
        rows[directory] = figures(directory, labels or None)
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    head = " | ".join(f"{c} P/R" for c in CLASSES)
    print(f"| set | n | macro-F1 | {head} |")
    print("|---|---|---|" + "---|" * len(CLASSES))
    for name, r in rows.items():
        cells = " | ".join(f"{r[c + '_p']:.2f} / {r[c + '_r']:.2f}" for c in CLASSES)
        print(f"| {name} | {int(r['n'])} | {r['macro_f1']:.3f} | {cells} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

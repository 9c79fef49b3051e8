"""Build the labelled call endings of ``data/endings`` from their written source.

``data/endings/source/*.txt`` holds the endings as written: a block ``## <id> <label>``, then one
turn per line (``A:`` agent, ``K:`` customer, ``S:`` a chat tool's system message; lower case for
raw ASR text). This script writes every block as a toneprobe JSON call into ``tune/`` or
``test/`` (60/40, stratified by label with a fixed seed, so the split never depends on what the
detector does) with a ``labels.csv`` per part. ``--check`` only verifies that the JSON files and
labels on disk are what the source gives (a test runs it).

    python scripts/build_endings.py [--check]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "data" / "endings"
LABELS = ("none", "agent", "customer", "dropped")
SEED = 13
TUNE_SHARE = 0.6
AGENTS = (
    "Jana Krüger",
    "Mehmet Aydın",
    "Sabine Lorenz",
    "Tobias Renner",
    "Aylin Demir",
    "Uwe Kessler",
    "Nele Brandt",
    "Kai Petersen",
)
ROLES = {"a": "agent", "k": "customer", "s": "system"}
HEAD = re.compile(r"^##\s+(\S+)\s+(\S+)\s*$")
TURN = re.compile(r"^([AKSaks]):\s*(.*)$")


def parse(text: str, where: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The blocks of one source file: (id, label, [(role, text), ...])."""
    blocks: list[tuple[str, str, list[tuple[str, str]]]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("# "):
            continue
        if m := HEAD.match(line):
            if m.group(2) not in LABELS:
                raise SystemExit(f"{where}:{n}: label {m.group(2)!r} is not one of {LABELS}")
            blocks.append((m.group(1), m.group(2), []))
        elif (m := TURN.match(line)) and blocks:
            blocks[-1][2].append((ROLES[m.group(1).lower()], m.group(2).strip()))
        else:
            raise SystemExit(f"{where}:{n}: expected '## id label' or 'A:/K:/S: text'")
    return blocks


def load() -> list[tuple[str, str, list[tuple[str, str]]]]:
    blocks = []
    for path in sorted((ROOT / "source").glob("*.txt")):
        blocks += parse(path.read_text(encoding="utf-8"), str(path))
    ids = [b[0] for b in blocks]
    if len(set(ids)) != len(ids):
        raise SystemExit(f"duplicate ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    for cid, _, turns in blocks:
        if not any(r != "system" for r, _ in turns):
            raise SystemExit(f"{cid}: no turns")
    return blocks


def split(blocks: list[tuple[str, str, list[tuple[str, str]]]]) -> dict[str, str]:
    """call id -> 'tune' or 'test', 60/40 within each label, fixed seed."""
    rng = random.Random(SEED)
    part = {}
    for label in LABELS:
        ids = sorted(b[0] for b in blocks if b[1] == label)
        rng.shuffle(ids)
        cut = round(len(ids) * TUNE_SHARE)
        part.update({i: "tune" for i in ids[:cut]})
        part.update({i: "test" for i in ids[cut:]})
    return part


def call_json(cid: str, turns: list[tuple[str, str]]) -> str:
    agent = AGENTS[sum(map(ord, cid)) % len(AGENTS)]
    obj = {
        "call_id": cid,
        "agent": agent,
        "customer": None,
        "ended_by": None,
        "turns": [
            {
                "role": role,
                "speaker": agent
                if role == "agent"
                else "Kunde"
                if role == "customer"
                else "System",
                "text": text,
            }
            for role, text in turns
        ],
    }
    return json.dumps(obj, ensure_ascii=False, indent=1) + "\n"


def outputs() -> dict[Path, str]:
    blocks = load()
    part = split(blocks)
    files: dict[Path, str] = {}
    for name in ("tune", "test"):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["call_id", "hangup"])
        for cid, label, turns in sorted(blocks):
            if part[cid] != name:
                continue
            w.writerow([cid, label])
            files[ROOT / name / f"{cid}.json"] = call_json(cid, turns)
        files[ROOT / name / "labels.csv"] = buf.getvalue()
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="verify the files on disk, write nothing")
    args = ap.parse_args(argv)
    files = outputs()
    if args.check:
        on_disk = {p for d in ("tune", "test") for p in (ROOT / d).glob("*") if p.is_file()}
        stale = sorted(
            str(p) for p, t in files.items() if not p.exists() or p.read_text("utf-8") != t
        )
        extra = sorted(str(p) for p in on_disk - set(files))
        for p in stale + extra:
            print(f"out of date: {p}", file=sys.stderr)
        return 1 if stale or extra else 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    counts = {
        n: sum(1 for p in files if p.parent.name == n and p.suffix == ".json")
        for n in ("tune", "test")
    }
    print(f"wrote {counts['tune']} tune and {counts['test']} test endings", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

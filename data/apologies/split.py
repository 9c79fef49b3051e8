"""Build ``tune.tsv`` and ``test.tsv`` from ``sentences.txt`` (run from the repository root).

The split is 60/40, stratified by voice and label, with a fixed seed, so it is the same on every
run. It was made once, before the tool was run on any row; rerunning it after adding lines
keeps the old rows where they were only if the lines are appended at the end of a stratum, so
do not reorder or relabel lines (see README.md).

    .venv/bin/python data/apologies/split.py [--out DIR]   # DIR: write elsewhere (tests)
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
VOICES = (
    "phone_formal",
    "phone_casual",
    "chat_formal",
    "chat_casual",
    "written_email",
    "long_turn",
    "asr",
    "regional",
)
SEED = 13
TUNE_SHARE = 0.6
HEADER = "id\tapology\trole\tvoice\ttext"


def read_sentences(path: Path) -> list[tuple[str, str, str, str]]:
    """(label, role, voice, text) per line; exits with ``file:line`` on a malformed line."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        head, sep, text = line.partition(" | ")
        parts = head.split()
        ok = sep and text.strip() and len(parts) in (2, 3) and parts[0] in ("Y", "N")
        ok = ok and parts[1] in VOICES and (len(parts) == 2 or parts[2] == "customer")
        if not ok or "\t" in text:
            sys.exit(f"{path}:{n}: expected 'Y|N VOICE [customer] | text'")
        role = "customer" if len(parts) == 3 else "agent"
        rows.append(("1" if parts[0] == "Y" else "0", role, parts[1], text.strip()))
    texts = [r[3] for r in rows]
    if len(texts) != len(set(texts)):
        sys.exit(f"{path}: duplicate sentences")
    return rows


def split(rows: list[tuple[str, str, str, str]]) -> tuple[list[str], list[str]]:
    strata: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (label, _role, voice, _text) in enumerate(rows):
        strata[(voice, label)].append(i)
    rng = random.Random(SEED)
    tune_idx: set[int] = set()
    for key in sorted(strata):
        idx = list(strata[key])
        rng.shuffle(idx)
        tune_idx.update(idx[: round(len(idx) * TUNE_SHARE)])
    tune, test = [], []
    for i, (label, role, voice, text) in enumerate(rows):
        line = f"ap-{i + 1:04d}\t{label}\t{role}\t{voice}\t{text}"
        (tune if i in tune_idx else test).append(line)
    return tune, test


def main() -> None:
    out = Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else HERE
    rows = read_sentences(HERE / "sentences.txt")
    tune, test = split(rows)
    for name, lines in (("tune", tune), ("test", test)):
        (out / f"{name}.tsv").write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
        pos = sum(1 for ln in lines if ln.split("\t")[1] == "1")
        print(f"{name}: {len(lines)} rows, {pos} apology, {len(lines) - pos} not")


if __name__ == "__main__":
    main()

"""Build train.tsv and dev.tsv from the hand-written batch files in ``batches/``.

Usage (from the repository root)::

    .venv/bin/python data/agent_moves/build.py                  # data/agent_moves
    .venv/bin/python data/agent_moves/build.py customer_states  # data/customer_states
    .venv/bin/python data/agent_moves/build.py agent_moves --out DIR  # write elsewhere (tests)

Batch format (UTF-8 text, one file per writing batch)::

    # a comment
    == phone_formal energy: Abschlag zu hoch     <- starts a scenario: voice, then a free topic
    AF RE | Das kann ich gut verstehen, keine Sorge.
    N | Ich schaue kurz in Ihr Kundenkonto.

Each sentence line is ``CODES | text``; the codes (see ``CODES``) map to the label names. A
scenario is the unit of the split: all its sentences go to train or all to dev (the 3rd, 9th and
16th scenario of every twenty in a file go to dev), so near-paraphrases never straddle the split.
Duplicates are dropped, the first one is kept: two texts are duplicates when they have the same set
of words (case, punctuation, word order and the fillers "äh", "ähm", "öh", "hm", "mhm" ignored).
The count tables in the set's README.md (between the BEGIN and END markers) are rewritten.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

CODES = {
    "agent_moves": {
        "AF": "acknowledge_feeling",
        "AP": "apology_ownership",
        "RE": "reassurance",
        "CN": "commitment_next_step",
        "EX": "explanation",
        "AL": "alternative_offered",
        "TH": "thanks_courtesy",
        "BL": "blame",
        "DI": "dismissal",
        "CS": "condescension_sarcasm",
        "CO": "command",
        "IN": "insult",
        "RF": "refusing_help",
        "N": "none",
    },
    "customer_states": {
        "AN": "anger_frustration",
        "WO": "worry",
        "PR": "problem_report",
        "RS": "relief_satisfaction",
        "N": "none",
    },
}
_VOICES = [
    "phone_formal",
    "phone_casual",
    "asr",
    "chat_formal",
    "chat_casual",
    "regional",
    "written_email",
    "long_turn",
]
VOICES = {"agent_moves": _VOICES, "customer_states": _VOICES}
PREFIX = {"agent_moves": "am", "customer_states": "cs"}
DEV_SLOTS = (3, 9, 16)


FILLERS = {"äh", "ähm", "öh", "hm", "mhm"}


def norm(text: str) -> str:
    """The duplicate key: the set of words, lower case, without punctuation, order and fillers."""
    words = set(re.sub(r"[\W_]+", " ", text.lower()).split()) - FILLERS
    return " ".join(sorted(words))


def parse(path: Path, codes: dict[str, str], voices: list[str]):
    scenario = None
    voice = None
    n_scen = 0
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path.name}:{lineno}"
        if line.startswith("=="):
            parts = line[2:].split(maxsplit=1)
            if not parts or parts[0] not in voices:
                sys.exit(f"{where}: unknown voice in {line!r}")
            voice = parts[0]
            n_scen += 1
            scenario = f"{path.stem}#{n_scen}"
            continue
        if scenario is None or voice is None:
            sys.exit(f"{where}: sentence before the first '==' scenario line")
        if "|" not in line:
            sys.exit(f"{where}: no '|' between codes and text")
        head, text = line.split("|", 1)
        text = " ".join(text.split())
        found = head.replace(",", " ").split()
        if not found or not text:
            sys.exit(f"{where}: empty codes or text")
        bad = [c for c in found if c not in codes]
        if bad:
            sys.exit(f"{where}: unknown code(s) {bad}")
        labels = sorted({codes[c] for c in found}, key=list(codes.values()).index)
        if "none" in labels and len(labels) > 1:
            sys.exit(f"{where}: 'none' combined with other labels")
        yield scenario, voice, labels, text


BEGIN = "<!-- counts: written by build.py -->"
END = "<!-- /counts -->"


def update_readme(path: Path, block: list[str]) -> None:
    """Replace the lines between the BEGIN and END markers of README.md with ``block``."""
    if not path.exists():
        return
    lines = path.read_text(encoding="utf-8").split("\n")
    if BEGIN not in lines or END not in lines:
        sys.exit(f"{path}: no {BEGIN} ... {END} block")
    start, end = lines.index(BEGIN), lines.index(END)
    lines[start + 1 : end] = block
    path.write_text("\n".join(lines), encoding="utf-8")


def in_dev(scenario: str) -> bool:
    """Three scenarios in every twenty of a batch file (15 %), spread over the file."""
    return int(scenario.rsplit("#", 1)[1]) % 20 in DEV_SLOTS


def main(argv: list[str]) -> int:
    args = argv[1:]
    out = None
    if "--out" in args:
        i = args.index("--out")
        out = Path(args[i + 1])
        del args[i : i + 2]
    name = args[0] if args else "agent_moves"
    codes, voices = CODES[name], VOICES[name]
    here = Path(__file__).resolve().parent.parent / name
    out = out or here
    seen: dict[str, str] = {}
    rows: dict[str, list[tuple[str, str, str]]] = {"train": [], "dev": []}
    scenarios: dict[str, set[str]] = {"train": set(), "dev": set()}
    dropped = 0
    for path in sorted((here / "batches").glob("*.txt")):
        for scenario, voice, labels, text in parse(path, codes, voices):
            key = norm(text)
            if key in seen:
                dropped += 1
                print(
                    f"duplicate dropped ({path.name}): {text}  [first in {seen[key]}]",
                    file=sys.stderr,
                )
                continue
            seen[key] = scenario
            split = "dev" if in_dev(scenario) else "train"
            rows[split].append((",".join(labels), voice, text))
            scenarios[split].add(scenario)
    n = 0
    for split in ("train", "dev"):
        lines = ["id\tlabels\tvoice\ttext"]
        for labels, voice, text in rows[split]:
            n += 1
            lines.append(f"{PREFIX[name]}-{n:05d}\t{labels}\t{voice}\t{text}")
        (out / f"{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    all_rows = rows["train"] + rows["dev"]
    labels_count = Counter(lab for labels, _, _ in all_rows for lab in labels.split(","))
    voice_count = Counter(voice for _, voice, _ in all_rows)
    multi = sum("," in labels for labels, _, _ in all_rows)
    block = [
        f"{len(all_rows):,} rows: train {len(rows['train']):,}, dev {len(rows['dev']):,}"
        f" ({dropped} duplicates dropped); {len(scenarios['train']) + len(scenarios['dev']):,}"
        f" scenarios (train {len(scenarios['train'])}, dev {len(scenarios['dev'])});"
        f" {multi} rows carry more than one label.",
        "",
        "| label | rows | train | dev |",
        "|---|---:|---:|---:|",
    ]
    for lab in codes.values():
        tr = sum(lab in r[0].split(",") for r in rows["train"])
        block.append(f"| `{lab}` | {labels_count[lab]} | {tr} | {labels_count[lab] - tr} |")
    block += ["", "| voice | rows | train | dev |", "|---|---:|---:|---:|"]
    for voice in voices:
        tr = sum(voice == r[1] for r in rows["train"])
        block.append(f"| `{voice}` | {voice_count[voice]} | {tr} | {voice_count[voice] - tr} |")
    if out == here:
        update_readme(here / "README.md", block)
    print("\n".join(block))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

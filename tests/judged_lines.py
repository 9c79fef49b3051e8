"""The lines a sentiment model is judged on, keyed case-, punctuation- and space-insensitively:
training lines the project writes must repeat none of them."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path

from toneprobe.sentiment import checklist


def line_key(text: str) -> str:
    """Case, punctuation and spacing ignored: 'Top!' and 'top' are the same line."""
    return " ".join(re.findall(r"\w+", text.lower()))


def judged_lines(paths: Iterable[Path]) -> dict[str, str]:
    """key -> where it is judged: the behavioural suite's cases and the last column of each
    tab-separated file."""
    seen: dict[str, str] = {}
    for case in checklist.load_suite().cases:
        for text in case.texts:
            seen.setdefault(line_key(text), "behavioural suite")
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                if row:
                    seen.setdefault(line_key(row[-1]), path.name)
    return seen

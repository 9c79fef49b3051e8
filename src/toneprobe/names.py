"""The people of a call by name, so that the learned models do not read a name as a word.

A surname is a word to a character n-gram model: "Vosskuhl" carries "kuh" and reads as an
insult, "Streithagen" as a quarrel. The rules never fire on a name (they match phrases), but the
agent-move and offense models see every character. ``name_ranges`` finds the names a call
itself gives (its participants' names from the file: speaker labels, metadata) and the word
after a form of address ("Herr Grotefend", "Frau Dr. Özgür"); the pipeline blanks them in what
the models read, as it blanks quoted words. Pure functions, no spaCy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from toneprobe.quotes import Range

#: a capitalised word after a form of address (with an optional title) is a name
_ADDRESSED = re.compile(
    r"\b(?:Herrn?|Frau|Fräulein)\s+(?:(?:Dr|Prof|Dipl\.-Ing)\.?\s+)*"
    r"((?:von\s+|van\s+|de\s+)?[A-ZÄÖÜ][\w'’-]+)"
)
_PART = re.compile(r"[A-ZÄÖÜ][^\W\d_]+(?:[-'’][A-ZÄÖÜ]?[^\W\d_]+)*")
#: labels that name a role, not a person; never blanked
_ROLE_WORDS = frozenset(
    [
        "agent",
        "agentin",
        "kunde",
        "kundin",
        "anrufer",
        "anruferin",
        "mitarbeiter",
        "mitarbeiterin",
        "berater",
        "beraterin",
        "support",
        "service",
        "kundenservice",
        "team",
        "bot",
        "assistent",
        "assistentin",
        "system",
        "sprecher",
        "speaker",
        "customer",
        "caller",
        "operator",
        "spk",
        "unbekannt",
        "unknown",
        "kundendienst",
        "hotline",
        "callcenter",
        "chatbot",
        "moderator",
        "moderatorin",
        "sachbearbeiter",
        "sachbearbeiterin",
    ]
)


def participant_names(labels: Iterable[str | None]) -> frozenset[str]:
    """Name parts (at least three letters, capitalised) of the people a call names: speaker
    labels and the agent/customer fields. Role words ("Agent", "Kundin") are not names."""
    out: set[str] = set()
    for label in labels:
        for part in _PART.findall(label or ""):
            if len(part) >= 3 and part.casefold() not in _ROLE_WORDS:
                out.add(part)
    return frozenset(out)


def name_ranges(text: str, names: frozenset[str] = frozenset()) -> list[Range]:
    """Character ranges of names in ``text``: any of ``names`` as a whole word (case as given)
    and the word after Herr/Frau. Sorted, not merged."""
    ranges = [m.span(1) for m in _ADDRESSED.finditer(text)]
    if names:
        pattern = r"(?<![\w])(?:" + "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
        for m in re.finditer(pattern + r")(?![\w])", text):
            ranges.append(m.span())
    return sorted(set(ranges))

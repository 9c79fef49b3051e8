"""Skip the rule regexes a text cannot match, without running them.

The rules hold some 600 regexes, and most of them are made of words: ``\\b(idiot|trottel|...)``.
Python's ``re`` tries every regex at every position of every turn, so matching costs about as
much as the sentiment model. Here each regex is read once (``re._parser``, the parser ``re``
itself uses) for literal text every match must contain, up to three characters, lower-cased:
``{"idi", "tro"}`` (see :func:`required_grams`). A text is cut into its lower-cased 1-, 2- and
3-grams once, and only the regexes that own one of those grams run on it. A regex without a
literal it needs (``\\w+``, ``.*``, classes only) always runs.

The gate is exact, not a heuristic: a regex it skips has no match in the text. Lower-casing
both sides keeps that true for case-sensitive and ``IGNORECASE`` regexes alike; the few
characters where ``str.lower`` and ``re``'s case folding part ways (``ſ``, the Kelvin sign,
final sigma, dotted ``İ`` ...) switch the gate off for the text that holds them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from re import _casefix, _parser  # type: ignore[attr-defined]
from re import _constants as C  # type: ignore[attr-defined]
from typing import Any

#: prefix length the index uses
K = 3
#: more prefixes than this for one regex: the regex always runs (the index would gain little)
MAX_PREFIXES = 4000

_ZERO_WIDTH = {C.AT, C.ASSERT, C.ASSERT_NOT}


def _fold_unsafe() -> str:
    # re's IGNORECASE also pairs these with other letters (s with long s, i with dotless i,
    # the Greek sigmas ...), where str.lower does not
    chars = {chr(c) for c in _casefix._EXTRA_CASES}
    chars |= {chr(other) for others in _casefix._EXTRA_CASES.values() for other in others}
    # str.lower maps these to two characters or by context (dotted I, capital sigma)
    chars |= {chr(c) for c in range(0x80, 0x10000) if len(chr(c).lower()) != 1} | {"\u03a3"}
    return "".join(sorted(c for c in chars if not c.isascii()))


#: characters where ``str.lower`` and ``re``'s IGNORECASE do not agree
_UNSAFE_CHARS = _fold_unsafe()
_UNSAFE = re.compile("[" + re.escape(_UNSAFE_CHARS) + "]")


class _TooMany(Exception):
    pass


def required_grams(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lower-cased texts (1-3 characters) one of which every match of ``pattern`` contains;
    None when no such set is known.

    Every part of the pattern's top-level sequence that must match (not a repeat that may
    match nothing) starts a stretch of the match, so the prefixes of the sequence from that
    part on are such a set; of them the one that rules out most texts is kept (long prefixes
    beat short ones, few beat many, and the commonest German trigrams count as short):
    ``\b(ich|wir)\b[^.]{0,40}\b(verbockt|vermasselt)`` is kept for "erb" or "erm" (re's parser
    takes the shared "ver" out of the branch), not for "ich" or "wir".
    """
    try:
        tree = _parser.parse(pattern.pattern, pattern.flags)
    except re.error:  # pragma: no cover - it compiled already
        return None
    items = _flatten(list(tree))
    best: tuple[float, frozenset[str]] | None = None
    for j, (op, av) in enumerate(items):
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and av[0] == 0:
            continue  # may match nothing: what starts here need not be in the match
        if op in _ZERO_WIDTH:
            continue
        grams = _prefixes(items[j:])
        if grams is None:
            continue
        cost = sum(_gram_cost(g) for g in grams)
        if best is None or cost < best[0]:
            best = (cost, grams)
    return None if best is None else best[1]


def _flatten(items: list[Any]) -> list[Any]:
    """The top-level sequence with plain groups opened (their parts must match in turn)."""
    out: list[Any] = []
    for op, av in items:
        if op is C.SUBPATTERN:
            out.extend(_flatten(list(av[3])))
        elif op is C.ATOMIC_GROUP:
            out.extend(_flatten(list(av)))
        else:
            out.append((op, av))
    return out


#: trigrams so common in German speech that nearly every turn has them
_COMMON = frozenset(
    [
        "ich",
        "sie",
        "das",
        "die",
        "der",
        "und",
        "ein",
        "ist",
        "nic",
        "sch",
        "den",
        "ver",
        "ent",
        "ber",
        "ine",
        "ung",
        "ach",
        "mal",
        "hab",
        "wir",
        "ihr",
        "ihn",
        "ihm",
        "auf",
        "aus",
        "mit",
        "bei",
        "von",
    ]
)


def _gram_cost(gram: str) -> float:
    if len(gram) >= 3 and gram not in _COMMON:
        return 1.0
    return {3: 8.0, 2: 30.0}.get(len(gram), 200.0)


def _prefixes(items: list[Any]) -> frozenset[str] | None:
    out: set[str] = set()
    try:
        _expand(items, "", out)
    except _TooMany:
        return None
    if "" in out:
        return None
    return frozenset(out)


def _expand(items: list[Any], acc: str, out: set[str]) -> None:
    """Add to ``out`` the prefixes a match of ``items`` can start with, after ``acc``.
    Stopping early (the rest unknown) adds ``acc`` as it is: a shorter prefix is still one
    that the match begins with."""
    if len(out) > MAX_PREFIXES:
        raise _TooMany
    while items and len(acc) < K:
        op, av = items[0]
        rest = items[1:]
        if op in _ZERO_WIDTH:
            items = rest
            continue
        if op is C.LITERAL:
            low = chr(av).lower()
            if len(low) != 1 or low in _UNSAFE_CHARS:
                break
            acc += low
            items = rest
            continue
        if op is C.SUBPATTERN:
            items = list(av[3]) + rest
            continue
        if op is C.ATOMIC_GROUP:
            items = list(av) + rest
            continue
        if op is C.BRANCH:
            for branch in av[1]:
                _expand(list(branch) + rest, acc, out)
            return
        if op is C.IN:
            chars = _set_chars(av)
            if chars is None:
                break
            for ch in chars:
                _expand(rest, acc + ch, out)
            return
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            lo, hi, sub = av
            if lo == 0:
                _expand(rest, acc, out)  # the repeat matches nothing
            # once: what follows comes next; more often: stop after the first repeat
            _expand(list(sub) + rest if hi == 1 else list(sub), acc, out)
            return
        break  # a class, ".", a back reference ...: the prefix ends here
    out.add(acc[:K])


def _set_chars(av: Sequence[tuple[Any, Any]]) -> set[str] | None:
    chars: set[str] = set()
    for op, arg in av:
        if op is not C.LITERAL:  # NEGATE, RANGE, CATEGORY ...
            return None
        low = chr(arg).lower()
        if len(low) != 1 or low in _UNSAFE_CHARS:
            return None
        chars.add(low)
    return chars


def text_grams(text: str) -> frozenset[str] | None:
    """The text's lower-cased 1-, 2- and 3-grams; None when the gate must stay open."""
    if not text.isascii() and _UNSAFE.search(text):
        return None
    low = text.lower()
    n = len(low)
    grams = set(low)
    grams.update(low[i : i + 2] for i in range(n - 1))
    grams.update(low[i : i + 3] for i in range(n - 2))
    return frozenset(grams)


class RegexGate:
    """Which of a list of regexes can match a text (their positions in the list)."""

    def __init__(self, patterns: Iterable[re.Pattern[str]]):
        self.always: list[int] = []
        self.by_gram: dict[str, list[int]] = {}
        self.size = 0
        for i, rx in enumerate(patterns):
            self.size += 1
            prefixes = required_grams(rx)
            if prefixes is None:
                self.always.append(i)
                continue
            for p in prefixes:
                self.by_gram.setdefault(p, []).append(i)
        self.keys = frozenset(self.by_gram)

    def candidates(self, grams: frozenset[str] | None) -> list[int]:
        """Positions of the regexes that may match a text with these grams, in list order."""
        if grams is None:
            return list(range(self.size))
        hit = set(self.always)
        by_gram = self.by_gram
        for g in grams & self.keys:
            hit.update(by_gram[g])
        return sorted(hit)

"""Skip the rule regexes a text cannot match, without running them.

The rules hold some 600 regexes, and most of them begin with words: ``\\b(idiot|trottel|...)``.
Python's ``re`` tries every regex at every position of every turn, so matching costs about as
much as the sentiment model. Here each regex is read once (``re._parser``, the parser ``re``
itself uses) for the literal text every match must begin with, up to three characters, lower-
cased: ``{"idi", "tro", ...}``. A text is cut into its lower-cased 1-, 2- and 3-grams once, and
only the regexes that own one of those grams run on it. A regex whose matches can begin with
anything (``\\w+``, ``.``, a class) owns no prefix and always runs.

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


def literal_prefixes(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The lower-cased texts (1-3 characters) that every match of ``pattern`` begins with;
    None when a match can begin with something that is not a known literal."""
    try:
        tree = _parser.parse(pattern.pattern, pattern.flags)
    except re.error:  # pragma: no cover - it compiled already
        return None
    out: set[str] = set()
    try:
        _expand(list(tree), "", out)
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
            prefixes = literal_prefixes(rx)
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

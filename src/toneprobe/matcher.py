"""Compile rules into spaCy matchers and regexes; turn matches into character spans.

Every match keeps its rule id, so each finding traces back to one rule. Guards:
- ``unless`` regexes drop a match when they hit the same sentence (or turn);
- negative rules never fire inside quotation marks or reported speech ("Sie sagten, ...",
  "der Kunde meinte, ..."; see :mod:`toneprobe.quotes`), so an agent quoting the customer's
  words is not blamed for them; nor do positive rules marked ``own_words`` (an apology quoted
  is no apology).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from toneprobe.errors import RuleError
from toneprobe.nlp import get_nlp
from toneprobe.prefilter import RegexGate, text_grams
from toneprobe.quotes import inside, shielded_ranges
from toneprobe.rules import Rule

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc


@dataclass(frozen=True, slots=True)
class Match:
    rule: Rule
    start: int
    end: int
    text: str


def unless_patterns(rule: Rule) -> list[re.Pattern[str]]:
    """A rule's compiled ``unless`` guards (case as the rule says)."""
    flags = 0 if rule.spec.case_sensitive else re.IGNORECASE
    return [re.compile(u, flags) for u in rule.spec.unless]


class RuleMatcher:
    """All rules of one detector (or any subset), compiled once."""

    def __init__(self, rules: Sequence[Rule]):
        from spacy.errors import MatchPatternError
        from spacy.matcher import Matcher, PhraseMatcher

        self.nlp = get_nlp()
        self.rules = {r.id: r for r in rules}
        self._phrase = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self._token = Matcher(self.nlp.vocab, validate=True)
        self._regex: list[tuple[Rule, re.Pattern[str]]] = []
        self._unless: dict[str, list[re.Pattern[str]]] = {}
        for rule in rules:
            spec = rule.spec
            flags = 0 if spec.case_sensitive else re.IGNORECASE
            if spec.phrases:
                docs = [self.nlp.make_doc(p) for p in spec.phrases]
                self._phrase.add(rule.id, docs)
            if spec.patterns:
                try:
                    self._token.add(rule.id, [list(p) for p in spec.patterns])
                except (MatchPatternError, ValueError) as err:
                    msg = str(err).strip().splitlines()
                    raise RuleError(
                        f"{rule.path}: {rule.id}: patterns: {msg[-1] if msg else err}"
                    ) from None
            for rx in spec.regex:
                self._regex.append((rule, re.compile(rx, flags)))
            self._unless[rule.id] = unless_patterns(rule)
        self._gate = RegexGate(rx for _, rx in self._regex)

    def __call__(self, doc: Doc) -> list[Match]:
        text = doc_text(doc)
        raw: list[tuple[Rule, int, int]] = []
        vocab_strings = self.nlp.vocab.strings
        hits = []
        if len(self._phrase):
            hits.extend(self._phrase(doc))
        if len(self._token):
            hits.extend(self._token(doc))
        for key, s, e in hits:
            rule = self.rules[vocab_strings[key]]
            span = doc[s:e]
            raw.append((rule, span.start_char, span.end_char))
        regexes = self._regex
        for i in self._gate.candidates(doc_grams(doc)):
            rule, rx = regexes[i]
            for m in rx.finditer(text):
                if m.end() > m.start():
                    raw.append((rule, m.start(), m.end()))
        if not raw:
            return []
        sents = sentence_bounds(doc)
        shielded: list[tuple[int, int]] | None = None
        out: list[Match] = []
        for rule, start, end in raw:
            sent = next(((a, b) for a, b in sents if a <= start < b), (0, len(text)))
            scope_text = text if rule.spec.unless_scope == "turn" else text[sent[0] : sent[1]]
            if any(u.search(scope_text) for u in self._unless[rule.id]):
                continue
            if (
                rule.spec.polarity == "negative" and not rule.spec.allow_quoted
            ) or rule.spec.own_words:
                if shielded is None:
                    shielded = shielded_doc_ranges(doc)
                if inside(shielded, start, end):
                    continue
            out.append(Match(rule, start, end, text[start:end]))
        return _dedupe(out)

    def match_text(self, text: str) -> list[Match]:
        return self(self.nlp(text))


def _kept(doc: Doc, key: str, make: Callable[[], Any]) -> Any:
    """``make()``, computed once per doc and kept in its ``user_data``."""
    data = doc.user_data
    if key not in data:
        data[key] = make()
    return data[key]


def doc_text(doc: Doc) -> str:
    """The doc's text (spaCy joins the tokens anew on every ``doc.text``)."""
    return _kept(doc, "toneprobe_text", lambda: doc.text)  # type: ignore[no-any-return]


def doc_grams(doc: Doc) -> frozenset[str] | None:
    """The doc's lower-cased 1-3-grams for the regex gate (:mod:`toneprobe.prefilter`)."""
    grams = _kept(doc, "toneprobe_grams", lambda: text_grams(doc_text(doc)))
    return grams  # type: ignore[no-any-return]


def shielded_doc_ranges(doc: Doc) -> list[tuple[int, int]]:
    """Quoted passages and reported speech in the doc (see :mod:`toneprobe.quotes`)."""
    return _kept(  # type: ignore[no-any-return]
        doc, "toneprobe_shielded", lambda: shielded_ranges(doc_text(doc), sentence_bounds(doc))
    )


def sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """Character bounds of the doc's sentences."""
    return _kept(  # type: ignore[no-any-return]
        doc,
        "toneprobe_sents",
        lambda: [(s.start_char, s.end_char) for s in doc.sents] or [(0, len(doc_text(doc)))],
    )


def _dedupe(matches: list[Match]) -> list[Match]:
    """Per rule, drop matches contained in a longer match of the same rule."""
    matches.sort(key=lambda m: (m.rule.id, m.start, -(m.end - m.start)))
    out: list[Match] = []
    for m in matches:
        if (
            out
            and out[-1].rule.id == m.rule.id
            and out[-1].start <= m.start
            and m.end <= out[-1].end
        ):
            continue
        out.append(m)
    out.sort(key=lambda m: (m.start, m.rule.id))
    return out

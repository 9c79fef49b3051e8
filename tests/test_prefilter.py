"""The regex gate (toneprobe.prefilter) skips only regexes that cannot match: a skipped regex
never has a match in the text. Checked on every shipped rule regex against the rules' own
examples and counterexamples, the bundled sample calls and the labelled dev calls, each as
written, upper-cased and lower-cased without punctuation (as ASR writes it)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from toneprobe.prefilter import RegexGate, required_grams, text_grams
from toneprobe.rules import load_rules

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "pattern,flags,expected",
    [
        (r"\b(idiot|trottel)\b", re.IGNORECASE, {"idi", "tro"}),
        # the optional words need not be there; the last group must
        (r"\b(jetzt\s+)?(ganz\s+)?(langsam|halblang)", re.IGNORECASE, {"lan", "hal"}),
        (r"(?i:Ab)[äa]c?", 0, {"aba", "abä"}),
        # case-sensitive: lower-cased on both sides; re's parser takes "ha" out of the branch
        (r"Sie\s+(haben|hatten)", 0, {"abe", "att"}),
        (r"(^|[.!?]\s*)bin\s+raus", 0, {"bin"}),
        (r"e?s", 0, {"s"}),
        (r"(ab)+c", 0, {"ab"}),
    ],
)
def test_prefilter_reads_a_text_every_match_must_contain(pattern, flags, expected):
    assert required_grams(re.compile(pattern, flags)) == expected


@pytest.mark.parametrize("pattern", [r"\w+", r"x?y?", r"[a-zäöü]+\d", r".*", r"(?:a|\w)b?"])
def test_prefilter_a_regex_without_a_literal_it_needs_always_runs(pattern):
    assert required_grams(re.compile(pattern)) is None
    gate = RegexGate([re.compile(pattern)])
    assert gate.candidates(text_grams("Guten Tag")) == [0]


@pytest.mark.parametrize(
    "pattern,expected",
    [
        (r"\w+te\s+mal", {"mal"}),  # cannot begin with a literal, but must contain "mal"
        (r"^\s*ach\s+was", {"was"}),  # "ach" is common
        # re's parser takes "ver" out of the branch; "erb"/"erm" are rarer than "ich"/"wir"
        (r"\b(ich|wir)\b[^.!?]{0,40}?\b(verbockt|vermasselt)\b", {"erb", "erm"}),
        (r"\b(ich|wir)\s+(haben|hatten)\s+(den|einen)\s+fehler", {"feh"}),
        (r"[^.]+\.", {"."}),
    ],
)
def test_prefilter_keeps_the_most_telling_literal_a_match_must_contain(pattern, expected):
    rx = re.compile(pattern, re.IGNORECASE)
    assert required_grams(rx) == expected


def test_prefilter_letters_that_case_folding_pairs_differently_open_the_gate():
    """re's IGNORECASE matches a long s for an s; str.lower does not know that."""
    rx = re.compile(r"\bsie\b", re.IGNORECASE)
    assert rx.search("ſie haben recht")
    assert text_grams("ſie haben recht") is None
    assert RegexGate([rx]).candidates(text_grams("ſie haben recht")) == [0]
    assert RegexGate([rx]).candidates(text_grams("Guten Tag")) == []
    assert RegexGate([rx]).candidates(text_grams("SIE HABEN RECHT")) == [0]


def _texts() -> list[str]:
    texts: list[str] = []
    for rule in load_rules().rules:
        texts.extend(rule.spec.examples)
        texts.extend(rule.spec.counterexamples)
    for path in sorted((REPO / "sample_transcripts").rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        calls = data if isinstance(data, list) else [data]
        for call in calls:
            if isinstance(call, dict):
                turns = call.get("turns") or call.get("utterances") or []
                texts.extend(t["text"] for t in turns if isinstance(t, dict) and "text" in t)
    dev = REPO / "data" / "dev" / "calls" / "json"
    for path in sorted(dev.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        texts.extend(t["text"] for t in data.get("turns", []) if "text" in t)
    variants = []
    for t in texts:
        variants += [t, t.upper(), re.sub(r"[^\w\s]", "", t).lower()]
    return variants


def test_prefilter_never_skips_a_regex_that_matches():
    patterns = []
    for rule in load_rules().rules:
        flags = 0 if rule.spec.case_sensitive else re.IGNORECASE
        patterns += [re.compile(rx, flags) for rx in rule.spec.regex]
    assert len(patterns) > 400
    gate = RegexGate(patterns)
    texts = _texts()
    assert len(texts) > 3000
    skipped = checked = 0
    for text in texts:
        allowed = set(gate.candidates(text_grams(text)))
        for i, rx in enumerate(patterns):
            if i not in allowed:
                skipped += 1
                assert not rx.search(text), (rx.pattern, text)
            checked += 1
    assert skipped > checked / 2  # and it does skip: most regexes do not run on most texts


TRICKY = [
    (r"(?<=Herr )Meier\b", 0),
    (r"(?i)straße", 0),
    (r"STRASSE|Straße", re.IGNORECASE),
    (r"(ab)\1", 0),
    (r"(a)?(?(1)b|c)d", 0),
    (r"(?>ver)sehen", re.IGNORECASE),
    (r"ja++ gut", 0),
    (r"""(?x) sie \s+ (haben|hatten)  # verbose""", re.IGNORECASE),
    (r"(?-i:Sie)\s+können", re.IGNORECASE),
    (r"[Ss]ie|[Ii]hr", 0),
    (r"Σ+", re.IGNORECASE),
    (r"\bİstanbul", re.IGNORECASE),
]
TRICKY_TEXTS = [
    "Herr Meier ruft an.",
    "Die STRASSE ist gesperrt, die Straße auch, die STRAẞE erst recht.",
    "abab und abcd, acd, bd",
    "Das haben wir übersehen. VERSEHEN!",
    "jaaa gut, ja gut",
    "SIE   HABEN recht, sie hatten recht",
    "Sie können das, sie können das",
    "IHR seid dran, ihr auch",
    "ΣΊΣΥΦΟΣ und σίσυφος",
    "istanbul und İstanbul und ISTANBUL",
]


@pytest.mark.parametrize("pattern,flags", TRICKY)
def test_prefilter_is_exact_on_lookarounds_flags_backrefs_and_odd_case_folding(pattern, flags):
    """A user's own rules can hold any regex: the gate never skips one that matches."""
    rx = re.compile(pattern, flags)
    gate = RegexGate([rx])
    for text in TRICKY_TEXTS:
        for variant in (text, text.upper(), text.lower(), text.swapcase()):
            if rx.search(variant):
                assert gate.candidates(text_grams(variant)) == [0], (pattern, variant)

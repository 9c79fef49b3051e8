"""A keyword backend for tests: fast, deterministic, no model files, no third-party imports.

**Test-only.** ``FakeBackend`` exists so that everything above the model (detectors, scoring,
the CLI, reports) can be tested in milliseconds and without the shipped weights. It knows a
few dozen German cue words and nothing else; never use it to judge real calls.

Rules, in order:

* the text is lowercased and split into word tokens;
* sarcastic praise ("ganz toll", "na super") counts as one negative cue and
  its positive word is not counted again;
* a positive cue preceded within three tokens by a negator ("nicht", "kein", "nie") or
  written with the prefix "un" ("unfreundlich") counts as negative;
* a run of two or more "!" counts as one negative cue;
* the scores are a softmax over ``1.5 * positive hits``, ``1.5 * negative hits`` and a fixed
  ``1.0`` for neutral; ties between positive and negative go to negative.
"""

from __future__ import annotations

import math
import re

from toneprobe.sentiment.base import Sentiment, SentimentBackend

_WORD = re.compile(r"[a-zäöüß]+")

# Cue stems, matched at the start of a token ("kündig" matches "kündige", "kündigen").
NEGATIVE_STEMS: tuple[str, ...] = (
    "ärger",
    "verärger",
    "unverschämt",
    "frechheit",
    "katastroph",
    "kündig",
    "unzufrieden",
    "enttäusch",
    "schlecht",
    "wütend",
    "sauer",
    "beschwer",
    "skandal",
    "zumutung",
    "unmöglich",
    "lächerlich",
    "inkompetent",
    "mist",
    "furchtbar",
    "schrecklich",
    "nervig",
    "genervt",
)
POSITIVE_STEMS: tuple[str, ...] = (
    "dank",
    "super",
    "toll",
    "freundlich",
    "geholfen",
    "hilfreich",
    "prima",
    "wunderbar",
    "perfekt",
    "zufrieden",
    "klasse",
    "hervorragend",
    "großartig",
    "nett",
    "gerne",
    "freut",
    "spitze",
)
# Multi-word negative cues, matched on the joined token sequence.
NEGATIVE_PHRASES: tuple[str, ...] = ("schon wieder", "nie wieder", "reicht mir", "reicht jetzt")
# Sarcasm: an intensifier or interjection right before praise.
SARCASM_LEADS: frozenset[str] = frozenset({"ganz", "na"})
SARCASM_TARGETS: tuple[str, ...] = ("toll", "super", "klasse", "prima", "spitze")
NEGATORS: frozenset[str] = frozenset(
    {"nicht", "kein", "keine", "keinen", "keiner", "nie", "niemals"}
)

_WEIGHT = 1.5


def _starts(token: str, stems: tuple[str, ...]) -> bool:
    return any(token.startswith(s) for s in stems)


def count_cues(text: str) -> tuple[int, int]:
    """Return ``(positive, negative)`` cue counts for one text, following the module rules."""
    tokens = _WORD.findall(text.lower())
    pos = neg = 0
    for i, tok in enumerate(tokens):
        if _starts(tok, NEGATIVE_STEMS):
            neg += 1
            continue
        un_prefixed = tok.startswith("un") and _starts(tok[2:], POSITIVE_STEMS)
        if not (un_prefixed or _starts(tok, POSITIVE_STEMS)):
            continue
        if i > 0 and tokens[i - 1] in SARCASM_LEADS and _starts(tok, SARCASM_TARGETS):
            neg += 1  # "ganz toller Service", "na super": praise used as complaint
        elif un_prefixed or NEGATORS.intersection(tokens[max(0, i - 3) : i]):
            neg += 1
        else:
            pos += 1
    joined = " ".join(tokens)
    neg += sum(joined.count(p) for p in NEGATIVE_PHRASES)
    if "!!" in text:
        neg += 1
    return pos, neg


def _softmax(values: list[float]) -> list[float]:
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


class FakeBackend(SentimentBackend):
    """Keyword rules over German cue words. Test-only; see the module docstring."""

    name = "fake"

    def _load(self) -> None:
        """Nothing to load; kept so the lazy-load contract is exercised in tests."""

    def score(self, text: str) -> Sentiment:
        pos, neg = count_cues(text)
        p_pos, p_neg, p_neu = _softmax([_WEIGHT * pos, _WEIGHT * neg, 1.0])
        scores = {"positive": p_pos, "negative": p_neg, "neutral": p_neu}
        if neg and neg >= pos:
            label = "negative"
        elif pos:
            label = "positive"
        else:
            label = "neutral"
        return Sentiment(label, scores)  # type: ignore[arg-type]

    def _predict_nonempty(self, texts: list[str]) -> list[Sentiment]:
        return [self.score(t) for t in texts]

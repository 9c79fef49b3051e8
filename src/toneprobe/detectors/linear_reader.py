"""The shared part of the learned readers (``hangup_reader.py``, ``context_reader.py``): words
as features, a frozen multinomial logistic regression over named features, and its file.

A reader's features are named: dense ones the reader lists with the words an explanation
uses, and word features ``w:<slot>:<words>`` (a unigram or bigram of one slot's text). The
model explains a reading as a rule does: the features that pushed it most toward its answer,
among those the call has more of than the fitted examples on average.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from toneprobe.errors import ConfigError

WORD_FEATURE = re.compile(r"^w:([a-z]+):(\S+( \S+)?)$")
TOKEN = re.compile(r"[^\W\d_]+|\d+|[?!…]")


def tokens(text: str) -> list[str]:
    """Lower-cased words (and ?, !, … as tokens of their own); ASR text and typed text alike."""
    return TOKEN.findall(text.lower().replace("...", "…"))


def word_features(slot: str, text: str) -> set[str]:
    """Unigrams and bigrams of one slot's text, as feature names ``w:<slot>:<words>``."""
    toks = tokens(text)
    grams = set(toks) | {f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False)}
    return {f"w:{slot}:{g}" for g in grams}


@dataclass(frozen=True, slots=True)
class LinearReader:
    """Softmax over ``classes`` of intercept + sum of coef * feature (absent features are 0).
    ``weight`` and ``min_prob`` say how a reading becomes evidence (each reader says how)."""

    classes: tuple[str, ...]
    intercept: Mapping[str, float]
    coef: Mapping[str, Mapping[str, float]]  # feature -> class -> weight
    mean: Mapping[str, float]  # the fitted examples' mean of each feature
    weight: float
    min_prob: float

    def probabilities(self, x: Mapping[str, float]) -> dict[str, float]:
        z = dict(self.intercept)
        for name, value in x.items():
            row = self.coef.get(name)
            if row is None or not value:
                continue
            for c, w in row.items():
                z[c] += w * value
        top = max(z.values())
        exp = {c: math.exp(v - top) for c, v in z.items()}
        total = sum(exp.values())
        return {c: exp[c] / total for c in self.classes}

    def pushes(self, x: Mapping[str, float], outcome: str, n: int = 4) -> list[str]:
        """The ``n`` features that pushed ``x`` most toward ``outcome`` against the other
        classes on average, among those ``x`` has more of than the fitted examples on
        average: weight margin times the distance from the mean."""
        others = [c for c in self.classes if c != outcome]
        parts = []
        for name, row in self.coef.items():
            above = x.get(name, 0.0) - self.mean.get(name, 0.0)
            if above <= 0:
                continue
            margin = row[outcome] - sum(row[c] for c in others) / len(others)
            if margin * above > 0.1:
                parts.append((margin * above, name))
        return [name for _, name in sorted(parts, reverse=True)[:n]]


def parse_reader(
    raw: Mapping[str, Any], where: str, classes: Sequence[str], known: Callable[[str], bool]
) -> LinearReader:
    """A reader from its JSON form (``coef``: feature -> one weight per class in ``classes``
    order); ConfigError names the file and what is wrong. ``known`` tells a dense feature the
    reader computes; word features are always known."""
    try:
        intercept = {str(c): float(raw["intercept"][c]) for c in classes}
        coef = {
            str(k): {c: float(v[i]) for i, c in enumerate(classes)} for k, v in raw["coef"].items()
        }
        mean = {str(k): float(v) for k, v in raw["mean"].items()}
        weight = float(raw["weight"])
        min_prob = float(raw["min_prob"])
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
        raise ConfigError(f"{where}: malformed ({err})") from err
    unknown = sorted(k for k in coef if not known(k) and not WORD_FEATURE.match(k))
    if unknown:
        raise ConfigError(f"{where}: coef: unknown features {unknown[:5]}")
    if set(mean) != set(coef):
        raise ConfigError(f"{where}: every coefficient needs a mean")
    if weight < 0 or not 0 <= min_prob <= 1:
        raise ConfigError(f"{where}: weight must be >= 0 and min_prob within 0..1")
    return LinearReader(tuple(classes), intercept, coef, mean, weight, min_prob)


def packaged_json(name: str) -> tuple[dict[str, Any] | None, str]:
    """A reader file of ``toneprobe/data`` as JSON (None when absent) and its name for errors."""
    ref = resources.files("toneprobe") / "data" / name
    where = f"toneprobe/data/{name}"
    if not ref.is_file():
        return None, where
    try:
        raw = json.loads(ref.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"{where}: cannot read the model ({err})") from err
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: not a JSON object")
    return raw, where


def shipped_reader(
    name: str, classes: Sequence[str], known: Callable[[str], bool]
) -> LinearReader | None:
    """The reader file ``toneprobe/data/<name>`` parsed (``parse_reader``); None if the file is
    absent or its weight is 0 (the reader is off)."""
    raw, where = packaged_json(name)
    if raw is None:
        return None
    model = parse_reader(raw, where, classes, known)
    return model if model.weight > 0 else None

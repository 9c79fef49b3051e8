"""Findings from the agent-move classifier (issue 13): the model rules of ``data/moves.yaml``.

Each move the model can report is a rule-like entry with an id (``respect.model.blame.v1``),
the detector that reports it, the kind the detector's logic reads (``blame``, ``apology``...),
a weight and the probability threshold at which a sentence becomes a finding. The thresholds
are chosen on the labelled calls by ``scripts/move_thresholds.py``, not set by hand.

Rules stay first: a sentence the rules already flag with the same polarity gets no model
finding, and a negative model finding never lies in quoted or reported words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from toneprobe.detectors.base import CallContext
from toneprobe.errors import ConfigError
from toneprobe.findings import Finding
from toneprobe.sentiment.moves import SentenceMoves
from toneprobe.yamldata import load_yaml, validation_message

MOVES_FILE = "data/moves.yaml"


class MoveRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^(respect|empathy)\.model\.[a-z_]+\.v\d+$")
    move: str
    detector: Literal["respect", "empathy"]
    polarity: Literal["positive", "negative"]
    kind: str
    weight: float = Field(ge=0.0, le=1.0)
    #: a probability of 1.0 is never reached: the move is off
    threshold: float = Field(gt=0.0, le=1.0)
    #: sentences with fewer words give no finding of this move
    min_words: int = Field(default=1, ge=1)
    description: str
    example: str

    @model_validator(mode="after")
    def _id_matches(self) -> MoveRule:
        if not self.id.startswith(f"{self.detector}.model.{self.move}.v"):
            raise ValueError(f"id must be {self.detector}.model.{self.move}.v<n>")
        return self


class MoveRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    moves: tuple[MoveRule, ...]

    def for_detector(self, detector: str) -> tuple[MoveRule, ...]:
        return tuple(m for m in self.moves if m.detector == detector)


@lru_cache(maxsize=1)
def load_move_rules() -> MoveRules:
    """``data/moves.yaml``, validated (an error names the file, the move's id and the field)."""
    text = (resources.files("toneprobe") / "data" / "moves.yaml").read_text(encoding="utf-8")
    data = load_yaml(text, MOVES_FILE, ConfigError)
    try:
        rules = MoveRules.model_validate(data)
    except ValidationError as err:
        raise ConfigError(validation_message(MOVES_FILE, data, err)) from None
    ids = [m.id for m in rules.moves]
    if len(ids) != len(set(ids)):
        raise ConfigError(f"{MOVES_FILE}: duplicate move ids")
    return rules


QUOTED_SHARE = 0.3  # a sentence this much in quoted or reported words is not the agent's own


def _mostly_quoted(sent: SentenceMoves) -> bool:
    """Whether quoted or reported words (blanked in what the model read) make up at least
    ``QUOTED_SHARE`` of the sentence: what is left ("Sie schreiben, ...") is no act of its own."""
    if not sent.read:
        return False
    chars = [(a, b) for a, b in zip(sent.text, sent.read, strict=False) if not a.isspace()]
    blanked = sum(1 for a, b in chars if b.isspace())
    return bool(chars) and blanked / len(chars) >= QUOTED_SHARE


# "Herr Brandt," / "Frau Dr. Öztürk," opening a sentence addresses the customer: no content
_VOCATIVE = re.compile(r"^\s*(?:Herr|Frau)\s+(?:Dr\.\s+)?[\w-]+\s*,", re.IGNORECASE)


def content_words(sentence: str) -> int:
    """Words in a sentence less a leading form of address ("Herr Brandt, ganz langsam." has
    two): a short sentence is too little context for the model to read a slight into it."""
    return len(_VOCATIVE.sub("", sentence).split())


def model_findings(
    ctx: CallContext, rules: Iterable[MoveRule], found: list[Finding], detector: str
) -> list[Finding]:
    """One finding per agent sentence and polarity: the move of ``rules`` whose probability
    exceeds its threshold by the widest margin, where no finding of ``found`` with the same
    polarity overlaps the sentence (and, for a negative move, outside quoted words)."""
    rules = tuple(rules)
    out: list[Finding] = []
    for turn, moves in zip(ctx.transcript.turns, ctx.moves or (), strict=False):
        if moves is None or turn.role != "agent":
            continue
        taken = [f for f in found if f.turn == turn.index]
        for sent in moves.sentences:
            for polarity in ("negative", "positive"):
                n_words = content_words(sent.text)
                cands = [
                    (sent.probs.get(r.move, 0.0) / r.threshold, r)
                    for r in rules
                    if r.polarity == polarity
                    and sent.probs.get(r.move, 0.0) >= r.threshold
                    and n_words >= r.min_words
                ]
                if not cands or any(
                    f.polarity == polarity and f.start < sent.end and sent.start < f.end
                    for f in taken
                ):
                    continue
                rule = max(cands, key=lambda c: c[0])[1]
                prob = sent.probs[rule.move]
                words = moves.model.top_words(sent.read or sent.text, rule.move)
                finding = Finding(
                    detector=detector,
                    rule_id=rule.id,
                    turn=turn.index,
                    role=turn.role,
                    speaker=turn.speaker,
                    start=sent.start,
                    end=sent.end,
                    text=sent.text,
                    polarity=polarity,  # type: ignore[arg-type]
                    kind=rule.kind,
                    base_weight=rule.weight,
                    weight=rule.weight,
                    explanation=(
                        f"{rule.description}: agent-move model p={prob:.2f} >= {rule.threshold}; "
                        f"words that weighed most: {', '.join(words)} ({rule.id}, "
                        "models/agent-moves-de)"
                    ),
                )
                if polarity == "negative" and (ctx.is_shielded(finding) or _mostly_quoted(sent)):
                    continue
                out.append(finding)
    return out

"""Findings from the agent-move classifier (issue 13): the model rules of ``data/moves.yaml``.

Each move the model can report is a rule-like entry with an id (``respect.model.blame.v1``),
the detector that reports it, the kind the detector's logic reads (``blame``, ``apology``...),
a weight and the probability threshold at which a sentence becomes a finding. The thresholds
are chosen on the labelled calls by ``scripts/move_thresholds.py``, not set by hand.

Rules stay first: a sentence the rules already flag with the same polarity gets no model
finding, and a negative model finding never lies in quoted or reported words (the model reads
them blanked). A move marked ``separate`` (the apology) is an act of its own: it is reported
next to the sentence's other positive move, and only a rule finding of its own kind (a rule
apology in the sentence) keeps it quiet, not a "bitte" or a "Sie" that a courtesy rule found.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from toneprobe.detectors.base import CallContext
from toneprobe.errors import ConfigError
from toneprobe.findings import Finding
from toneprobe.matcher import unless_patterns
from toneprobe.rules import RuleSet
from toneprobe.yamldata import load_yaml, validation_message

if TYPE_CHECKING:  # numpy and the model code stay out of processes that only collect results
    from toneprobe.sentiment.moves import SentenceMoves

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
    #: a positive move that is an act of its own (an apology): reported next to the sentence's
    #: other positive move, and kept quiet only by a rule finding of the same kind
    separate: bool = False
    #: a rule (``respect.apology.v2``) whose ``unless`` guards veto this move too: the
    #: near-misses the rule knows (a courtesy "Entschuldigung", a refusal wrapped in "tut mir
    #: leid", the customer's apology) are near-misses for the model as well
    guard: str | None = None
    #: positive moves that cancel this negative one where the agent makes one of them (over
    #: its own threshold) in the same sentence or, with ``outweighed_in: turn``, the same turn:
    #: an honest limit with a way forward is no refusal, "das haben wir versäumt, nicht Sie"
    #: owns a mistake and blames nobody
    outweighed_by: tuple[str, ...] = ()
    outweighed_in: Literal["sentence", "turn"] = "sentence"
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
    #: a negative move whose log-odds exceed its threshold's by this much is a clear finding:
    #: it weighs ``clear_weight`` (enough to make a call disrespectful on its own) instead of
    #: the move's weight. Chosen on the labelled calls (scripts/move_thresholds.py); absent: off
    clear_margin: float | None = Field(default=None, gt=0.0)
    clear_weight: float = Field(default=0.5, ge=0.0, le=1.0)
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
    known = {m.move for m in rules.moves if m.polarity == "positive"}
    for m in rules.moves:
        unknown = sorted(set(m.outweighed_by) - known)
        if unknown:
            raise ConfigError(f"{MOVES_FILE}: {m.id}: outweighed_by: no positive move {unknown}")
    return rules


def clear_probability(rule: MoveRule, margin: float | None) -> float | None:
    """The probability at which a finding of this negative move is clear: its log-odds exceed
    the threshold's by ``margin`` (None: never)."""
    if margin is None or rule.polarity != "negative" or rule.threshold >= 1.0:
        return None
    odds = rule.threshold / (1.0 - rule.threshold) * math.exp(margin)
    return odds / (1.0 + odds)


def made_levels() -> dict[str, float]:
    """Per move, the probability at which a sentence makes it: the lower of the move's finding
    threshold in ``moves.yaml`` and the model's own decision threshold (``model.json``). A
    move whose finding is switched off for the score (threshold 1.0) still outweighs: "Ich rufe
    Sie morgen zurück" is a way forward whether or not it is reported as a finding."""
    from toneprobe.sentiment.moves import load_move_classifier

    clf = load_move_classifier()
    clf.load()
    return {
        m.move: min(m.threshold, clf.thresholds.get(m.move, 1.0)) for m in load_move_rules().moves
    }


def made_moves(sent: SentenceMoves, levels: Mapping[str, float]) -> set[str]:
    """The moves of ``levels`` (:func:`made_levels`) this sentence makes."""
    return {move for move, level in levels.items() if sent.probs.get(move, 0.0) >= level}


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


Guards = Mapping[str, tuple[re.Pattern[str], ...]]


def move_guards(moves: Iterable[MoveRule], rules: RuleSet) -> Guards:
    """The compiled ``unless`` guards of each move's ``guard`` rule; an unknown rule id is a
    config error that names data/moves.yaml and the move."""
    by_id = rules.by_id()
    out: dict[str, tuple[re.Pattern[str], ...]] = {}
    for move in moves:
        if move.guard is None:
            continue
        rule = by_id.get(move.guard)
        if rule is None:
            raise ConfigError(f"{MOVES_FILE}: {move.id}: guard: no rule {move.guard!r}")
        out[move.id] = tuple(unless_patterns(rule))
    return out


def model_findings(
    ctx: CallContext,
    rules: Iterable[MoveRule],
    found: list[Finding],
    detector: str,
    guards: Guards | None = None,
    clear_margin: float | None = None,
) -> list[Finding]:
    """Model findings for the agent sentences: per sentence the negative move of ``rules``
    whose probability exceeds its threshold by the widest margin, where no negative finding of
    ``found`` overlaps the sentence (never where quoted words lie in it); likewise the widest
    positive move where no positive finding overlaps; and each ``separate`` move over its
    threshold where no finding of ``found`` of its kind overlaps the sentence. A move whose
    ``guards`` hit the sentence gives no finding there. A negative finding at or over its
    move's ``clear_probability`` weighs ``clear_weight`` of ``data/moves.yaml``."""
    rules = tuple(rules)
    clear_weight = load_move_rules().clear_weight
    levels = made_levels() if ctx.moves else {}
    out: list[Finding] = []
    for turn, moves in zip(ctx.transcript.turns, ctx.moves or (), strict=False):
        if moves is None or turn.role != "agent":
            continue
        taken = [f for f in found if f.turn == turn.index]
        made = [made_moves(sent, levels) for sent in moves.sentences]
        in_turn = set().union(*made)
        for sent, in_sentence in zip(moves.sentences, made, strict=True):
            n_words = content_words(sent.text)
            over = [
                r
                for r in rules
                if sent.probs.get(r.move, 0.0) >= r.threshold
                and n_words >= r.min_words
                and not any(g.search(sent.text) for g in (guards or {}).get(r.id, ()))
                and not set(r.outweighed_by)
                & (in_turn if r.outweighed_in == "turn" else in_sentence)
            ]
            covering = [f for f in taken if f.start < sent.end and sent.start < f.end]
            picked: list[MoveRule] = []
            negative = [r for r in over if r.polarity == "negative"]
            if negative and not any(f.polarity == "negative" for f in covering):
                picked.append(max(negative, key=lambda r: sent.probs[r.move] / r.threshold))
            # positive moves compete for one finding per sentence, unless a rule finding of a
            # move covers it; a `separate` move is its own act, kept quiet only by its own kind
            positive = [r for r in over if r.polarity == "positive" and not r.separate]
            if positive and not any(f.polarity == "positive" for f in covering):
                picked.append(max(positive, key=lambda r: sent.probs[r.move] / r.threshold))
            have = {f.kind for f in covering if f.polarity == "positive"}
            picked.extend(
                r for r in over if r.polarity == "positive" and r.separate and r.kind not in have
            )
            for rule in picked:
                polarity = rule.polarity
                prob = sent.probs[rule.move]
                words = moves.model.top_words(sent.read or sent.text, rule.move)
                clear = clear_probability(rule, clear_margin)
                weight, how = rule.weight, f"p={prob:.2f} >= {rule.threshold}"
                if clear is not None and prob >= clear:
                    weight, how = clear_weight, f"p={prob:.3f} >= {clear:.3f} (clear)"
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
                    weight=weight,
                    explanation=(
                        f"{rule.description}: agent-move model {how}; "
                        f"words that weighed most: {', '.join(words)} ({rule.id}, "
                        "models/agent-moves-de)"
                    ),
                )
                # a sentence with someone else's words blanked out is no longer the sentence the
                # agent said ("Erst mal: [...] sind wir nicht, ich schaue mir das an." reads as a
                # refusal): the model's negative reading of it is not evidence
                if polarity == "negative" and (ctx.quotes_within(finding) or _mostly_quoted(sent)):
                    continue
                out.append(finding)
    return out

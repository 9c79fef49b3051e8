"""Text cues that tell an agent from a customer, and each speaker's cue scores.

The cues are data: ``rules/roles.yaml`` (id, side, class, weight, regexes, examples and
counterexamples), validated when it is loaded; an error names the file, the cue and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from toneprobe.errors import RuleError
from toneprobe.yamldata import check_regexes, load_yaml, validation_message

CUE_ID = re.compile(r"^roles\.(?:agent|customer)\.[a-z][a-z0-9_]*\.v[0-9]+$")
CUES_PATH = "rules/roles.yaml"
_WORD = re.compile(r"\w+")


class CueSpec(BaseModel):
    """One role cue as written in YAML."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    side: Literal["agent", "customer"]
    # what kind of evidence it is: self_introduction, company_greeting, recording_notice, ...
    class_: str = Field(alias="class", min_length=3)
    description: str = Field(min_length=3)
    weight: float = Field(gt=0.0, le=5.0)
    opening_only: bool = False
    call_opening: bool = False
    misplaceable: bool = False
    case_sensitive: bool = False
    regex: tuple[str, ...] = Field(min_length=1)
    examples: tuple[str, ...] = Field(min_length=1)
    counterexamples: tuple[str, ...] = ()

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not CUE_ID.match(value):
            raise ValueError(f"must look like 'roles.agent.name.v1' (got {value!r})")
        return value

    @field_validator("regex")
    @classmethod
    def _check_regex(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return check_regexes(values)


class DecisionSpec(BaseModel):
    """How cue scores become a decision and a confidence (``decision:`` in the cue file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first_speaker_prior: float = Field(default=0.5, ge=0.0, le=5.0)
    second_agent: float = Field(default=4.0, gt=0.0)  # a further speaker this agent-like is one
    swapped: float = Field(default=6.0, gt=0.0)  # source roles this contradicted are flagged
    # (score margin, share of right decisions) points; the confidence is interpolated between
    confidence: tuple[tuple[float, float], ...] = ((0.0, 0.5), (6.0, 0.99))
    warn_below: float = Field(default=0.6, ge=0.5, le=1.0)

    @field_validator("confidence")
    @classmethod
    def _check_curve(
        cls, points: tuple[tuple[float, float], ...]
    ) -> tuple[tuple[float, float], ...]:
        if len(points) < 2:
            raise ValueError("needs at least two [margin, confidence] points")
        for (m0, c0), (m1, c1) in zip(points, points[1:], strict=False):
            if m1 <= m0 or c1 < c0:
                raise ValueError("margins must rise and confidences must not fall")
        if not all(0.5 <= c <= 1.0 for _, c in points) or points[0][0] != 0.0:
            raise ValueError("must start at margin 0 and keep confidences within 0.5..1")
        return points


class CueFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    opening_turns: int = Field(default=2, ge=1)
    repeat_cap: int = Field(default=2, ge=1)
    decision: DecisionSpec = DecisionSpec()
    cues: list[CueSpec] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Cue:
    """A validated cue: its patterns compiled, and where it came from."""

    id: str
    side: Literal["agent", "customer"]
    cls: str
    weight: float
    patterns: tuple[re.Pattern[str], ...]
    opening_only: bool = False  # counts only in the speaker's first turns
    call_opening: bool = False  # counts only in the first turn of the call
    misplaceable: bool = False  # not at the head of the second speaker's first turn
    path: str = CUES_PATH

    def search(self, text: str) -> re.Match[str] | None:
        for pattern in self.patterns:
            if m := pattern.search(text):
                return m
        return None

    def search_past_head(self, text: str) -> re.Match[str] | None:
        """A match with at least two words before it (``Ja, hallo, was kann ich ...``)."""
        for pattern in self.patterns:
            for m in pattern.finditer(text):
                if len(_WORD.findall(text[: m.start()])) >= 2:
                    return m
        return None


@dataclass(frozen=True, slots=True)
class CueSet:
    cues: tuple[Cue, ...]
    specs: tuple[CueSpec, ...]
    opening_turns: int
    repeat_cap: int
    decision: DecisionSpec

    def side(self, side: str) -> tuple[Cue, ...]:
        return tuple(c for c in self.cues if c.side == side)


def parse_cue_file(text: str, path: str) -> CueSet:
    """Parse and validate a role-cue file; errors name the file, the cue id and the field."""
    data = load_yaml(text, path, RuleError)
    if not isinstance(data, dict):
        raise RuleError(f"{path}: expected a mapping with 'cues'")
    try:
        parsed = CueFile.model_validate(data)
    except ValidationError as err:
        raise RuleError(validation_message(path, data, err)) from None
    seen: set[str] = set()
    cues = []
    for spec in parsed.cues:
        if spec.id in seen:
            raise RuleError(f"{path}: {spec.id}: id: duplicate id")
        seen.add(spec.id)
        if not spec.id.startswith(f"roles.{spec.side}."):
            raise RuleError(f"{path}: {spec.id}: side: id must start with 'roles.{spec.side}.'")
        flags = 0 if spec.case_sensitive else re.IGNORECASE
        patterns = tuple(re.compile(r, flags) for r in spec.regex)
        cues.append(
            Cue(
                spec.id,
                spec.side,
                spec.class_,
                spec.weight,
                patterns,
                spec.opening_only,
                spec.call_opening,
                spec.misplaceable,
                path,
            )
        )
    return CueSet(
        tuple(cues), tuple(parsed.cues), parsed.opening_turns, parsed.repeat_cap, parsed.decision
    )


@lru_cache(maxsize=1)
def role_cues() -> CueSet:
    """The built-in role cues (``rules/roles.yaml``), loaded once per process."""
    text = (resources.files("toneprobe") / "rules" / "roles.yaml").read_text(encoding="utf-8")
    return parse_cue_file(text, CUES_PATH)


def cue_scores(
    texts: list[str], opens_call: bool = False, speaks_second: bool = False
) -> tuple[float, float, list[str]]:
    """Agent score, customer score and fired cue ids for one speaker's texts in order.

    A cue counts once, a quarter more for each repeat up to ``repeat_cap`` hits; the
    ``opening_only`` cues are searched only in the first ``opening_turns`` turns, the
    ``call_opening`` cues only in the first turn and only when this speaker ``opens_call``.
    When this speaker ``speaks_second``, a ``misplaceable`` cue found only at the head of their
    first text counts half: that is where diarisation puts the last words of the turn before
    ("Was kann ich für Sie tun?" opening the customer's segment).
    """
    cueset = role_cues()
    scores = {"agent": 0.0, "customer": 0.0}
    fired: list[str] = []
    for cue in cueset.cues:
        hits = 0
        head_only = False  # the one hit may be the turn before's last words
        for i, text in enumerate(texts):
            if (cue.opening_only and i >= cueset.opening_turns) or (
                cue.call_opening and (i or not opens_call)
            ):
                break
            if cue.search(text):
                if cue.misplaceable and speaks_second and i == 0:
                    head_only = not cue.search_past_head(text)
                hits += 1
                if hits >= cueset.repeat_cap:
                    break
        if hits:
            score = cue.weight * (1.0 + 0.25 * (hits - 1))
            scores[cue.side] += score * 0.5 if head_only and hits == 1 else score
            fired.append(cue.id)
    return scores["agent"], scores["customer"], fired


def offers_help(text: str) -> bool:
    """``was kann ich für Sie tun``, ``how may I help you`` (the cue ``roles.agent.help_offer``)."""
    return any(
        c.cls == "help_offer" and c.id.startswith("roles.agent.help_offer.") and c.search(text)
        for c in role_cues().cues
    )


def answers_phone(text: str) -> bool:
    """The whole turn is what a callee says on picking up (a ``call_opening`` cue matches)."""
    return any(c.call_opening and c.search(text) for c in role_cues().cues)

"""Rules as data: YAML files under ``rules/de/`` (one per detector), validated on load.

Each rule has a versioned id (``respect.blame.v1``), a description, a polarity, a weight in 0..1,
patterns (``phrases`` for spaCy's PhraseMatcher on LOWER, token ``patterns`` for the Matcher,
``regex``), optional ``unless`` guards, and German ``examples`` and ``counterexamples`` that the
test suite runs. ``load_rules(extra_dirs)`` adds or overrides rules by id from user directories.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from toneprobe.errors import RuleError
from toneprobe.yamldata import check_regexes, load_yaml, validation_message

RULE_ID = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z0-9_]*)+\.v[0-9]+$")
Polarity = Literal["positive", "negative", "cue"]


class RuleSpec(BaseModel):
    """One rule as written in YAML."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    description: str = Field(min_length=3)
    polarity: Polarity
    weight: float = Field(ge=0.0, le=1.0)
    kind: str | None = None
    roles: tuple[Literal["agent", "customer"], ...] = ("agent",)
    phrases: tuple[str, ...] = ()
    patterns: tuple[tuple[dict[str, Any], ...], ...] = ()
    regex: tuple[str, ...] = ()
    case_sensitive: bool = False
    unless: tuple[str, ...] = ()
    unless_scope: Literal["sentence", "turn"] = "sentence"
    allow_quoted: bool = False
    #: a positive rule that counts only the speaker's own words: never inside quotation marks or
    #: reported speech ("Sie sagten, ein 'tut mir leid' reiche nicht"), like a negative rule
    own_words: bool = False
    #: the speaker takes the words back at once ("Ah, Entschuldigung, Sie natürlich."): a match
    #: of one of these regexes in a turn, or in the same speaker's next turn, drops the rule's
    #: findings in that turn
    retracted_by: tuple[str, ...] = ()
    #: words that answer the other side: a match of one of these regexes in the other side's
    #: turn just before drops the rule's findings in this turn ("das ist ja nicht Ihr Problem"
    #: -> "das ist tatsächlich nicht mein Problem, aber ..." echoes, it does not shrug)
    unless_after: tuple[str, ...] = ()
    examples: tuple[str, ...] = Field(min_length=1)
    counterexamples: tuple[str, ...] = ()

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not RULE_ID.match(value):
            raise ValueError(f"must look like 'detector.name.v1' (got {value!r})")
        return value

    @field_validator("regex", "unless", "retracted_by", "unless_after")
    @classmethod
    def _check_regex(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return check_regexes(values)


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    detector: str
    version: int = 1
    rules: list[RuleSpec]


@dataclass(frozen=True, slots=True)
class Rule:
    """A validated rule with the file it came from."""

    spec: RuleSpec
    detector: str
    path: str

    @property
    def id(self) -> str:
        return self.spec.id

    def retracts(self, text: str) -> bool:
        """The text takes this rule's words back (one of its ``retracted_by`` regexes)."""
        return any(_compiled(p).search(text) for p in self.spec.retracted_by)

    def answers(self, text: str) -> bool:
        """The other side's turn before says what this rule's words answer (``unless_after``)."""
        return any(_compiled(p).search(text) for p in self.spec.unless_after)


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]

    def for_detector(self, detector: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.detector == detector)

    def by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}


def parse_rule_file(text: str, path: str) -> tuple[Rule, ...]:
    """Parse and validate one YAML rule file; errors name the file, the rule and the field."""
    data = load_yaml(text, path, RuleError)
    if not isinstance(data, dict):
        raise RuleError(f"{path}: expected a mapping with 'detector' and 'rules'")
    try:
        parsed = RuleFile.model_validate(data)
    except ValidationError as err:
        raise RuleError(validation_message(path, data, err)) from None
    for spec in parsed.rules:
        if not (spec.phrases or spec.patterns or spec.regex):
            raise RuleError(f"{path}: {spec.id}: needs phrases, patterns or regex")
        if not spec.id.startswith(parsed.detector + "."):
            raise RuleError(f"{path}: {spec.id}: id must start with '{parsed.detector}.'")
    return tuple(Rule(spec, parsed.detector, path) for spec in parsed.rules)


def builtin_rule_files() -> list[tuple[str, str]]:
    base = resources.files("toneprobe") / "rules" / "de"
    out = []
    for entry in sorted(base.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            out.append((f"rules/de/{entry.name}", entry.read_text(encoding="utf-8")))
    return out


def load_rules(extra_dirs: tuple[str | Path, ...] | list[str | Path] = ()) -> RuleSet:
    """Built-in rules, then user directories (a rule with the same id replaces the built-in)."""
    merged: dict[str, Rule] = {}
    for path, text in builtin_rule_files():
        for rule in parse_rule_file(text, path):
            if rule.id in merged:
                raise RuleError(f"{path}: {rule.id}: duplicate id (also in {merged[rule.id].path})")
            merged[rule.id] = rule
    for directory in extra_dirs:
        d = Path(directory)
        if not d.is_dir():
            raise RuleError(f"{d}: --rules must be a directory of YAML rule files")
        for file in sorted(d.glob("*.yaml")) + sorted(d.glob("*.yml")):
            try:
                text = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                raise RuleError(f"{file}: cannot read: {err}") from None
            for rule in parse_rule_file(text, str(file)):
                merged[rule.id] = rule
    return RuleSet(tuple(merged.values()))

"""Scores as pure functions: detector summaries + weights -> components -> empathy_score, and
per-agent aggregation with running sums (memory stays flat however many calls stream by).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from toneprobe.errors import ConfigError
from toneprobe.sentiment.move_labels import MOVE_LABELS

COMPONENTS = ("deescalation", "hangup", "respect", "empathy", "warmth", "tone")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ComponentWeights(_Strict):
    deescalation: float = Field(ge=0)
    hangup: float = Field(ge=0)
    respect: float = Field(ge=0)
    empathy: float = Field(ge=0)
    warmth: float = Field(default=0.0, ge=0)
    tone: float = Field(default=0.0, ge=0)


class RespectWeights(_Strict):
    base: float
    courtesy: float
    apology_bonus: float
    per_negative_weight: float
    #: each further finding of the same rule in a call counts this share of the one before
    repeat_decay: float = Field(ge=0.0, le=1.0)
    #: the findings of one rule together weigh at most this (None: no cap), so one habit on
    #: every turn cannot take more than ``per_negative_weight * max_per_rule`` points
    max_per_rule: float | None = Field(default=None, ge=0.0)


class DeescalationWeights(_Strict):
    achieved_base: float
    achieved_credit: float
    failed_base: float
    failed_credit: float
    per_escalating_turn: float


class HangupWeights(_Strict):
    none: float | None
    customer: float | None
    agent: float | None
    dropped: float | None
    #: the agent ended the call on a customer who insults them, or after warning them about it
    #: (a boundary: the hang-up summary's ``boundary``)
    agent_boundary: float | None = None


class ToneWeights(_Strict):
    """The tone component as a grade: ``intercept`` plus each move's weight times the agent's
    profile for it (``detectors.tone``: ``moves``), on the score's 0-100 scale (grade 1 -> 0,
    5 -> 100). Without ``moves`` the component is the balance of serving and slighting moves."""

    intercept: float = 3.0
    moves: dict[str, float] = Field(default_factory=dict)

    @field_validator("moves")
    @classmethod
    def _known_moves(cls, moves: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(moves) - set(MOVE_LABELS))
        if unknown:
            raise ValueError(f"unknown moves {unknown} (known: {', '.join(MOVE_LABELS)})")
        return moves


class WarmthWeights(_Strict):
    #: the share of the agent's turns that must be warm (acknowledge, understand, reassure)
    #: for a warmth component of 100; fewer count in proportion
    full_share: float = Field(default=0.5, gt=0.0, le=1.0)


class DisrespectWeights(_Strict):
    #: points taken off the weighted mean of the components, times the call reader's
    #: probability that the call as a whole is disrespectful (``respect.disrespect_p``); 0: the
    #: call reader's verdict does not move the score
    penalty: float = Field(default=0.0, ge=0.0, le=100.0)


class AgentOptions(_Strict):
    low_n: int = Field(ge=1)


class Weights(_Strict):
    version: int
    components: ComponentWeights
    respect: RespectWeights
    deescalation: DeescalationWeights
    hangup: HangupWeights
    warmth: WarmthWeights = WarmthWeights()
    tone: ToneWeights = ToneWeights()
    disrespect: DisrespectWeights = DisrespectWeights()
    agents: AgentOptions


def parse_weights(data: Any, path: str) -> Weights:
    try:
        return Weights.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: {key}: {first['msg']}") from None


@lru_cache(maxsize=1)
def default_weights() -> Weights:
    text = (resources.files("toneprobe") / "data" / "weights.yaml").read_text(encoding="utf-8")
    return parse_weights(yaml.safe_load(text), "data/weights.yaml")


def saturated_weight(
    findings: Iterable[tuple[str, float]], decay: float, max_per_rule: float | None = None
) -> float:
    """Total weight of ``(rule_id, weight)`` findings where repeats of one rule saturate: per
    rule, heaviest first, the k-th finding counts ``decay ** k`` of its weight (decay 1: plain
    sum; 0: each rule counts once). One habit on every turn (e.g. "du") then weighs at most
    ``w / (1 - decay)`` instead of growing with the length of the call, and at most
    ``max_per_rule`` where that is set."""
    by_rule: dict[str, list[float]] = {}
    for rule_id, weight in findings:
        by_rule.setdefault(rule_id, []).append(weight)
    total = 0.0
    for weights in by_rule.values():
        rule_total = sum(w * decay**k for k, w in enumerate(sorted(weights, reverse=True)))
        total += rule_total if max_per_rule is None else min(rule_total, max_per_rule)
    return round(total, 3)


def negative_weight(findings: Iterable[tuple[str, float]], w: Weights) -> float:
    """The respect component's negative weight: ``(rule_id, weight)`` of the agent's negative
    respect findings, saturated as ``weights.yaml`` says (``repeat_decay``, ``max_per_rule``)."""
    return saturated_weight(findings, w.respect.repeat_decay, w.respect.max_per_rule)


def score_summaries(
    summaries: dict[str, dict[str, Any]],
    negatives: Iterable[tuple[str, float]],
    w: Weights,
    p_rude: float | None = None,
) -> tuple[dict[str, dict[str, Any]], dict[str, float | None], float]:
    """Detector summaries, the ``(rule_id, weight)`` of the negative respect findings and the
    call reader's probability that the call is disrespectful (None: no reader) -> (summaries
    with the saturated ``respect.negative_weight``, components, empathy_score). The one path
    from detector output to the score: the pipeline and the fit of the weights
    (``scripts/fit_composite.py``) both use it."""
    out = {**summaries, "respect": {**summaries["respect"]}}
    out["respect"]["negative_weight"] = negative_weight(negatives, w)
    components = component_scores(out, w)
    return out, components, empathy_score(components, w, p_rude)


def _clamp(x: float) -> float:
    return round(max(0.0, min(100.0, x)), 1)


def component_scores(summaries: dict[str, dict[str, Any]], w: Weights) -> dict[str, float | None]:
    """0-100 per component, None where it does not apply to the call."""
    r = summaries["respect"]
    respect = (
        w.respect.base
        + w.respect.courtesy * r["courtesy"]
        + (w.respect.apology_bonus if r["apology"] else 0.0)
        - w.respect.per_negative_weight * r["negative_weight"]
    )
    d = summaries["deescalation"]
    deesc: float | None = None
    if d["outcome"] != "not_needed":
        credit = d["credit"] or 0.0
        penalty = w.deescalation.per_escalating_turn * len(d["escalating_turns"])
        if d["outcome"] == "achieved":
            deesc = w.deescalation.achieved_base + w.deescalation.achieved_credit * credit - penalty
        else:
            deesc = w.deescalation.failed_base + w.deescalation.failed_credit * credit - penalty
    hang = getattr(w.hangup, hangup_outcome(summaries["hangup"]))
    emp = summaries["empathy"]["score"]
    return {
        "deescalation": None if deesc is None else _clamp(deesc),
        "hangup": None if hang is None else _clamp(hang),
        "respect": _clamp(respect),
        "empathy": None if emp is None else _clamp(emp),
        "warmth": warmth_score(summaries["empathy"], w),
        "tone": tone_score(summaries["empathy"], w.tone),
    }


def warm_share(empathy: dict[str, Any]) -> float | None:
    """The share of the agent's turns that are warm (``warm_turns`` of ``agent_turns`` in the
    empathy summary); None for a call without agent turns."""
    agent_turns = int(empathy.get("agent_turns") or 0)
    if not agent_turns:
        return None
    return len(empathy.get("warm_turns") or ()) / agent_turns


def hangup_outcome(hangup: dict[str, Any]) -> str:
    """The hang-up outcome the component reads: ``agent_boundary`` for an agent who ended the
    call on a customer who insults them (the summary's ``boundary``), else the outcome."""
    outcome = str(hangup["outcome"])
    return "agent_boundary" if outcome == "agent" and hangup.get("boundary") else outcome


def warmth_score(empathy: dict[str, Any], w: Weights) -> float | None:
    """0-100: the warm share, 100 from ``warmth.full_share`` up; None without agent turns."""
    share = warm_share(empathy)
    if share is None:
        return None
    return _clamp(100.0 * min(1.0, share / w.warmth.full_share))


def tone_score(empathy: dict[str, Any], w: ToneWeights | None = None) -> float | None:
    """0-100: with fitted per-move weights (``w.moves``) the grade the agent's move profile
    stands for (``intercept + sum(weight * profile)``, grade 1 -> 0, 5 -> 100); without them
    the agent-move model's tone balance over the agent's sentences (-1..1) on the score's
    scale, 50 for a call whose serving and slighting moves weigh the same. None without the
    move model or an agent sentence."""
    tone = empathy.get("tone")
    if not tone:
        return None
    if w is not None and w.moves and "moves" in tone:
        profile = tone["moves"]
        grade = w.intercept + sum(c * float(profile.get(m, 0.0)) for m, c in w.moves.items())
        return _clamp(25.0 * (grade - 1.0))
    return _clamp(50.0 * (1.0 + float(tone["balance"])))


def empathy_score(
    components: dict[str, float | None], w: Weights, p_rude: float | None = None
) -> float:
    """Weighted mean of the components that apply, less ``disrespect_penalty`` (at least 0)."""
    weights = w.components.model_dump()
    used = [(weights[k], v) for k, v in components.items() if v is not None and weights[k] > 0]
    total = sum(wt for wt, _ in used)
    if not total:
        return 0.0
    mean = sum(wt * v for wt, v in used) / total
    return round(max(0.0, mean - disrespect_penalty(p_rude, w)), 1)


def disrespect_penalty(p_rude: float | None, w: Weights) -> float:
    """Points off the score for a call that reads as disrespectful as a whole: the chosen
    ``disrespect.penalty`` times the call reader's probability (0 without the reader). The
    findings say what was said; this says how the call as a whole treats the customer, so a
    call the tool calls disrespectful does not keep the score of a polite one."""
    if not p_rude:
        return 0.0
    return round(w.disrespect.penalty * p_rude, 1)


# two-sided 95% t quantiles for df = 1..30; beyond that the normal 1.96
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042)  # fmt: skip


def t95_half_width(n: int, var: float) -> float:
    """Half the width of the two-sided 95% t interval of a mean of ``n`` >= 2 values whose
    sample variance is ``var``."""
    t = _T95[n - 2] if n - 1 <= len(_T95) else 1.96
    return t * math.sqrt(var / n)


def mean_ci95(n: int, total: float, total_sq: float) -> tuple[float, float, float] | None:
    """Mean and 95% t interval from running sums (clamped to 0..100)."""
    if n == 0:
        return None
    mean = total / n
    if n == 1:
        return mean, 0.0, 100.0
    var = max(0.0, (total_sq - n * mean * mean) / (n - 1))
    half = t95_half_width(n, var)
    return mean, max(0.0, mean - half), min(100.0, mean + half)


@dataclass
class _AgentSums:
    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    comp_sum: dict[str, float] = field(default_factory=lambda: dict.fromkeys(COMPONENTS, 0.0))
    comp_n: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COMPONENTS, 0))
    outcomes: dict[str, dict[str, int]] = field(
        default_factory=lambda: {"deescalation": {}, "hangup": {}}
    )
    disrespect_calls: int = 0
    findings: dict[str, int] = field(default_factory=dict)


def _add_sums(a: _AgentSums, b: _AgentSums) -> _AgentSums:
    out = _AgentSums(a.n + b.n, a.total + b.total, a.total_sq + b.total_sq)
    for k in COMPONENTS:
        out.comp_sum[k] = a.comp_sum[k] + b.comp_sum[k]
        out.comp_n[k] = a.comp_n[k] + b.comp_n[k]
    for det in ("deescalation", "hangup"):
        for src in (a, b):
            for key, v in src.outcomes[det].items():
                out.outcomes[det][key] = out.outcomes[det].get(key, 0) + v
    out.disrespect_calls = a.disrespect_calls + b.disrespect_calls
    for src in (a, b):
        for key, v in src.findings.items():
            out.findings[key] = out.findings.get(key, 0) + v
    return out


def surname_aliases(names: list[str]) -> dict[str, str]:
    """Map a bare surname ("Dornbusch", "Frau Dornbusch") to the one full name in the batch
    that ends with it ("Kai Dornbusch"); agents often give only their surname on the phone."""
    full: dict[str, list[str]] = {}
    for name in names:
        words = name.split()
        if len(words) >= 2 and words[0] not in ("Herr", "Frau"):
            full.setdefault(words[-1].casefold(), []).append(name)
    out = {}
    for name in names:
        words = name.split()
        if words and words[0] in ("Herr", "Frau"):
            words = words[1:]
        if len(words) == 1 and len(full.get(words[0].casefold(), [])) == 1:
            out[name] = full[words[0].casefold()][0]
    return out


def merge_surnames(sums: dict[str, _AgentSums]) -> dict[str, _AgentSums]:
    aliases = surname_aliases(list(sums))
    merged: dict[str, _AgentSums] = {}
    for name, s in sums.items():
        target = aliases.get(name, name)
        merged[target] = _add_sums(merged[target], s) if target in merged else s
    return merged


class AgentAggregator:
    """Per-agent running sums; ``add(call)`` per call record, ``agents()`` at any time."""

    def __init__(self, weights: Weights | None = None):
        self.low_n = (weights or default_weights()).agents.low_n
        self._sums: dict[str, _AgentSums] = {}

    def add(self, call: dict[str, Any]) -> None:
        s = self._sums.setdefault(call.get("agent") or "(unknown)", _AgentSums())
        score = float(call["empathy_score"])
        s.n += 1
        s.total += score
        s.total_sq += score * score
        for k, v in call["components"].items():
            if v is not None:
                s.comp_sum[k] += v
                s.comp_n[k] += 1
        for det in ("deescalation", "hangup"):
            out = call[det]["outcome"]
            s.outcomes[det][out] = s.outcomes[det].get(out, 0) + 1
        s.disrespect_calls += int(bool(call["respect"]["disrespect"]))
        for f in call["findings"]:
            s.findings[f["rule_id"]] = s.findings.get(f["rule_id"], 0) + 1

    def agents(self) -> list[dict[str, Any]]:
        out = []
        for name, s in sorted(merge_surnames(self._sums).items()):
            stats = mean_ci95(s.n, s.total, s.total_sq)
            assert stats is not None
            mean, lo, hi = stats
            out.append(
                {
                    "agent": name,
                    "calls": s.n,
                    "empathy_score": round(mean, 1),
                    "ci95": [round(lo, 1), round(hi, 1)],
                    "low_n": s.n < self.low_n,
                    "components": {
                        k: (round(s.comp_sum[k] / s.comp_n[k], 1) if s.comp_n[k] else None)
                        for k in COMPONENTS
                    },
                    "outcomes": {
                        "deescalation": dict(sorted(s.outcomes["deescalation"].items())),
                        "hangup": dict(sorted(s.outcomes["hangup"].items())),
                        "disrespect_calls": s.disrespect_calls,
                    },
                    "findings": dict(sorted(s.findings.items())),
                }
            )
        return out


def aggregate_agents(
    calls: list[dict[str, Any]], weights: Weights | None = None
) -> list[dict[str, Any]]:
    agg = AgentAggregator(weights)
    for call in calls:
        agg.add(call)
    return agg.agents()

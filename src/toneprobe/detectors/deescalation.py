"""De-escalation: was an upset customer calmed?

From the customer's upset level per turn (the customer-state model's anger and, weighted
less, worry; plus cues: capitals, "!!", threats to cancel, "unverschämt", resignation) decide ``achieved`` (clearly upset, clearly calmer at the
end), ``failed`` (upset and not calmed, or escalated) or ``not_needed`` (never upset). Credit the
agent turns after the first upset turn (acknowledgement, apology, concrete next step) and flag
escalating moves ("Beruhigen Sie sich mal", capitals, arguing back, blame).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from toneprobe.detectors import outcome
from toneprobe.detectors.base import CallContext, Detector, DetectorResult, match_to_finding
from toneprobe.errors import ConfigError
from toneprobe.findings import Finding


@dataclass(frozen=True, slots=True)
class UpsetThresholds:
    """Where upset starts and ends. With the customer-state model they come from
    ``data/upset.json`` (fitted on the labelled calls by ``scripts/fit_upset_thresholds.py``);
    without it (``FROM_SENTIMENT``), the level is read from negative sentiment as before."""

    upset: float = 0.62  # a customer turn at or above this level is upset
    sustained: float = 0.5  # two customer turns at this level also make a clearly upset customer
    calm: float = 0.35  # the end level at or below which the customer counts as calm
    worry_weight: float = 0.5  # worry counts this much of anger (state model only)
    relief_pull: float = 0.0  # relief subtracts this much of its probability (state model only)
    hangup_upset_end: float = 0.5  # hang-up: a customer this upset at the end is still upset
    hangup_upset_leave: float = 0.4  # hang-up: a customer this upset who says goodbye breaks off
    empathy_state: float = 0.5  # empathy: anger + worry at which a turn is an opportunity
    sentiment_mix: float = 0.0  # state model only: this share of the level from sentiment (mean)
    sentiment_floor: float = 0.0  # state model only: the level is at least this times sentiment's
    report_discount: float = 0.0  # state model only: sentiment's share shrinks by this times
    # the problem-report probability (a calm report is negative, not upset)


FROM_SENTIMENT = UpsetThresholds()
THRESHOLDS_FILE = "upset.json"


@lru_cache(maxsize=1)
def state_thresholds() -> UpsetThresholds:
    """The thresholds for the customer-state model, validated (ConfigError names the field)."""
    ref = resources.files("toneprobe") / "data" / THRESHOLDS_FILE
    where = f"toneprobe/data/{THRESHOLDS_FILE}"
    try:
        raw = json.loads(ref.read_text(encoding="utf-8"))["thresholds"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ConfigError(f"{where}: cannot read thresholds ({err})") from err
    names = {f.name for f in fields(UpsetThresholds)}
    for key, value in raw.items():
        if key not in names:
            raise ConfigError(f"{where}: thresholds: unknown field {key!r}")
        if not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
            raise ConfigError(f"{where}: thresholds: {key}: must be in 0..1 (got {value!r})")
    return UpsetThresholds(**{k: float(v) for k, v in raw.items()})


def thresholds_for(ctx: CallContext) -> UpsetThresholds:
    """The state model's thresholds where the call has customer states, else sentiment's."""
    return state_thresholds() if ctx.states else FROM_SENTIMENT


MIN_DROP = 0.3
DROP_TAIL = 3  # on a dropped line, the last turns are line checks, not mood
CUE_BOOST = 0.35  # how much one upset cue adds (times its weight)
CALM_PULL = 0.45  # how much a calm cue subtracts (times its weight)
CUE_FLOOR, CUE_FLOOR_SLOPE = 0.5, 0.2  # the least upset level one cue of weight w implies
FEELING_WEIGHT = 0.75  # a voiced feeling (empathy opportunity) as an upset cue, times its weight
CREDIT_KINDS = (
    "acknowledge", "understand", "explore", "reassure", "apology", "alternative", "next_step",
)  # fmt: skip


def state_level(
    ctx: CallContext, turn: int, worry_weight: float, relief_pull: float = 0.0
) -> float | None:
    """The customer's upset from the state model: anger plus ``worry_weight`` times worry,
    less ``relief_pull`` times relief (None where the turn has no state)."""
    state = ctx.states[turn] if turn < len(ctx.states) else None
    if state is None:
        return None
    s = state.scores
    level = (
        s["anger_frustration"] + worry_weight * s["worry"] - relief_pull * s["relief_satisfaction"]
    )
    return min(1.0, max(0.0, level))


def upset_levels(
    ctx: CallContext, cues: list[Finding], th: UpsetThresholds | None = None
) -> dict[int, float]:
    """Upset level 0..1 for each customer turn: the customer's state (anger, worry weighted
    less) where the state model ran, mixed with negative sentiment by ``sentiment_mix`` (a
    weighted mean) and ``sentiment_floor`` (at least that share of sentiment's level: upset
    when either model is confident), sentiment's level first shrunk by ``report_discount``
    times the problem-report probability; else negative sentiment alone; raised by upset cues and
    lowered by calm ones. Pure function of the context and the cue findings."""
    th = th or thresholds_for(ctx)
    by_turn: dict[int, list[Finding]] = {}
    for f in cues:
        by_turn.setdefault(f.turn, []).append(f)
    levels: dict[int, float] = {}
    for pos, (turn, sent) in enumerate(zip(ctx.transcript.turns, ctx.sentiments, strict=True)):
        if turn.role != "customer" or sent.empty:
            continue
        state = state_level(ctx, pos, th.worry_weight, th.relief_pull)
        from_sentiment = sent.scores.get("negative", 0.0) - 0.3 * sent.scores.get("positive", 0.0)
        if state is not None:  # the state model, with as much of sentiment as upset.json says
            report = ctx.states[pos].scores["problem_report"]  # type: ignore[union-attr]
            negative = from_sentiment * (1.0 - th.report_discount * report)
            level = (1.0 - th.sentiment_mix) * state + th.sentiment_mix * negative
            level = max(level, th.sentiment_floor * negative)
        else:
            level = from_sentiment
        fs = by_turn.get(turn.index, [])
        upset = sorted((f.weight for f in fs if f.kind in ("upset", "resigned")), reverse=True)
        calm = max((f.weight for f in fs if f.kind == "calm"), default=0.0)
        for rank, w in enumerate(upset[:3]):
            level += CUE_BOOST * w / (rank + 1)
        if upset:  # a clear cue counts even where the sentiment model misses the anger
            level = max(level, CUE_FLOOR + CUE_FLOOR_SLOPE * upset[0] + 0.05 * (len(upset) - 1))
        if calm and not upset:
            level -= CALM_PULL * calm
        levels[turn.index] = round(min(1.0, max(0.0, level)), 3)
    return levels


class DeEscalation(Detector):
    name = "deescalation"
    version = 1

    def detect(self, ctx: CallContext) -> DetectorResult:
        own = [match_to_finding(self.name, m, t) for t, m in self.rule_matches(ctx)]
        cues = [f for f in own if f.role == "customer" and f.polarity == "cue"]
        # feelings the customer voices ("ich bin total frustriert") are upset cues too
        cues += [
            replace(f, kind="upset", weight=round(f.weight * FEELING_WEIGHT, 3))
            for f in ctx.findings("empathy")
            if f.kind == "opportunity" and f.rule_id.startswith("empathy.opportunity.feeling")
        ]
        # the agent shouting (capitals, "!!") is an escalating move, not a customer cue - unless
        # the capitals quote the customer ("Sie schrieben „SOFORT KÜNDIGEN“, das verstehe ich")
        agent_own = [f for f in own if f.role == "agent" and f.polarity != "cue"]
        agent_own += [
            _as_escalating(f)
            for f in own
            if f.role == "agent" and f.kind == "upset" and not ctx.is_shielded(f)
        ]
        levels = upset_levels(ctx, cues, thresholds_for(ctx))
        summary = self._decide(ctx, levels, cues, agent_own)
        findings = [f for f in cues if f.detector == self.name] + [
            f for f in agent_own if f.polarity == "negative"
        ]
        return DetectorResult(self.name, tuple(findings), summary)

    def finalize(self, ctx: CallContext, result: DetectorResult) -> DetectorResult:
        """The rules' outcome once the ending is known (``_after_hangup``), then the learned
        outcome model's (``outcome.py``) where the customer-state model ran."""
        hangup = ctx.results.get("hangup")
        how = hangup.summary["outcome"] if hangup else "none"
        result = self._after_hangup(ctx, result, how)
        model = outcome.outcome_model()
        if model is None or not ctx.states:
            return result
        return self._learned(ctx, result, model, how)

    def _after_hangup(self, ctx: CallContext, result: DetectorResult, how: str) -> DetectorResult:
        """A hang-up by the agent or the customer means nobody was calmed; a dropped line says
        nothing about calming, so the last turns (line checks, cut words) do not count."""
        if how == "dropped":
            return self._before_drop(ctx, result)
        if how not in ("agent", "customer") or result.summary["outcome"] == "failed":
            return result
        summary = dict(result.summary)
        summary["outcome"] = "failed"
        summary["recovery_turn"] = None
        summary["reason"] = f"the call ended with a hang-up by the {how}"
        if summary["credit"] is None:
            summary["credit"] = 0.0
        return replace(result, summary=summary)

    def _learned(
        self, ctx: CallContext, result: DetectorResult, model: outcome.OutcomeModel, how: str
    ) -> DetectorResult:
        """The learned outcome replaces the rules' (kept as ``rule_outcome``). Where the model
        finds an upset customer the rules did not, the agent turns after the peak are credited
        as the rules would."""
        summary = dict(result.summary)
        cues = [f for f in result.findings if f.role == "customer"]
        verdict = model.decide(outcome.outcome_features(summary, cues, how, ctx.moves))
        decided = verdict.outcome
        summary.update(
            rule_outcome=summary["outcome"],
            rule_reason=summary["reason"],
            outcome=decided,
            reason=verdict.reason(),
            learned=verdict.to_dict(),
        )
        levels = {int(p["turn"]): float(p["upset"]) for p in summary["trajectory"]}
        if decided == "not_needed":
            summary.update(recovery_turn=None, credit=None)
        elif summary["rule_outcome"] == "not_needed" and levels:
            peak_turn = max(levels, key=lambda t: (levels[t], -t))
            agent_own = [f for f in result.findings if f.role == "agent"]
            summary.update(peak_turn=peak_turn, **self._credit(ctx, peak_turn, agent_own))
        if decided == "failed":
            summary["recovery_turn"] = None
        elif summary["recovery_turn"] is None and summary["peak_turn"] is not None:
            calm = thresholds_for(ctx).calm
            summary["recovery_turn"] = _recovery_turn(levels, summary["peak_turn"], calm)
        return replace(result, summary=summary)

    def _before_drop(self, ctx: CallContext, result: DetectorResult) -> DetectorResult:
        turns = ctx.transcript.turns
        if len(turns) <= DROP_TAIL:
            return result
        cut = turns[-DROP_TAIL].index
        levels = {d["turn"]: d["upset"] for d in result.summary["trajectory"] if d["turn"] < cut}
        cues = [f for f in result.findings if f.role == "customer" and f.turn < cut]
        agent_own = [f for f in result.findings if f.role == "agent" and f.turn < cut]
        summary = self._decide(ctx, levels, cues, agent_own)
        summary["trajectory"] = result.summary["trajectory"]
        summary["reason"] = f"{summary['reason']} (judged before the line dropped at turn {cut})"
        return replace(result, summary=summary)

    def _decide(
        self,
        ctx: CallContext,
        levels: dict[int, float],
        cues: list[Finding],
        agent_own: list[Finding],
    ) -> dict[str, object]:
        th = thresholds_for(ctx)
        trajectory = [_point(ctx, t, u) for t, u in sorted(levels.items())]
        base: dict[str, object] = {
            "outcome": "not_needed",
            "peak_turn": None,
            "peak_upset": max(levels.values(), default=0.0),
            "end_upset": None,
            "recovery_turn": None,
            "credited_turns": [],
            "escalating_turns": [],
            "credit": None,
            "reason": "the customer was never clearly upset",
            "trajectory": trajectory,
        }
        if not levels:
            return base
        order = sorted(levels)
        last = order[-1]
        end = min(levels[t] for t in order[-2:]) if len(order) > 2 else levels[last]
        end = max(end, levels[last] - 0.25)  # the very last word weighs most
        base["end_upset"] = round(end, 3)
        peak_turn = max(order, key=lambda t: (levels[t], -t))
        peak = levels[peak_turn]
        upset_cue = any(f.kind in ("upset", "resigned") for f in cues)
        sustained = sum(1 for t in order if levels[t] >= th.sustained) >= 2
        if peak < th.upset or not (upset_cue or sustained):
            return base  # one gloomy turn without any sign of anger is not an upset customer
        first_upset = next(t for t in order if levels[t] >= min(th.upset, th.sustained))
        moves = self._credit(ctx, first_upset, agent_own)
        credited, escalating = moves["credited_turns"], moves["escalating_turns"]
        end_cues = {f.kind for f in cues if f.turn in order[-2:]}
        settled = "calm" in end_cues and "resigned" not in end_cues
        calmed = end <= th.calm and peak - end >= MIN_DROP and levels[last] < th.upset
        reason = "the customer is clearly calmer at the end"
        if calmed and not credited and not settled:
            calmed, reason = False, "the customer went quiet, but no agent move calmed them"
        elif calmed and len(escalating) > len(credited) and not settled:
            calmed, reason = False, "the agent escalated more than it calmed"
        elif not calmed:
            reason = "the customer is still upset at the end"
        base.update(
            outcome="achieved" if calmed else "failed",
            peak_turn=peak_turn,
            recovery_turn=_recovery_turn(levels, peak_turn, th.calm) if calmed else None,
            reason=reason,
            **moves,
        )
        return base

    @staticmethod
    def _credit(ctx: CallContext, after_turn: int, agent_own: list[Finding]) -> dict[str, Any]:
        """The agent turns after ``after_turn`` credited (acknowledgement, apology, next step:
        ``CREDIT_KINDS``) and escalating (negative findings of weight >= 0.5), and the share of
        the agent's turns credited."""
        moves = ctx.findings("empathy") + ctx.findings("respect") + agent_own
        after = [f for f in moves if f.role == "agent" and f.turn > after_turn]
        credited = sorted(
            {f.turn for f in after if f.polarity == "positive" and f.kind in CREDIT_KINDS}
        )
        escalating = sorted({f.turn for f in after if f.polarity == "negative" and f.weight >= 0.5})
        agent_turns = [
            t.index for t in ctx.transcript.turns if t.role == "agent" and t.index > after_turn
        ]
        credit = len(credited) / len(agent_turns) if agent_turns else 0.0
        return {
            "credited_turns": credited,
            "escalating_turns": escalating,
            "credit": round(min(1.0, credit), 3),
        }


def _recovery_turn(levels: dict[int, float], peak_turn: int, calm: float) -> int | None:
    """The first customer turn after the peak whose upset level is calm."""
    return next((t for t in sorted(levels) if t > peak_turn and levels[t] <= calm), None)


def _point(ctx: CallContext, turn: int, upset: float) -> dict[str, object]:
    """One trajectory entry: the turn, its upset level and, with the state model, the
    customer's state (label and the probability of each state)."""
    pos = next((i for i, t in enumerate(ctx.transcript.turns) if t.index == turn), None)
    state = ctx.states[pos] if pos is not None and pos < len(ctx.states) else None
    if state is None:
        return {"turn": turn, "upset": upset}
    return {"turn": turn, "upset": upset, "state": state.label, "states": state.to_dict()["scores"]}


def _as_escalating(f: Finding) -> Finding:
    return replace(
        f,
        polarity="negative",
        kind="escalating",
        explanation=f"agent raises the voice: {f.explanation}",
    )

"""De-escalation: was an upset customer calmed?

From the customer's upset level per turn (sentiment plus cues: capitals, "!!", threats to
cancel, "unverschämt") decide ``achieved`` (clearly upset, clearly calmer at the end),
``failed`` (upset and not calmed, or escalated) or ``not_needed`` (never upset). Credit the
agent turns between the peak and the recovery and flag escalating moves.
"""

from __future__ import annotations

from toneprobe.detectors.base import CallContext, Detector, DetectorResult, match_to_finding
from toneprobe.findings import Finding

UPSET = 0.62  # a customer turn at or above this level is "clearly upset"
CALM = 0.35  # the end level at or below which the customer counts as calm
MIN_DROP = 0.3
CUE_BOOST = 0.35  # how much one upset cue adds (times its weight)
CALM_PULL = 0.45  # how much a calm cue subtracts (times its weight)
CREDIT_KINDS = (
    "acknowledge", "understand", "explore", "reassure", "apology", "alternative", "next_step",
)  # fmt: skip


def upset_levels(ctx: CallContext, cues: list[Finding]) -> dict[int, float]:
    """Upset level 0..1 for each customer turn: negative sentiment, raised by upset cues and
    lowered by calm ones. Pure function of the context and the cue findings."""
    by_turn: dict[int, list[Finding]] = {}
    for f in cues:
        by_turn.setdefault(f.turn, []).append(f)
    levels: dict[int, float] = {}
    for turn, sent in zip(ctx.transcript.turns, ctx.sentiments, strict=True):
        if turn.role != "customer" or sent.empty:
            continue
        level = sent.scores.get("negative", 0.0) - 0.3 * sent.scores.get("positive", 0.0)
        fs = by_turn.get(turn.index, [])
        upset = sorted((f.weight for f in fs if f.kind == "upset"), reverse=True)
        calm = max((f.weight for f in fs if f.kind == "calm"), default=0.0)
        for rank, w in enumerate(upset[:3]):
            level += CUE_BOOST * w / (rank + 1)
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
        agent_own = [f for f in own if f.role == "agent" and f.polarity != "cue"]
        # the agent shouting (capitals, "!!") is an escalating move, not a customer cue
        agent_own += [_as_escalating(f) for f in own if f.role == "agent" and f.kind == "upset"]
        levels = upset_levels(ctx, cues)
        summary = self._decide(ctx, levels, agent_own)
        keep_turns = set(summary["credited_turns"]) | set(summary["escalating_turns"])
        findings = [f for f in cues] + [
            f for f in agent_own if f.polarity == "negative" or f.turn in keep_turns
        ]
        return DetectorResult(self.name, tuple(findings), summary)

    def _decide(
        self, ctx: CallContext, levels: dict[int, float], agent_own: list[Finding]
    ) -> dict[str, object]:
        trajectory = [{"turn": t, "upset": u} for t, u in sorted(levels.items())]
        base: dict[str, object] = {
            "outcome": "not_needed",
            "peak_turn": None,
            "peak_upset": max(levels.values(), default=0.0),
            "end_upset": None,
            "recovery_turn": None,
            "credited_turns": [],
            "escalating_turns": [],
            "credit": None,
            "trajectory": trajectory,
        }
        if not levels:
            return base
        order = sorted(levels)
        end_turns = order[-2:]
        end = min(levels[t] for t in end_turns) if len(order) > 2 else levels[order[-1]]
        end = max(end, levels[order[-1]] - 0.25)  # the very last word weighs most
        base["end_upset"] = round(end, 3)
        peak_turn = max(order, key=lambda t: (levels[t], -t))
        peak = levels[peak_turn]
        # the agent's moves, from the first upset turn on
        first_upset = next((t for t in order if levels[t] >= UPSET), peak_turn)
        moves = ctx.findings("empathy") + ctx.findings("respect") + agent_own
        after = [f for f in moves if f.role == "agent" and f.turn > first_upset]
        credited = sorted(
            {f.turn for f in after if f.polarity == "positive" and f.kind in CREDIT_KINDS}
        )
        escalating = sorted({f.turn for f in after if f.polarity == "negative" and f.weight >= 0.5})
        hangup = ctx.results.get("hangup")
        broke_off = hangup is not None and hangup.summary["outcome"] in ("agent", "customer")
        if peak < UPSET and not broke_off:
            return base
        recovery = next((t for t in order if t > peak_turn and levels[t] <= CALM), None)
        agent_turns = [
            t.index for t in ctx.transcript.turns if t.role == "agent" and t.index > first_upset
        ]
        credit = len(credited) / len(agent_turns) if agent_turns else 0.0
        calmed = end <= CALM and peak - end >= MIN_DROP and levels[order[-1]] < UPSET
        hung_up = hangup.summary["outcome"] if hangup else "none"
        if hung_up in ("agent", "customer"):
            calmed = False  # a call that ends in a hang-up on an upset customer did not calm them
            base["reason"] = f"the call ended with a hang-up by the {hung_up}"
        base.update(
            outcome="achieved" if calmed else "failed",
            peak_turn=peak_turn,
            recovery_turn=recovery if calmed else None,
            credited_turns=credited,
            escalating_turns=escalating,
            credit=round(min(1.0, credit), 3),
        )
        return base


def _as_escalating(f: Finding) -> Finding:
    from dataclasses import replace

    return replace(
        f,
        polarity="negative",
        kind="escalating",
        explanation=f"agent raises the voice: {f.explanation}",
    )

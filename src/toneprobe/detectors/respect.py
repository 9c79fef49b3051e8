"""Respect markers in agent turns: courtesy (greeting, farewell, bitte/danke, Sie, the
customer's name, Konjunktiv II, apology) and its opposites (du-switch, blame, dismissal,
sarcasm, commands, insults; the offensive-language classifier corroborates insults).
"""

from __future__ import annotations

from toneprobe.detectors import context_reader
from toneprobe.detectors.base import (
    CallContext,
    Detector,
    DetectorResult,
    match_to_finding,
    turn_finding,
)
from toneprobe.detectors.moves import load_move_rules, model_findings, move_guards
from toneprobe.findings import Finding
from toneprobe.rules import RuleSet

# Courtesy elements a QA lead expects in a call; each present one adds to the courtesy share.
COURTESY_KINDS = ("greeting", "farewell", "courtesy", "formal_address", "name")
OFFENSE_THRESHOLD = 0.9
# The one rule that is a model, not a pattern; `toneprobe rules` lists it from here.
OFFENSE_RULE_ID = "respect.offensive_model.v1"
OFFENSE_WEIGHT = 0.6
OFFENSE_DESCRIPTION = (
    f"An agent turn the GermEval 2018 offensive-language model rates >= {OFFENSE_THRESHOLD} "
    "(no pattern matched)."
)


class Respect(Detector):
    name = "respect"
    version = 1

    def __init__(self, rules: RuleSet):
        super().__init__(rules)
        self.move_rules = load_move_rules().for_detector(self.name)
        #: how far over its threshold a negative move is a clear finding (data/moves.yaml)
        self.clear_margin = load_move_rules().clear_margin
        self.move_guards = move_guards(self.move_rules, rules)

    def detect(self, ctx: CallContext) -> DetectorResult:
        findings: list[Finding] = []
        agent_turns = [t for t in ctx.transcript.turns if t.role == "agent"]
        first_agent = agent_turns[0].index if agent_turns else -1
        last_agents = {t.index for t in agent_turns[-2:]}
        du_counts = du_is_finding(ctx)
        for turn, match in self.rule_matches(ctx):
            kind = match.rule.spec.kind
            if kind == "du_switch" and (not du_counts or du_mirrors_house_style(ctx, turn.index)):
                continue
            if match.rule.id == "respect.greeting.v1" and turn.index != first_agent:
                continue  # a greeting counts where calls open
            if kind == "farewell" and turn.index not in last_agents:
                continue
            findings.append(match_to_finding(self.name, match, turn))
        findings.extend(self._classifier_insults(ctx, findings))
        findings.extend(
            model_findings(
                ctx, self.move_rules, findings, self.name, self.move_guards, self.clear_margin
            )
        )
        findings.extend(context_reader.context_findings(ctx, findings, self.name))
        return DetectorResult(self.name, tuple(findings), self._summary(findings, ctx.address))

    def _classifier_insults(self, ctx: CallContext, found: list[Finding]) -> list[Finding]:
        """Agent turns the offensive-language model rates as clearly offensive, not yet flagged."""
        flagged = {f.turn for f in found if f.polarity == "negative"}
        out = []
        for turn, prob in zip(ctx.transcript.turns, ctx.offense, strict=True):
            if (
                turn.role != "agent"
                or prob is None
                or prob < OFFENSE_THRESHOLD
                or turn.index in flagged
            ):
                continue
            out.append(
                turn_finding(
                    self.name,
                    OFFENSE_RULE_ID,
                    turn,
                    "negative",
                    "insult",
                    OFFENSE_WEIGHT,
                    f"offensive-language model (GermEval 2018) rates the turn {prob:.2f} "
                    f">= {OFFENSE_THRESHOLD} ({OFFENSE_RULE_ID})",
                )
            )
        return out

    @staticmethod
    def _summary(findings: list[Finding], address: str = "mirror") -> dict[str, object]:
        pos = [f for f in findings if f.polarity == "positive"]
        neg = [f for f in findings if f.polarity == "negative"]
        kinds = {f.kind for f in pos}
        expected = courtesy_kinds(address)
        courtesy = sum(1 for k in expected if k in kinds) / len(expected)
        return {
            "positive": len(pos),
            "negative": len(neg),
            "courtesy": round(courtesy, 3),
            "courtesy_elements": sorted(k for k in kinds if k in expected),
            "apology": "apology" in kinds,
            # the plain sum; the call record reports it saturated (scoring.saturated_weight)
            "negative_weight": round(sum(f.weight for f in neg), 3),
        }


def du_is_finding(ctx: CallContext) -> bool:
    """Whether the agent's "du" is a finding in this call, by the house style: always (``Sie``),
    never (``du``), or only when the customer keeps the formal "Sie" (``mirror``; then only the
    *du* after the customer's first "Sie" counts)."""
    if ctx.address == "Sie":
        return True
    if ctx.address == "du":
        return False
    return ctx.customer_uses_sie


def du_mirrors_house_style(ctx: CallContext, index: int) -> bool:
    """Whether the agent's "du" in turn ``index`` is no slight in ``mirror`` mode: a brand's
    "du" before the customer has said "Sie", a "du" after the customer has said "du" or offered
    it, and the "du" of a brand that the agent announced, until the customer declines it. Read
    only for turns with a "du" (the call-level look-ups are cached on the context)."""
    if ctx.address != "mirror":
        return False
    du_from, du_until, house = ctx.first_customer_sie, ctx.first_customer_du, ctx.house_du
    return (
        (du_from is not None and index < du_from)
        or (du_until is not None and index > du_until)
        or (house is not None and house[0] <= index and (house[1] is None or index < house[1]))
    )


def courtesy_kinds(address: str) -> tuple[str, ...]:
    """The courtesy elements expected in a call; a "du" house style does not expect "Sie"."""
    if address == "du":
        return tuple(k for k in COURTESY_KINDS if k != "formal_address")
    return COURTESY_KINDS

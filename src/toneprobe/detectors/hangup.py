"""Hang-ups: ``none``, ``agent`` (the agent ends the call on an upset or still-talking customer,
or announces ending it, without a proper close), ``customer`` (the customer breaks off angrily)
or ``dropped`` (the line drops: "Hallo? Sind Sie noch da?", a turn cut mid-sentence).

The dialogue alone decides where the source has no metadata; ``ended_by`` and disconnect
metadata add evidence when present, so plain text and rich exports agree.
"""

from __future__ import annotations

import re

from toneprobe.detectors.base import CallContext, Detector, DetectorResult, match_to_finding

DECIDE = 0.6
TAIL = 3  # how many final turns carry hang-up evidence
UPSET_END = 0.5
# A turn that stops on one of these words (no final punctuation) was cut mid-sentence.
DANGLING = frozenset(
    [
        "und",
        "aber",
        "oder",
        "weil",
        "dass",
        "denn",
        "wenn",
        "ob",
        "als",
        "wie",
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "ein",
        "eine",
        "einen",
        "einem",
        "mein",
        "meine",
        "meinen",
        "ihr",
        "ihre",
        "ihren",
        "ich",
        "wir",
        "sie",
        "es",
        "mit",
        "für",
        "zu",
        "von",
        "auf",
        "in",
        "an",
        "bei",
        "nach",
        "aus",
        "um",
        "ist",
        "sind",
        "habe",
        "hat",
        "war",
        "noch",
        "nur",
        "schon",
        "also",
        "dann",
    ]
)
CUT_MARK = re.compile(r"(\.\.\.|…|—|–|-)\s*$")
FINAL_PUNCT = re.compile(r"[.!?»“\")]\s*$")
METADATA_EVIDENCE = {
    "dropped": ("dropped", 1.0),
    "agent": ("agent", 0.45),
    "customer": ("customer", 0.35),
}


def is_cut_off(text: str) -> bool:
    """True when a turn breaks off mid-sentence ("Ich wollte noch sagen, dass ...")."""
    stripped = text.strip()
    if not stripped:
        return False
    if CUT_MARK.search(stripped):
        return True
    if FINAL_PUNCT.search(stripped):
        return False
    last = re.findall(r"[\wäöüß]+", stripped.lower())
    return bool(last) and last[-1] in DANGLING


class HangUp(Detector):
    name = "hangup"
    version = 1

    def detect(self, ctx: CallContext) -> DetectorResult:
        turns = ctx.transcript.turns
        if not turns:
            return DetectorResult(
                self.name, (), {"outcome": "none", "turn": None, "evidence": [], "scores": {}}
            )
        tail = {t.index for t in turns[-TAIL:]}
        findings = [
            match_to_finding(self.name, m, t) for t, m in self.rule_matches(ctx) if t.index in tail
        ]
        scores = {"agent": 0.0, "customer": 0.0, "dropped": 0.0, "none": 0.0}
        evidence: list[str] = []

        def add(outcome: str, amount: float, why: str) -> None:
            scores[outcome] += amount
            evidence.append(f"{outcome} +{amount:.2f}: {why}")

        for f in findings:
            add(f.kind or "none", f.weight, f"{f.rule_id} in turn {f.turn}: '{f.text}'")

        last = turns[-1]
        agent_turns = [t for t in turns if t.role == "agent"]
        last_agent = agent_turns[-1].index if agent_turns else None
        respect = ctx.findings("respect")
        closed = any(f.kind == "farewell" and f.turn == last_agent for f in respect)
        hostile_tail = any(
            f.polarity == "negative" and f.role == "agent" and f.turn in tail
            for f in ctx.findings()
        )
        customer = [i for i, t in enumerate(turns) if t.role == "customer"]
        end_upset = ctx.sentiments[customer[-1]].scores.get("negative", 0.0) if customer else 0.0

        if is_cut_off(last.text):
            if last.role == "customer" and hostile_tail:
                add(
                    "agent",
                    0.7,
                    f"turn {last.index} breaks off while the customer is still talking, after a hostile agent turn",
                )
            else:
                add("dropped", 0.6, f"turn {last.index} breaks off mid-sentence")
        if last.role == "agent" and end_upset >= UPSET_END and not closed:
            add(
                "agent",
                0.45,
                f"the agent has the last word (turn {last.index}) on an upset customer, without a farewell",
            )
        if last.role == "agent" and hostile_tail and not closed:
            add("agent", 0.3, "the call ends on a hostile agent turn")
        if last.role == "customer" and end_upset >= UPSET_END and not scores["dropped"]:
            add("customer", 0.3, f"the upset customer has the last word (turn {last.index})")

        meta = ctx.transcript.ended_by or _disconnect(ctx.transcript.metadata)
        if meta in METADATA_EVIDENCE:
            outcome, amount = METADATA_EVIDENCE[meta]
            if outcome == "dropped" or end_upset >= UPSET_END or outcome == "agent" and not closed:
                add(outcome, amount, f"source says the call was ended by {meta}")
        elif meta == "normal":
            add("none", 0.5, "source says the call ended normally")

        outcome = max(("dropped", "agent", "customer"), key=lambda k: scores[k])
        if scores[outcome] < DECIDE or scores[outcome] <= scores["none"]:
            outcome = "none"
        turn = last.index if outcome != "none" else None
        decisive = [f for f in findings if f.kind == outcome]
        if decisive:
            turn = decisive[-1].turn
        summary = {
            "outcome": outcome,
            "turn": turn,
            "proper_close": closed,
            "evidence": evidence,
            "scores": {k: round(v, 3) for k, v in scores.items()},
        }
        return DetectorResult(self.name, tuple(findings), summary)


def _disconnect(metadata: dict[str, object]) -> str | None:
    value = metadata.get("ended_by") or metadata.get("disconnect_reason")
    if not isinstance(value, str):
        return None
    v = value.lower()
    if "agent" in v:
        return "agent"
    if "customer" in v or "caller" in v:
        return "customer"
    if "drop" in v or "network" in v or "error" in v:
        return "dropped"
    return None

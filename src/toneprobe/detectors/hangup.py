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
CURT_WORDS = 10  # a goodbye this short, right after an upset turn, ends the conversation
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
            summary = {
                "outcome": "none",
                "turn": None,
                "proper_close": False,
                "evidence": [],
                "scores": {},
            }
            return DetectorResult(self.name, (), summary)
        tail = {t.index for t in turns[-TAIL:]}
        findings = [
            match_to_finding(self.name, m, t) for t, m in self.rule_matches(ctx) if t.index in tail
        ]
        scores = dict.fromkeys(("agent", "customer", "dropped", "none"), 0.0)
        evidence: list[str] = []

        def add(outcome: str, amount: float, why: str) -> None:
            scores[outcome] += amount
            evidence.append(f"{outcome} +{amount:.2f}: {why}")

        for f in findings:
            add(f.kind or "none", f.weight, f"{f.rule_id} in turn {f.turn}: '{f.text}'")

        last = turns[-1]
        position = {t.index: i for i, t in enumerate(turns)}
        agent_turns = [t for t in turns if t.role == "agent"]
        final_agent = agent_turns[-1] if agent_turns else None
        respect = ctx.findings("respect")
        earlier = ctx.findings()
        farewell = {f.turn for f in respect if f.kind == "farewell"}
        warm = {
            f.turn
            for f in earlier
            if f.polarity == "positive" and f.kind not in ("farewell", "courtesy", "formal_address")
        }
        hostile = {f.turn for f in earlier if f.polarity == "negative" and f.role == "agent"}
        closed = final_agent is not None and final_agent.index in farewell

        deesc = ctx.results.get("deescalation")
        levels = {d["turn"]: d["upset"] for d in deesc.summary["trajectory"]} if deesc else {}

        def upset(turn_index: int) -> float:
            if turn_index in levels:
                return float(levels[turn_index])
            return ctx.sentiments[position[turn_index]].scores.get("negative", 0.0)

        before_final = [
            t for t in turns if final_agent and t.index < final_agent.index and t.role == "customer"
        ]
        conflict = bool(before_final) and upset(before_final[-1].index) >= UPSET_END
        if final_agent is not None and closed and conflict and final_agent.index in tail:
            words = len(final_agent.text.split())
            if words <= CURT_WORDS and final_agent.index not in warm:
                add(
                    "agent",
                    0.6,
                    f"curt goodbye (turn {final_agent.index}) right after an upset customer turn",
                )
        if is_cut_off(last.text):
            if last.role == "customer" and hostile & tail:
                add(
                    "agent",
                    0.7,
                    f"turn {last.index} breaks off while the customer is still talking, after a hostile agent turn",
                )
            else:
                add("dropped", 0.6, f"turn {last.index} breaks off mid-sentence")
        if last.role == "agent" and final_agent is not None and hostile & tail and not closed:
            add("agent", 0.3, "the call ends on a hostile agent turn without a farewell")
        if last.role == "customer" and upset(last.index) >= UPSET_END and not scores["dropped"]:
            if not (final_agent and final_agent.index in farewell and final_agent.index in tail):
                add("customer", 0.35, f"the upset customer has the last word (turn {last.index})")
            elif scores["agent"]:
                add(
                    "agent",
                    0.3,
                    f"the customer protests after the agent's goodbye (turn {last.index})",
                )

        meta = ctx.transcript.ended_by or _disconnect(ctx.transcript.metadata)
        if meta in METADATA_EVIDENCE:
            outcome, amount = METADATA_EVIDENCE[meta]
            if outcome == "dropped" or conflict or outcome == "agent" and not closed:
                add(outcome, amount, f"source says the call was ended by {meta}")
        elif meta == "normal":
            add("none", 0.5, "source says the call ended normally")

        outcome = max(("dropped", "agent", "customer"), key=lambda k: scores[k])
        if scores[outcome] < DECIDE or scores[outcome] <= scores["none"]:
            outcome = "none"
        decisive = [f.turn for f in findings if f.kind == outcome]
        turn = (decisive[-1] if decisive else last.index) if outcome != "none" else None
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

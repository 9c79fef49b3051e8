"""Hang-ups: ``none``, ``agent`` (the agent ends the call on an upset or still-talking customer,
or announces ending it, without a proper close), ``customer`` (the customer breaks off angrily)
or ``dropped`` (the line drops: "Hallo? Sind Sie noch da?", a turn cut mid-sentence).

The dialogue alone decides where the source has no metadata; ``ended_by`` and disconnect
metadata add evidence when present, so plain text and rich exports agree.
"""

from __future__ import annotations

import re
from typing import Any

from toneprobe.detectors.base import CallContext, Detector, DetectorResult, match_to_finding
from toneprobe.model import Turn

DECIDE = 0.6
TAIL = 3  # how many final turns carry hang-up evidence
UPSET_END = 0.5
UPSET = 0.62  # clearly upset (as in de-escalation)
UPSET_LEAVE = 0.4  # a customer this upset who says goodbye is breaking off
OUTCOMES = ("agent", "customer", "dropped")
PLAIN_KINDS = ("farewell", "courtesy", "formal_address", "greeting", "name")  # not help
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


def is_cut_off(text: str, punctuated: bool = False) -> bool:
    """True when a turn breaks off mid-sentence ("Ich wollte noch sagen, dass ...").

    In a punctuated transcript any turn without final punctuation was cut; in lower-case ASR
    text only a dangling function word ("und", "dass", "der") tells.
    """
    stripped = text.strip()
    if not stripped:
        return False
    if CUT_MARK.search(stripped):
        return True
    if FINAL_PUNCT.search(stripped):
        return False
    if punctuated:
        return True
    last = re.findall(r"[\wäöüß]+", stripped.lower())
    return bool(last) and last[-1] in DANGLING


def is_punctuated(texts: list[str]) -> bool:
    """Most turns end with punctuation: the transcript is punctuated, not raw ASR."""
    ends = [
        bool(FINAL_PUNCT.search(t.strip()) or CUT_MARK.search(t.strip()))
        for t in texts
        if t.strip()
    ]
    return bool(ends) and sum(ends) >= 0.8 * len(ends) and len(ends) >= 3


class HangUp(Detector):
    name = "hangup"
    version = 1

    def detect(self, ctx: CallContext) -> DetectorResult:
        turns = ctx.transcript.turns
        if not turns:
            summary: dict[str, Any] = {
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

        agent_farewells = {f.turn for f in ctx.findings("respect") if f.kind == "farewell"}
        for f in findings:
            if f.kind not in OUTCOMES:
                continue
            if (
                f.kind == "customer"
                and f.role == "customer"
                and not _ends_call(f.turn, turns, agent_farewells)
            ):
                # "Danke für gar nichts." followed by the agent's normal close: not a hang-up
                add(
                    f.kind,
                    f.weight / 2,
                    f"{f.rule_id} in turn {f.turn}, but the call goes on: '{f.text}'",
                )
                continue
            add(f.kind, f.weight, f"{f.rule_id} in turn {f.turn}: '{f.text}'")

        last = turns[-1]
        position = {t.index: i for i, t in enumerate(turns)}
        agent_turns = [t for t in turns if t.role == "agent"]
        final_agent = agent_turns[-1] if agent_turns else None
        earlier = ctx.findings()
        farewell = {f.turn for f in earlier if f.kind == "farewell" and f.role == "agent"}
        helpful = {
            f.turn for f in earlier if f.polarity == "positive" and f.kind not in PLAIN_KINDS
        }
        hostile = {f.turn for f in earlier if f.polarity == "negative" and f.role == "agent"}
        customer_bye = {f.turn for f in findings if f.kind == "farewell"}
        punctuated = is_punctuated([t.text for t in turns])
        deesc = ctx.results.get("deescalation")
        levels = {d["turn"]: d["upset"] for d in deesc.summary["trajectory"]} if deesc else {}
        upset_cues = {f.turn for f in (deesc.findings if deesc else ()) if f.kind == "upset"}

        def upset(turn_index: int) -> float:
            if turn_index in levels:
                return float(levels[turn_index])
            return ctx.sentiments[position[turn_index]].scores.get("negative", 0.0)

        closed = (
            final_agent is not None
            and final_agent.index in farewell
            and final_agent.index not in hostile
        )
        # the customer returns the goodbye ("Danke, gleichfalls", "Wiederhören."): nobody hung up
        returned = (
            final_agent is not None
            and last.role == "customer"
            and last.index in customer_bye
            and last.index > final_agent.index
            and upset(last.index) < UPSET_LEAVE
            and last.index not in upset_cues
        )
        # the agent offered more help before closing ("Kann ich sonst noch etwas tun?")
        offered = final_agent is not None and any(
            f.kind == "offer_more" and f.turn < final_agent.index for f in earlier
        )
        if final_agent is not None and final_agent.index in tail and not returned:
            before = [t for t in turns if t.index < final_agent.index]
            prev = before[-1] if before else None
            if final_agent.index in farewell and final_agent.index in hostile:
                add("agent", 0.6, f"the agent says goodbye in a hostile turn ({final_agent.index})")
            elif final_agent.index in farewell and prev is not None and prev.role == "customer":
                cut = is_cut_off(prev.text, punctuated)
                angry = upset(prev.index) >= UPSET or prev.index in upset_cues
                if cut:
                    add(
                        "agent",
                        0.7,
                        f"the agent says goodbye while the customer is still talking (turn {prev.index} breaks off)",
                    )
                elif angry and final_agent.index not in helpful and not offered:
                    add(
                        "agent",
                        0.6,
                        f"the agent says goodbye right after an upset customer turn ({prev.index}) without offering anything",
                    )
        if (
            last.role == "customer"
            and last.index in customer_bye
            and (upset(last.index) >= UPSET_LEAVE or last.index in upset_cues)
        ):
            add(
                "customer",
                0.6,
                f"the upset customer says goodbye and ends the call (turn {last.index})",
            )
        cut_turns = [t for t in turns[-2:] if is_cut_off(t.text, punctuated)]
        if cut_turns and not scores["agent"]:
            t = cut_turns[-1]
            if t.role == "customer" and hostile & tail:
                add(
                    "agent",
                    0.7,
                    f"turn {t.index} breaks off while the customer is still talking, after a hostile agent turn",
                )
            else:
                add("dropped", 0.6, f"turn {t.index} breaks off mid-sentence")
        if last.role == "agent" and hostile & tail and not closed and last.index in hostile:
            add("agent", 0.3, "the call ends on a hostile agent turn without a farewell")
        if last.role == "customer" and upset(last.index) >= UPSET_END and not scores["dropped"]:
            if final_agent is None or final_agent.index not in farewell:
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
            conflict = any(
                upset(t.index) >= UPSET_END for t in turns[-TAIL:] if t.role == "customer"
            )
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


def _ends_call(turn: int, turns: tuple[Turn, ...], farewell: set[int]) -> bool:
    """Nothing but a short agent reaction (a line check, "Er hat aufgelegt.") follows this
    turn; an agent who answers with a goodbye closed the call normally."""
    after = [t for t in turns if t.index > turn]
    return len(after) <= 1 and all(
        t.role == "agent" and len(t.text.split()) <= 12 and t.index not in farewell for t in after
    )


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

"""Coaching moments: the strongest positive and negative agent findings across a batch.

:func:`extract_moments` is pure: it takes scored calls (CALL records) together with their
transcripts, ranks the findings and returns each with its turn window, the rule, the call
and agent, and the span to highlight. Text is redacted by default (``toneprobe.redact``).

Ranking: ``strength = |weight| * severity``. Severity starts at 1 and grows with how upset
the customer was just before the agent's turn (``1 + max(0, -polarity)`` of the latest
customer turn in ``CALL["sentiment"]``): an apology to a furious customer is a better
example than one to a calm customer, and a brush-off hurts more when the customer is
already angry. A finding that carries its own ``severity`` keeps it.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from toneprobe.model import Transcript, Turn
from toneprobe.redact import (
    DEFAULT_OPTIONS,
    RedactOptions,
    map_span,
    redact,
    redact_transcript,
    transcript_names,
)

logger = logging.getLogger(__name__)

Kind = Literal["best", "worst"]


@dataclass(frozen=True, slots=True)
class WindowTurn:
    """One turn of a moment's context; ``highlight`` is set on the focus turn."""

    index: int
    role: str
    speaker: str | None
    text: str
    focus: bool
    highlight: tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class Moment:
    rank: int
    kind: str
    strength: float
    weight: float
    severity: float
    call_id: str
    source: str | None
    agent: str | None
    detector: str
    rule_id: str
    polarity: str
    turn: int
    words: str
    explanation: str
    window: tuple[WindowTurn, ...]
    redacted: bool

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["window"] = [asdict(w) for w in self.window]
        return out


def finding_polarity(finding: Mapping[str, Any]) -> str:
    """The finding's polarity (positive, negative, or cue for an observation such as an
    upset customer); without one, the sign of its weight decides."""
    pol = finding.get("polarity")
    if pol is not None:
        return str(pol)
    return "negative" if float(finding.get("weight") or 0.0) < 0 else "positive"


def customer_upset_before(call: Mapping[str, Any], turn: int) -> float:
    """How negative (0..1) the latest customer turn at or before ``turn`` was."""
    latest: float | None = None
    for entry in call.get("sentiment") or []:
        if entry.get("role") != "customer" or entry.get("turn") is None:
            continue
        if entry["turn"] <= turn:
            latest = float(entry.get("polarity") or 0.0)
    return max(0.0, -(latest or 0.0))


def finding_strength(call: Mapping[str, Any], finding: Mapping[str, Any]) -> tuple[float, float]:
    """``(strength, severity)`` of one finding in its call."""
    if finding.get("severity") is not None:
        severity = float(finding["severity"])
    else:
        severity = 1.0 + customer_upset_before(call, int(finding.get("turn") or 0))
    return abs(float(finding.get("weight") or 0.0)) * severity, severity


def _window(
    turns: Sequence[Turn], focus: int, context: int, highlight: tuple[int, int] | None
) -> tuple[WindowTurn, ...]:
    positions = {t.index: i for i, t in enumerate(turns)}
    if focus not in positions:
        return ()
    pos = positions[focus]
    lo, hi = max(0, pos - context), min(len(turns), pos + context + 1)
    return tuple(
        WindowTurn(
            index=t.index,
            role=t.role,
            speaker=t.speaker,
            text=t.text,
            focus=t.index == focus,
            highlight=highlight if t.index == focus else None,
        )
        for t in turns[lo:hi]
    )


def extract_moments(
    items: Iterable[tuple[Mapping[str, Any], Transcript | None]],
    *,
    kind: Kind = "worst",
    n: int = 10,
    context: int = 2,
    agent: str | None = None,
    detector: str | None = None,
    redaction: bool = True,
    redact_options: RedactOptions | None = None,
    roles: Sequence[str] = ("agent",),
) -> list[Moment]:
    """The ``n`` strongest ``kind`` moments, best = positive findings, worst = negative ones.

    ``items`` pairs each CALL record with its Transcript (None: the window stays empty).
    ``agent`` and ``detector`` filter (agent compared without case). Only findings in turns
    of ``roles`` count: coaching is about what the agent said.
    """
    if kind not in ("best", "worst"):
        raise ValueError(f"kind must be best or worst, not {kind!r}")
    if n < 0 or context < 0:
        raise ValueError("n and context must not be negative")
    want = "positive" if kind == "best" else "negative"
    agent_key = agent.casefold() if agent else None

    def candidates() -> Iterator[tuple[float, float, Mapping[str, Any], Mapping[str, Any], Any]]:
        for call, transcript in items:
            if agent_key and str(call.get("agent") or "").casefold() != agent_key:
                continue
            for finding in call.get("findings") or []:
                if detector and finding.get("detector") != detector:
                    continue
                if finding.get("role", "agent") not in roles:
                    continue
                if finding_polarity(finding) != want:
                    continue
                strength, severity = finding_strength(call, finding)
                yield strength, severity, call, finding, transcript

    # Strongest first; ties in a stable, readable order (call id, turn). Only the n best are
    # kept while the calls stream past, so memory does not grow with the batch.
    ranked = heapq.nsmallest(
        n,
        candidates(),
        key=lambda r: (
            -r[0],
            str(r[2].get("call_id")),
            int(r[3].get("turn") or 0),
            r[3].get("start") or 0,
        ),
    )
    moments: list[Moment] = []
    redacted_cache: dict[int, tuple[Transcript, dict[int, list[Any]], list[str]]] = {}
    for strength, severity, call, finding, transcript in ranked:
        turn_index = int(finding.get("turn") or 0)
        start, end = finding.get("start"), finding.get("end")
        highlight = (int(start), int(end)) if start is not None and end is not None else None
        words = str(finding.get("text") or "")
        turns: Sequence[Turn] = transcript.turns if transcript is not None else ()
        if redaction and transcript is not None:
            key = id(transcript)
            if key not in redacted_cache:
                red, spans = redact_transcript(transcript, redact_options)
                redacted_cache[key] = (red, spans, transcript_names(transcript))
            red, spans, names = redacted_cache[key]
            turns = red.turns
            if highlight is not None:
                highlight = map_span(spans.get(turn_index, []), *highlight)
            words = redact(words, names=names, options=_keep_agent(redact_options, transcript))[0]
        moments.append(
            Moment(
                rank=len(moments) + 1,
                kind=kind,
                strength=round(strength, 4),
                weight=float(finding.get("weight") or 0.0),
                severity=round(severity, 4),
                call_id=str(call.get("call_id")),
                source=call.get("source"),
                agent=call.get("agent"),
                detector=str(finding.get("detector")),
                rule_id=str(finding.get("rule_id")),
                polarity=want,
                turn=turn_index,
                words=words,
                explanation=str(finding.get("explanation") or ""),
                window=_window(turns, turn_index, context, highlight),
                redacted=redaction,
            )
        )
    return moments


def _keep_agent(options: RedactOptions | None, transcript: Transcript) -> RedactOptions:
    opts = options or DEFAULT_OPTIONS
    if transcript.agent:
        opts = replace(opts, keep_names=opts.keep_names | {transcript.agent})
    return opts

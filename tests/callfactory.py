"""Small CALL/AGENT records (score schema_version 1) and transcripts for workflow tests.

The records are built by hand to follow the schema in the team brief, so that evaluate,
coaching and report can be tested without running the detectors.
"""

from __future__ import annotations

import random
from typing import Any

from toneprobe.model import Transcript, Turn

AGENTS = ("Jana Krüger", "Mehmet Yilmaz", "Sabine Hoffmann", "Lukas Brandt")

_LINES = (
    (
        "agent",
        "Guten Tag, Stadtwerke Musterstadt, mein Name ist {agent}. Was kann ich für Sie tun?",
    ),
    (
        "customer",
        "Mein Name ist {customer}. Meine Abschlagszahlung wurde schon wieder doppelt abgebucht!",
    ),
    ("agent", "Das tut mir leid, Frau {last}. Das ist wirklich ärgerlich, ich schaue sofort nach."),
    ("customer", "Meine Kundennummer ist 4711-0815, Sie erreichen mich unter 0171 1234567."),
    ("agent", "Danke. Ich sehe die doppelte Buchung und veranlasse heute noch die Erstattung."),
    ("customer", "Na gut. Und die IBAN DE89 3704 0044 0532 0130 00 stimmt noch?"),
    ("agent", "Ja, die ist hinterlegt. Kann ich sonst noch etwas für Sie tun?"),
    ("customer", "Nein, danke. Auf Wiederhören."),
)


def make_transcript(
    call_id: str, agent: str, customer: str, lines: tuple[tuple[str, str], ...] = _LINES
) -> Transcript:
    last = customer.split()[-1]
    turns = tuple(
        Turn(
            index=i,
            role=role,  # type: ignore[arg-type]
            text=text.format(agent=agent, customer=customer, last=last),
            speaker=agent if role == "agent" else customer,
        )
        for i, (role, text) in enumerate(lines)
    )
    return Transcript(
        call_id=call_id,
        turns=turns,
        agent=agent,
        customer=customer,
        source=f"calls/{call_id}.json",
    )


def finding(
    detector: str,
    rule_id: str,
    turn: int,
    text: str,
    turn_text: str,
    *,
    polarity: str,
    weight: float,
    role: str = "agent",
) -> dict[str, Any]:
    start = turn_text.index(text)
    return {
        "detector": detector,
        "rule_id": rule_id,
        "turn": turn,
        "speaker": "agent",
        "role": role,
        "start": start,
        "end": start + len(text),
        "text": text,
        "polarity": polarity,
        "weight": weight,
        "explanation": f"phrase {text!r} ({rule_id})",
    }


def make_call(
    transcript: Transcript,
    *,
    score: float,
    deescalation: str = "not_needed",
    hangup: str = "none",
    disrespect: bool = False,
    findings: list[dict[str, Any]] | None = None,
    polarities: list[float] | None = None,
) -> dict[str, Any]:
    pols = polarities or [0.0] * len(transcript.turns)
    return {
        "call_id": transcript.call_id,
        "source": transcript.source,
        "agent": transcript.agent,
        "customer": transcript.customer,
        "ended_by": None,
        "n_turns": len(transcript.turns),
        "empathy_score": score,
        "components": {"deescalation": score, "hangup": 100.0, "respect": score, "empathy": None},
        "weights": {"deescalation": 0.3, "hangup": 0.2, "respect": 0.3, "empathy": 0.2},
        "deescalation": {"outcome": deescalation, "peak_turn": None},
        "hangup": {"outcome": hangup, "turn": None},
        "respect": {"score": score, "disrespect": disrespect, "positive": 1, "negative": 0},
        "empathy": {"score": None, "opportunities": 0, "responded": 0},
        "sentiment": [
            {
                "turn": t.index,
                "role": t.role,
                "label": "negative" if p < -0.3 else "positive" if p > 0.3 else "neutral",
                "polarity": p,
                "scores": {},
            }
            for t, p in zip(transcript.turns, pols, strict=False)
        ],
        "findings": findings or [],
    }


def make_agents(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_agent: dict[str, list[float]] = {}
    for c in calls:
        by_agent.setdefault(c["agent"], []).append(c["empathy_score"])
    out = []
    for agent, scores in sorted(by_agent.items()):
        mean = sum(scores) / len(scores)
        out.append(
            {
                "agent": agent,
                "calls": len(scores),
                "empathy_score": round(mean, 1),
                "ci95": [round(mean - 5, 1), round(mean + 5, 1)],
                "low_n": len(scores) < 5,
                "components": {
                    "deescalation": mean,
                    "hangup": 100.0,
                    "respect": mean,
                    "empathy": None,
                },
                "outcomes": {"deescalation": {}, "hangup": {}, "disrespect_calls": 0},
                "findings": {},
            }
        )
    return out


def synthetic_batch(n: int, seed: int = 7) -> list[tuple[dict[str, Any], Transcript]]:
    """``n`` calls over four agents with findings, sentiment and PII in the text."""
    rng = random.Random(seed)
    customers = ("Anna Becker", "Peter Schulz", "Maria Wagner", "Tobias Neumann")
    items = []
    for i in range(n):
        agent = AGENTS[i % len(AGENTS)]
        t = make_transcript(f"call_{i:04d}", agent, customers[i % len(customers)])
        score = round(rng.uniform(10, 98), 1)
        fs = [
            finding(
                "empathy",
                "empathy.acknowledge.v1",
                2,
                "Das ist wirklich ärgerlich",
                t.turns[2].text,
                polarity="positive",
                weight=0.6,
            )
        ]
        if score < 40:
            fs.append(
                finding(
                    "respect",
                    "respect.dismissal.v1",
                    6,
                    "Kann ich sonst noch etwas",
                    t.turns[6].text,
                    polarity="negative",
                    weight=0.7,
                )
            )
        pols = [round(rng.uniform(-1, 1), 2) for _ in t.turns]
        items.append((make_call(t, score=score, findings=fs, polarities=pols), t))
    return items

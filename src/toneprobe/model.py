"""The transcript model: the only thing detectors and scoring ever see.

Readers build these objects; nothing changes them afterwards (derive new ones with
``dataclasses.replace``).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["agent", "customer"]
EndedBy = Literal["agent", "customer", "dropped", "normal"]

ROLES: tuple[str, ...] = ("agent", "customer")
ENDED_BY: tuple[str, ...] = ("agent", "customer", "dropped", "normal")


@dataclass(frozen=True, slots=True)
class Turn:
    """One speaker turn. ``start``/``end`` are seconds from the call start (or None)."""

    index: int
    role: Role
    text: str
    speaker: str | None = None
    start: float | None = None
    end: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"role": self.role}
        if self.speaker is not None:
            out["speaker"] = self.speaker
        out["text"] = self.text
        if self.start is not None:
            out["start"] = self.start
        if self.end is not None:
            out["end"] = self.end
        return out


@dataclass(frozen=True, slots=True)
class Transcript:
    """One call. ``ended_by`` is agent|customer|dropped|normal or None when unknown.

    ``date`` is the day the call took place, where the source says so (metadata or a date in
    the file name; see :mod:`toneprobe.dates`), else None. It is the last field, so code that
    builds a Transcript positionally keeps working.
    """

    call_id: str
    turns: tuple[Turn, ...]
    agent: str | None = None
    customer: str | None = None
    ended_by: EndedBy | None = None
    source: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    date: _dt.date | None = None

    def agent_turns(self) -> tuple[Turn, ...]:
        return tuple(t for t in self.turns if t.role == "agent")

    def customer_turns(self) -> tuple[Turn, ...]:
        return tuple(t for t in self.turns if t.role == "customer")

    def to_dict(self) -> dict[str, Any]:
        """toneprobe's own JSON format (also the output of ``convert``)."""
        out: dict[str, Any] = {
            "call_id": self.call_id,
            "agent": self.agent,
            "customer": self.customer,
            "ended_by": self.ended_by,
        }
        if self.date is not None:
            out["date"] = self.date.isoformat()
        out["turns"] = [t.to_dict() for t in self.turns]
        if self.metadata:
            out["metadata"] = self.metadata
        return out

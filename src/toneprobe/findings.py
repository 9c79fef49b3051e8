"""The one record every detector produces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Polarity = Literal["positive", "negative", "cue"]


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule that fired: detector, rule id, turn, character span into that turn's text.

    ``base_weight`` is the rule's weight; ``weight`` the one used after any context adjustment,
    which ``explanation`` describes.
    """

    detector: str
    rule_id: str
    turn: int
    role: str
    speaker: str | None
    start: int
    end: int
    text: str
    polarity: Polarity
    kind: str | None
    base_weight: float
    weight: float
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "rule_id": self.rule_id,
            "turn": self.turn,
            "speaker": self.speaker,
            "role": self.role,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "polarity": self.polarity,
            "kind": self.kind,
            "weight": round(self.weight, 3),
            "explanation": self.explanation,
        }

from __future__ import annotations

import pytest

from toneprobe.model import Transcript, Turn
from toneprobe.pipeline import Scorer

ROLE = {"A": "agent", "K": "customer"}


def dialogue(*lines: str, call_id: str = "t", ended_by: str | None = None) -> Transcript:
    """Build a call from lines like 'A: Guten Tag ...' and 'K: ...' (A = agent, K = Kunde)."""
    turns = []
    for i, line in enumerate(lines):
        who, text = line.split(":", 1)
        turns.append(Turn(index=i, role=ROLE[who.strip()], text=text.strip()))  # type: ignore[arg-type]
    return Transcript(call_id=call_id, turns=tuple(turns), agent="Test Agent", ended_by=ended_by)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def scorer() -> Scorer:
    # keyword backend and no offense model: fast, deterministic, no model files needed
    return Scorer(model="fake", use_offense_model=False)

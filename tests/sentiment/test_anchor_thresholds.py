"""scripts/anchor_thresholds.py: a threshold keeps its share of customer turns across models."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str) -> list[list[str]]:
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "anchor_thresholds.py"), *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return [line.split() for line in proc.stdout.splitlines()]


def test_anchor_against_the_same_model_keeps_each_threshold() -> None:
    model = str(REPO / "models" / "sentiment-de")
    rows = _run("--reference", model, "--model", model, "--threshold", "0.5", "--threshold", "0.6")
    assert rows[0][1:] == ["customer", "turns"] and int(rows[0][0]) > 300
    table = {float(r[0]): (float(r[1]), float(r[2])) for r in rows[2:]}
    assert set(table) == {0.5, 0.6}
    for t, (share, anchored) in table.items():
        assert 0.05 < share < 0.6  # the bundled calls have upset and calm customers
        # the new value is the lowest P(negative) still flagged: at or just above t
        assert t <= anchored < t + 0.02

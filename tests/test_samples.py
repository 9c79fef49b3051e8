"""The bundled sample calls: every format reads, with the labelled agent and both roles."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from toneprobe.readers import iter_input_files, read_path

SAMPLES = Path(__file__).resolve().parents[1] / "sample_transcripts"
LABELS = {r["call_id"]: r for r in csv.DictReader((SAMPLES / "labels.csv").open(encoding="utf-8"))}
FILES = iter_input_files([str(SAMPLES)])


def test_samples_cover_the_brief():
    assert len(LABELS) >= 40
    assert len({r["agent"] for r in LABELS.values()}) >= 6
    assert len(FILES) == len(LABELS)
    formats = {read_path(f).format for f in FILES}
    assert len(formats) >= 7, formats
    for column, values in (
        ("deescalation", {"achieved", "failed", "not_needed"}),
        ("hangup", {"none", "agent", "customer", "dropped"}),
        ("disrespect", {"0", "1"}),
    ):
        assert {r[column] for r in LABELS.values()} == values


@pytest.mark.parametrize("path", FILES, ids=lambda p: Path(p).name)
def test_samples_read_with_labelled_agent_and_both_roles(path):
    (transcript,) = read_path(path).transcripts
    label = LABELS[transcript.call_id]
    assert transcript.agent == label["agent"]
    roles = [t.role for t in transcript.turns]
    assert "agent" in roles and "customer" in roles
    assert roles[0] == "agent"
    assert all(t.text.strip() for t in transcript.turns)

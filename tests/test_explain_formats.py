"""`explain` and `score` work on every input format of the bundled samples."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from toneprobe.batch import BatchOptions
from toneprobe.commands.score import run_explain
from toneprobe.pipeline import Scorer
from toneprobe.readers import read_path

SAMPLES = Path(__file__).resolve().parents[1] / "sample_transcripts"
ONE_PER_FORMAT = sorted(
    next(p for p in sorted(d.iterdir()) if p.is_file()) for d in SAMPLES.iterdir() if d.is_dir()
)


def test_explain_formats_collected():
    assert len(ONE_PER_FORMAT) >= 7


@pytest.mark.parametrize("path", ONE_PER_FORMAT, ids=lambda p: p.parent.name)
def test_explain_every_format(path, capsys):
    run_explain(str(path), options=BatchOptions(model="fake"))
    out = capsys.readouterr().out
    transcript = read_path(path).transcripts[0]
    assert f"Call {transcript.call_id}" in out
    assert len(re.findall(r"^\[\s*\d+\] ", out, flags=re.M)) == len(transcript.turns)
    for turn in transcript.turns[:3]:
        assert turn.text[:25] in out.replace("\n", " ") or turn.text[:10] in out
    assert "empathy_score = weighted mean" in out


@pytest.mark.parametrize("path", ONE_PER_FORMAT, ids=lambda p: p.parent.name)
def test_score_every_format_has_explained_findings(path):
    transcript = read_path(path).transcripts[0]
    call = Scorer(model="fake", use_offense_model=False).score(transcript)
    assert call["findings"], "every sample call has at least a greeting or a farewell finding"
    for f in call["findings"]:
        text = transcript.turns[f["turn"]].text
        assert text[f["start"] : f["end"]] == f["text"]
        assert f["rule_id"] in f["explanation"]


def test_explain_names_the_call_readers_penalty_in_the_score_line():
    from toneprobe.explain import render_explanation
    from toneprobe.scoring import default_weights, parse_weights

    path = ONE_PER_FORMAT[0]
    transcript = read_path(path).transcripts[0]
    call = Scorer(model="fake", use_offense_model=False).score(transcript)
    data = default_weights().model_dump()
    data["disrespect"] = {"penalty": 20.0}
    weights = parse_weights(data, "weights.yaml")
    call["respect"] = {**call["respect"], "disrespect_p": 0.8, "disrespect_penalty": 16.0}
    out = io.StringIO()
    render_explanation(transcript, call, weights, out)
    text = " ".join(out.getvalue().split())
    assert (
        "- 16.0 (the call reads as disrespectful as a whole: penalty 20 × call reader p 0.80)"
        in text
    )
    call["respect"]["disrespect_penalty"] = 0.0
    out = io.StringIO()
    render_explanation(transcript, call, weights, out)
    assert "disrespectful as a whole" not in out.getvalue()

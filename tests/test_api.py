"""The public API: ``toneprobe.read`` and ``toneprobe.score_transcript`` (lazy, pure, picklable)."""

from __future__ import annotations

import multiprocessing
import pickle
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

import toneprobe
from toneprobe.errors import InputError
from toneprobe.model import Transcript, Turn
from toneprobe.pipeline import Scorer

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_transcripts"


def call(*texts: str) -> Transcript:
    turns = tuple(
        Turn(i, "agent" if i % 2 == 0 else "customer", text) for i, text in enumerate(texts)
    )
    return Transcript("api_1", turns, agent="Jana Krüger", customer="Herr Becker")


def _score_fake(t: Transcript) -> dict:
    return toneprobe.score_transcript(t, model="fake")


# the package, and what the parent of ``score --workers N`` imports: it only hands out files and
# writes rows, so numpy and the models stay in the workers (issue 12's memory bar sums the tree)
@pytest.mark.parametrize("module", ["toneprobe", "toneprobe.commands.score"])
def test_api_import_is_light(module):
    code = (
        f"import sys, {module}; heavy = {{'spacy', 'torch', 'transformers', 'numpy'}} & "
        "set(sys.modules); print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "path,n_calls",
    [("json/call_001.json", 1), ("text/call_003.txt", 1), ("srt/call_005.srt", 1)],
)
def test_api_read_gives_transcripts(path, n_calls):
    calls = toneprobe.read(SAMPLES / path)
    assert len(calls) == n_calls
    assert all(isinstance(t, Transcript) and t.turns for t in calls)


def test_api_read_raises_input_error_with_the_path(tmp_path):
    bad = tmp_path / "leer.txt"
    bad.write_text("", encoding="utf-8")
    with pytest.raises(InputError) as err:
        toneprobe.read(bad)
    assert err.value.path == str(bad)


@pytest.mark.parametrize(
    "texts",
    [
        (
            "Guten Tag, Stadtwerke Elmtal, Sie sprechen mit Jana Krüger.",
            "Meine Rechnung ist schon wieder falsch, ich bin echt sauer!",
            "Das tut mir leid, das ist wirklich ärgerlich. Ich korrigiere das sofort.",
            "Danke, das ist nett.",
            "Gern. Einen schönen Tag noch, auf Wiederhören.",
        ),
    ],
)
def test_api_score_transcript_matches_the_pipeline_and_is_pure(texts):
    t = call(*texts)
    record = toneprobe.score_transcript(t, model="fake")
    assert record == Scorer(model="fake").score(t)
    assert toneprobe.score_transcript(t, model="fake") == record  # same input, same record
    assert record["call_id"] == "api_1" and record["n_turns"] == len(texts)
    assert 0 <= record["empathy_score"] <= 100


def test_api_functions_and_transcripts_pickle_and_run_in_another_process():
    t = toneprobe.read(SAMPLES / "json" / "call_002.json")[0]
    assert pickle.loads(pickle.dumps(t)) == t
    assert pickle.loads(pickle.dumps(toneprobe.score_transcript)) is toneprobe.score_transcript
    assert pickle.loads(pickle.dumps(toneprobe.read)) is toneprobe.read
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        remote = pool.submit(_score_fake, t).result(timeout=120)
    assert remote == _score_fake(t)

"""A Hugging Face model in a scoring worker runs torch on one thread (issue 15).

Without the limit, the backend gave torch one thread per core in every worker process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from toneprobe.batch import FAULT_ENV
from toneprobe.threads import THREADS_ENV

SAMPLES = Path(__file__).resolve().parents[2] / "sample_transcripts" / "json"


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two cores")
@pytest.mark.parametrize("threads", [None, "2"])
def test_hf_threads_torch_in_each_worker_follows_the_limit(tiny_hf_model, tmp_path, threads):
    model = tiny_hf_model(("positive", "negative", "neutral"))
    calls, reports = tmp_path / "calls", tmp_path / "reports"
    calls.mkdir()
    reports.mkdir()
    for path in sorted(SAMPLES.glob("*.json"))[:4]:
        shutil.copy(path, calls / path.name)
    env = {k: v for k, v in os.environ.items() if k not in (THREADS_ENV, "OMP_NUM_THREADS")}
    env[FAULT_ENV] = f"threads:{reports}"
    extra = ["--threads", threads] if threads else []
    cmd = [sys.executable, "-m", "toneprobe", "score", str(calls), "--model", str(model),
           "-j", "2", "--format", "jsonl", "-q", *extra]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert len(out.splitlines()) == 4
    found = [json.loads(p.read_text()) for p in reports.glob("*.json")]
    assert found and proc.pid not in {r["pid"] for r in found}  # scored in the workers
    assert {r["torch"] for r in found} == {int(threads or 1)}

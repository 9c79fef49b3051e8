"""`--engine dask` against a real local Dask cluster: same output as a local run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli import run_toneprobe

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_transcripts"


def score(*args: str):
    return run_toneprobe("score", str(SAMPLES), "--model", "fake", *args, timeout=120)


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as c:
        yield c


def test_dask_engine_gives_the_same_output_as_a_local_run(cluster):
    local = score("--format", "jsonl", "--workers", "1")
    dask = score("--format", "jsonl", "--engine", "dask", "--scheduler", cluster.scheduler_address)
    assert local.returncode == 0, local.stderr
    assert dask.returncode == 0, dask.stderr
    assert len(local.stdout.splitlines()) == 44
    assert dask.stdout == local.stdout  # same records, same order
    assert "scored 44 calls" in dask.stderr


def test_dask_engine_json_document_equals_local(cluster):
    local = score("--format", "json", "--workers", "1")
    dask = score("--format", "json", "--engine", "dask", "--scheduler", cluster.scheduler_address)
    assert dask.returncode == 0, dask.stderr
    assert json.loads(dask.stdout) == json.loads(local.stdout)


def test_dask_engine_bad_scheduler_is_one_line_exit_2():
    proc = subprocess.run(
        [
            sys.executable, "-m", "toneprobe", "score", str(SAMPLES / "json"), "--model", "fake",
            "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"},
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Dask scheduler" in proc.stderr

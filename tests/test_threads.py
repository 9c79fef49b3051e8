"""Every scoring process gives numpy/BLAS/OpenMP one thread unless told otherwise (issue 15).

Looked at from inside the real processes: the test-only hook ``TONEPROBE_TEST_FAULT=threads:DIR``
makes each process that scores a call write threadpoolctl's view of its pools to
``DIR/<pid>.json``. Without the limit, OpenBLAS runs one thread per core in each process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli import run_toneprobe

from toneprobe.batch import FAULT_ENV
from toneprobe.threads import THREADS_ENV

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_transcripts" / "json"

pytestmark = pytest.mark.skipif(
    len(os.sched_getaffinity(0)) < 2, reason="one core: one thread is the libraries' default too"
)


@pytest.fixture(scope="module")
def calls(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("calls")
    for path in sorted(SAMPLES.glob("*.json"))[:6]:
        shutil.copy(path, out / path.name)
    return out


def score_and_look_inside(calls: Path, tmp_path: Path, *args: str, env: dict | None = None):
    """Run ``toneprobe score CALLS ARGS`` as its own process; return its pid and the thread
    report of each process that scored a call."""
    reports = tmp_path / "reports"
    reports.mkdir()
    env = {**(env if env is not None else clean_env()), FAULT_ENV: f"threads:{reports}"}
    cmd = [sys.executable, "-m", "toneprobe", "score", str(calls), "--format", "jsonl", "-q", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert len(out.splitlines()) == 6
    found = [json.loads(p.read_text()) for p in sorted(reports.glob("*.json"))]
    assert found, "no scoring process wrote its thread report"
    return proc.pid, found


def blas_threads(report: dict) -> list[int]:
    pools = [p["num_threads"] for p in report["pools"] if p["user_api"] == "blas"]
    assert pools, f"numpy's BLAS is not loaded in the scoring process: {report}"
    return pools


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in (THREADS_ENV, "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    }
    return {**env, **extra}


@pytest.mark.parametrize("workers", ["1", "2"])
def test_threads_each_scoring_process_runs_one_blas_thread(calls, tmp_path, workers):
    pid, reports = score_and_look_inside(calls, tmp_path, "--workers", workers, env=clean_env())
    # -j 1 scores in the command's own process; -j 2 in (up to) two worker processes
    pids = {r["pid"] for r in reports}
    if workers == "1":
        assert pids == {pid}
    else:
        assert pid not in pids and 1 <= len(pids) <= 2
    for report in reports:
        assert blas_threads(report) == [1] * len(report["pools"])
        assert report["limit"] == 1


def test_threads_option_gives_each_worker_more_threads(calls, tmp_path):
    _, reports = score_and_look_inside(
        calls, tmp_path, "-j", "2", "--threads", "2", env=clean_env()
    )
    for report in reports:
        assert set(blas_threads(report)) == {2}


def test_threads_environment_variable_sets_the_default_and_the_option_wins(calls, tmp_path):
    (tmp_path / "env").mkdir()
    (tmp_path / "opt").mkdir()
    _, by_env = score_and_look_inside(
        calls, tmp_path / "env", "-j", "1", env=clean_env(TONEPROBE_THREADS="2")
    )
    assert [set(blas_threads(r)) for r in by_env] == [{2}]
    _, by_option = score_and_look_inside(
        calls, tmp_path / "opt", "-j", "1", "--threads", "1", env=clean_env(TONEPROBE_THREADS="2")
    )
    assert [set(blas_threads(r)) for r in by_option] == [{1}]


def test_threads_reach_the_dask_workers(calls, tmp_path):
    pytest.importorskip("distributed")
    # Dask's nanny sets one thread by default: ask for two to see that the option arrives
    pid, reports = score_and_look_inside(
        calls, tmp_path, "--engine", "dask", "-j", "2", "--threads", "2", env=clean_env()
    )
    assert pid not in {r["pid"] for r in reports}
    for report in reports:
        assert set(blas_threads(report)) == {2}


@pytest.mark.parametrize("value", ["0", "zwei", "-3"])
def test_threads_bad_environment_value_is_one_line_exit_2(calls, value):
    proc = run_toneprobe("score", str(calls), "-q", env=clean_env(TONEPROBE_THREADS=value))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"Error: ${THREADS_ENV} must be a whole number of at least 1 (got {value!r})"
    ]


def test_threads_option_below_one_is_a_usage_error(calls):
    proc = run_toneprobe("score", str(calls), "--threads", "0", env=clean_env())
    assert proc.returncode == 2
    assert "--threads" in proc.stderr and "Traceback" not in proc.stderr

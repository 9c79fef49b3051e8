"""Real faults in real processes: a call that raises, a worker that dies, a file deleted mid-run,
SIGINT/SIGTERM to a running ``python -m toneprobe score``.

Faults are injected through ``$TONEPROBE_TEST_FAULT`` (``batch._inject_fault``), which the pool
workers inherit: ``raise:ID`` raises while scoring call ID, ``crash:ID`` kills the worker process,
``slow:S`` makes every call take S seconds longer.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli import run_toneprobe

from toneprobe.batch import FAULT_ENV

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import write_corpus  # noqa: E402


def env_with(fault: str) -> dict[str, str]:
    return {**os.environ, FAULT_ENV: fault}


def score(*args: str, fault: str = "") -> subprocess.CompletedProcess[str]:
    model = () if "--model" in args else ("--model", "fake")
    return run_toneprobe("score", *args, *model, env=env_with(fault))


def start(*args: str, fault: str, stdout=subprocess.PIPE) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "toneprobe", "score", *args, "--model", "fake"],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=env_with(fault),
        start_new_session=True,  # its own process group, like a job in a shell
    )


def wait_for_lines(path: Path, n: int, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text(encoding="utf-8").count("\n") >= n:
            return
        if proc.poll() is not None:
            pytest.fail(f"finished before writing {n} lines: {proc.stderr.read()}")  # type: ignore[union-attr]
        time.sleep(0.05)
    pytest.fail("no output in time")


def alive_in_group(pgid: int) -> list[int]:
    """Processes of a process group that still run (zombies waiting for init do not count)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    write_corpus(out, 12, seed=5)
    return out


@pytest.mark.parametrize("workers", ["1", "2"])
def test_faults_a_call_that_raises_lands_in_errors(corpus, workers):
    proc = score(str(corpus), "--format", "json", "-j", workers, fault="raise:bench_000004")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert len(doc["calls"]) == 11
    assert "bench_000004" not in {c["call_id"] for c in doc["calls"]}
    (err,) = doc["errors"]
    assert err["call_id"] == "bench_000004" and err["source"].endswith("bench_000004.json")
    assert "injected fault" in err["message"]
    assert "warning:" in proc.stderr and "Traceback" not in proc.stderr
    strict = score(
        str(corpus), "--format", "json", "-j", workers, "--strict", fault="raise:bench_000004"
    )
    assert strict.returncode == 2


def test_faults_a_worker_that_dies_is_replaced_and_its_file_reported(corpus):
    proc = score(str(corpus), "--format", "jsonl", "-j", "2", fault="crash:bench_000007")
    assert proc.returncode == 0, proc.stderr
    ids = [json.loads(line)["call_id"] for line in proc.stdout.splitlines()]
    assert len(ids) == 11 and "bench_000007" not in ids
    assert ids == sorted(ids)  # still in input order after the restart
    assert "bench_000007" in proc.stderr and "worker process died" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_faults_a_file_deleted_mid_run_is_an_error_and_the_rest_is_scored(tmp_path, workers):
    write_corpus(tmp_path / "calls", 10, seed=9)
    files = sorted((tmp_path / "calls").rglob("*.*"))
    out = tmp_path / "out.jsonl"
    proc = start(
        str(tmp_path / "calls"), "--format", "jsonl", "-o", str(out), "-j", workers,
        fault="slow:0.4",
    )  # fmt: skip
    wait_for_lines(out, 1, proc)
    files[-1].unlink()
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    ids = [json.loads(line)["call_id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert ids == [f.stem for f in files[:-1]]
    assert f"{files[-1]}: no such file" in stderr
    assert "1 file(s) skipped" in stderr


@pytest.mark.parametrize(
    "sig,code,group",
    [(signal.SIGINT, 130, True), (signal.SIGINT, 130, False), (signal.SIGTERM, 143, False)],
)
def test_faults_a_signal_stops_cleanly_and_keeps_whole_lines(corpus, tmp_path, sig, code, group):
    out = tmp_path / "out.jsonl"
    proc = start(str(corpus), "--format", "jsonl", "-o", str(out), "-j", "2", fault="slow:0.3")
    wait_for_lines(out, 2, proc)
    if group:  # Ctrl-C in a terminal reaches every process of the job
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr
    text = out.read_text(encoding="utf-8")
    assert text.endswith("\n")
    lines = text.splitlines()
    assert 2 <= len(lines) < 12
    assert all(json.loads(line)["call_id"].startswith("bench_") for line in lines)
    deadline = time.monotonic() + 20
    while alive_in_group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive_in_group(proc.pid)  # no worker left behind in the job


def test_faults_an_interrupted_json_report_leaves_the_old_file_alone(tmp_path):
    calls = tmp_path / "calls"
    write_corpus(calls, 8, seed=11)
    (calls / "aaa_kaputt.json").write_text('{"call_id": "x", "turns": [', encoding="utf-8")
    out = tmp_path / "report.json"
    out.write_text('{"old": true}\n', encoding="utf-8")
    proc = start(
        str(calls), "--format", "json", "-o", str(out), "-j", "1", fault="slow:0.3",
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.stderr is not None
    first = proc.stderr.readline()  # the broken file comes first: the run is under way
    assert "aaa_kaputt.json" in first
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert out.read_text(encoding="utf-8") == '{"old": true}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls", "report.json"]  # no temp file
    assert "no output written" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_faults_a_model_that_cannot_load_stops_the_run_with_one_line(corpus, tmp_path, workers):
    proc = score(str(corpus), "--format", "jsonl", "-j", workers, "--model", str(tmp_path / "nix"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("Error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert not proc.stdout

"""Batch engine: chunking, input-order output, --workers N == --workers 1, --resume, stdin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli import run_toneprobe

from toneprobe.batch import (
    BatchOptions,
    Tally,
    account,
    done_key,
    iter_outcomes,
    load_done,
    plan_chunks,
    plan_sources,
    score_file,
)
from toneprobe.errors import InputError
from toneprobe.pipeline import Scorer

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_transcripts"
sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import write_corpus  # noqa: E402

run = run_toneprobe


def records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    write_corpus(out, 16, seed=3)
    return out


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(model="fake")


@pytest.mark.parametrize("n,workers", [(0, 2), (1, 2), (5, 2), (37, 2), (1000, 4), (10, 1)])
def test_batch_plan_chunks_cover_every_file_once_in_order(n, workers):
    chunks = plan_chunks(n, workers)
    flat = [i for c in chunks for i in c]
    assert flat == list(range(n))
    # the first chunks are single files, so the first call comes back fast
    assert all(len(c) == 1 for c in chunks[:workers])
    assert all(1 <= len(c) <= 8 for c in chunks)


def test_batch_workers_2_output_equals_workers_1(corpus):
    one = run("score", str(corpus), "--model", "fake", "--format", "jsonl", "--workers", "1")
    two = run("score", str(corpus), "--model", "fake", "--format", "jsonl", "--workers", "2")
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    a, b = records(one.stdout), records(two.stdout)
    assert len(a) == 16
    as_set = {json.dumps(r, sort_keys=True) for r in a}
    assert as_set == {json.dumps(r, sort_keys=True) for r in b}
    # and in the same (input) order
    assert [r["call_id"] for r in a] == [r["call_id"] for r in b]
    assert "scored 16 calls" in two.stderr


def test_batch_json_agents_do_not_depend_on_workers(corpus):
    one = run("score", str(corpus), "--model", "fake", "--format", "json", "-j", "1")
    two = run("score", str(corpus), "--model", "fake", "--format", "json", "-j", "2")
    assert json.loads(one.stdout) == json.loads(two.stdout)


def test_batch_resume_skips_calls_already_in_the_file(corpus, tmp_path):
    out = tmp_path / "scores.jsonl"
    first = sorted(corpus.rglob("*.*"))[:5]
    proc = run("score", *map(str, first), "--model", "fake", "--format", "jsonl", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    done_before = records(out.read_text(encoding="utf-8"))
    # a run killed mid-write leaves half a line; --resume cuts it off and appends the rest
    with out.open("a", encoding="utf-8") as fh:
        fh.write('{"call_id": "bench_0000')
    proc = run(
        "score", str(corpus), "--model", "fake", "--format", "jsonl", "-o", str(out), "--resume"
    )
    assert proc.returncode == 0, proc.stderr
    recs = records(out.read_text(encoding="utf-8"))
    ids = [r["call_id"] for r in recs]
    assert len(ids) == 16 and len(set(ids)) == 16
    assert recs[:5] == done_before
    assert "5 already done" in proc.stderr
    assert "scored 11 calls" in proc.stderr


def test_batch_resume_needs_jsonl_output_file(corpus):
    proc = run("score", str(corpus), "--model", "fake", "--format", "json", "--resume")
    assert proc.returncode == 2
    assert "--resume" in proc.stderr and "Traceback" not in proc.stderr


def test_batch_load_done_cuts_a_half_written_last_line(tmp_path):
    path = tmp_path / "out.jsonl"
    whole = '{"call_id": "a1", "source": "x/./a.json"}\n{"call_id": "a2", "source": "x/a.json"}\n'
    path.write_text(whole + '{"call_id": "a3", "sou', encoding="utf-8")
    done = load_done(path)
    assert done == {("x/a.json", "a1"), ("x/a.json", "a2")}
    assert path.read_text(encoding="utf-8") == whole
    assert done_key("x/./a.json", "a1") in done


def test_batch_load_done_refuses_a_file_that_is_not_call_records(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text('{"call_id": "a1"}\nkein JSON\n{"call_id": "a2"}\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_done(path)
    assert err.value.line == 2
    assert not load_done(tmp_path / "missing.jsonl")


def test_batch_score_file_reads_bytes_from_stdin(scorer):
    data = (SAMPLES / "text" / "call_003.txt").read_bytes()
    outcomes = score_file(("-", data), scorer, BatchOptions(model="fake"))
    assert len(outcomes) == 1 and outcomes[0].call is not None
    assert outcomes[0].call["source"] == "-"


def test_batch_score_file_skips_resumed_calls(scorer):
    path = SAMPLES / "json" / "call_001.json"
    opts = BatchOptions(model="fake", done=frozenset({done_key(str(path), "call_001")}))
    outcomes = score_file(path, scorer, opts)
    assert [o.resumed for o in outcomes] == [True]
    tally = Tally()
    list(account(outcomes, tally))
    assert tally.calls_resumed == 1 and tally.calls == 0


def test_batch_serial_stops_between_files_when_asked(scorer):
    files = sorted((SAMPLES / "json").glob("*.json"))[:4]
    tally = Tally()
    seen: list[str] = []

    def stop() -> bool:
        return len(seen) >= 2

    sources = plan_sources(files)
    for source, _outs in iter_outcomes(
        sources, scorer, BatchOptions(model="fake"), tally, stop=stop
    ):
        seen.append(source)
    assert seen == [str(f) for f in files[:2]]
    assert tally.files_read == 2


def test_batch_summary_line_on_stderr_unless_quiet(corpus):
    loud = run("score", str(corpus), "--model", "fake", "-j", "1", "--format", "csv")
    assert "scored 16 calls" in loud.stderr and "calls/s" in loud.stderr
    assert loud.stdout.count("\n") == 17  # header + one row per call, nothing else on stdout
    quiet = run("score", str(corpus), "--model", "fake", "-j", "1", "--format", "csv", "-q")
    assert not quiet.stderr.strip()


def test_batch_pool_that_breaks_before_a_submit_retries_the_files(corpus, monkeypatch):
    """A worker can die between two submits: the pool then refuses new work. The chunk it
    refused is retried on a fresh pool like any crashed chunk, and no file is lost."""
    from concurrent.futures.process import BrokenProcessPool

    from toneprobe.batch import _PoolBackend, iter_distributed

    files = sorted(str(p) for p in corpus.rglob("*.json"))[:6]
    assert len(files) == 6
    backend = _PoolBackend(BatchOptions(model="fake"), 2)
    real_submit = backend.executor.submit
    calls = {"n": 0}

    def flaky_submit(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise BrokenProcessPool("a child process terminated abruptly")
        return real_submit(*args, **kwargs)

    monkeypatch.setattr(backend.executor, "submit", flaky_submit)
    try:
        got = list(iter_distributed(files, backend, 2, stop=lambda: False, max_chunk=2))
    finally:
        backend.close(cancel=True)
    assert [i for i, _ in got] == list(range(len(files)))
    outcomes = [o for _, outs in got for o in outs]
    assert all(o.error is None for o in outcomes)
    assert len(outcomes) == len(files)
    assert calls["n"] >= 2  # the refused submit happened


def test_batch_cancelled_pool_leaves_no_thread_behind(corpus, monkeypatch):
    """After Ctrl-C the pool is cancelled; its manager thread must be gone before the
    interpreter's exit hook runs, or that hook writes to a pipe the thread is closing (a
    'Bad file descriptor' traceback on stderr after a clean 'interrupted'). A busy machine
    is simulated by a manager thread that is slow to wind down."""
    import threading
    import time
    from concurrent.futures.process import _ExecutorManagerThread

    from toneprobe.batch import _PoolBackend

    real_join = _ExecutorManagerThread.join_executor_internals

    def slow_join(self):
        time.sleep(1.0)
        real_join(self)

    monkeypatch.setattr(_ExecutorManagerThread, "join_executor_internals", slow_join)

    files = sorted(str(p) for p in corpus.rglob("*.json"))[:2]
    backend = _PoolBackend(BatchOptions(model="fake"), 2)
    backend.submit(files).result(timeout=120)
    backend.submit(files)  # still queued or running when the pool is cancelled
    backend.close(cancel=True)
    left = [t for t in threading.enumerate() if isinstance(t, _ExecutorManagerThread)]
    assert not [t for t in left if t.is_alive()], left


PRELOAD_CHECK = """
import gc, json, os
from toneprobe.batch import PRELOAD_ENV, _WORKER, preload_scorer
os.environ[PRELOAD_ENV] = json.dumps({"model": None, "rules_dirs": []})
preload_scorer()
scorer = _WORKER["prebuilt"][1]
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "shared_table": scorer.moves.model.embedding is scorer.state_model._model.embedding,
}))
"""


def test_batch_fork_server_preloads_models_and_freezes_them_before_forking(tmp_path):
    """What the fork server does before it forks workers: the default scorer is built and warm
    (its three models share one word-vector table) and the loaded objects are frozen out of
    the garbage collector's reach, so the workers' collections leave the shared pages alone."""
    proc = subprocess.run(
        [sys.executable, "-c", PRELOAD_CHECK],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["shared_table"] is True
    assert out["frozen"] > 10_000  # 0 unless frozen: spaCy, the rules, the models (~88,000)

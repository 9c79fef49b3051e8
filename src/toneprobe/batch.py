"""Batch scoring: read each file, score each call, and account for everything.

Nothing is lost silently: every file ends up either read (its calls scored) or skipped with an
error record naming it; counts of files, calls and turns are kept as the batch runs.

Three engines run the same per-file function (:func:`score_file`):

* ``serial``: in this process, one file after the other (``--workers 1``);
* ``pool``: a process pool (``--workers N``). Each worker builds one :class:`Scorer` in its
  initializer, so the models load once per worker. Files go to the workers in small chunks;
  results come back as chunks finish and are handed on **in input order** (a small reorder
  window), so the output of ``--workers N`` is the same as the output of ``--workers 1``.
  A worker that dies (``BrokenProcessPool``) is replaced by a new pool; the files that were in
  flight are retried one by one, and the one that kills a worker again gets an error record;
* ``dask``: the same chunks as tasks on a Dask cluster (``toneprobe[dask]``), one cached
  Scorer per worker process and thread.

The engines yield ``(index, outcomes)`` per file; :func:`account` keeps the tally.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import logging
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toneprobe.errors import ConfigError, InputError, ToneprobeError

log = logging.getLogger(__name__)

#: A file to score: a path, or ``(name, data)`` for bytes already read (stdin).
# a file, stdin as (name, bytes), or the files of one contact (Contact Lens twins, Genesys parts)
Source = str | tuple[str, bytes] | list[str]

#: Test-only fault injection (see :func:`_inject_fault`); never set it in production.
FAULT_ENV = "TONEPROBE_TEST_FAULT"


@dataclass
class BatchOptions:
    input_format: str | None = None
    agent_speaker: str | None = None
    model: str | None = None
    rules_dirs: Sequence[str | Path] = ()
    #: ``(source, call_id)`` pairs already scored (``--resume``); those calls are not scored again
    done: frozenset[tuple[str, str]] = frozenset()
    #: extra speaker labels for agent and customer (``[roles]`` in the configuration)
    agent_words: tuple[str, ...] = ()
    customer_words: tuple[str, ...] = ()
    #: component weights from the configuration (a ``scoring.Weights``); None: the defaults
    weights: Any = None
    #: house style for "du"/"Sie" (``[respect] address``, ``--address``); None: the scorer's
    address: str | None = None
    #: return each call's Transcript with its record (coaching windows need the turns)
    keep_transcripts: bool = False
    #: threads per scoring process for numpy/BLAS/OpenMP/torch (``--threads``); None:
    #: ``$TONEPROBE_THREADS`` or 1 (see :mod:`toneprobe.threads`)
    threads: int | None = None


@dataclass
class Tally:
    files_read: int = 0
    files_skipped: int = 0
    calls: int = 0
    calls_failed: int = 0
    #: calls left out on purpose, with the reason (undiarised: one speaker for both parties)
    calls_skipped: int = 0
    calls_resumed: int = 0
    turns: int = 0
    warnings: int = 0
    #: chat tools' system messages ("Chat beendet") read as events of their calls, not turns
    system_messages: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)

    def line(self) -> str:
        resumed = f", {self.calls_resumed} already done" if self.calls_resumed else ""
        skipped = f", {self.calls_skipped} skipped" if self.calls_skipped else ""
        events = (
            f" ({self.system_messages} system messages kept as events)"
            if self.system_messages
            else ""
        )
        return (
            f"read {self.files_read} files ({self.files_skipped} skipped), "
            f"scored {self.calls} calls ({self.calls_failed} failed{skipped}{resumed}), "
            f"{self.turns} turns{events}"
        )


@dataclass
class Outcome:
    """One unit of batch output: a scored call record, an error record, or a resumed call."""

    call: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    resumed: bool = False  # already in the output file (--resume); nothing to write
    transcript: Any = None  # the call's Transcript, with BatchOptions.keep_transcripts
    system_messages: int = 0  # system messages of the file read as events (on the first)


def describe_error(e: dict[str, Any]) -> str:
    """One line for an error record: ``file:line (call ID): message``."""
    where = f"{e['source']}:{e['line']}" if e.get("line") else e["source"]
    call = f" (call {e['call_id']})" if e.get("call_id") else ""
    return f"{where}{call}: {e['message']}"


def error_record(source: str, err: BaseException) -> dict[str, Any]:
    if isinstance(err, InputError):
        return {"source": err.path or source, "line": err.line, "message": err.message}
    if isinstance(err, ToneprobeError):
        return {"source": source, "line": None, "message": str(err)}
    return {"source": source, "line": None, "message": f"{type(err).__name__}: {err}"}


def done_key(source: str | None, call_id: str) -> tuple[str, str]:
    """The identity of a call across runs (``--resume``): normalised source path and call id."""
    return (os.path.normpath(source) if source and source != "-" else "-", str(call_id))


def _inject_fault(transcript: Any) -> None:
    """Test-only faults from ``$TONEPROBE_TEST_FAULT`` (``kind:call_id`` or ``slow:seconds``).

    ``raise:ID`` raises inside scoring, ``crash:ID`` kills the worker process, ``slow:S`` sleeps
    S seconds per call, ``threads:DIR`` writes the scoring process's thread pools
    (:func:`toneprobe.threads.thread_report`) to ``DIR/<pid>.json``. The test suite uses it to
    make real faults in real worker processes and to look inside them.
    """
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    for part in spec.split(","):
        kind, _, arg = part.partition(":")
        if kind == "slow":
            time.sleep(float(arg))
        elif kind == "threads":
            import json

            from toneprobe.threads import thread_report

            Path(arg, f"{os.getpid()}.json").write_text(json.dumps(thread_report()))
        elif arg == transcript.call_id and kind == "raise":
            raise RuntimeError(f"injected fault in call {arg}")
        elif arg == transcript.call_id and kind == "crash":
            os._exit(70)


def score_file(path: Source | Path, scorer: Any, options: BatchOptions) -> list[Outcome]:
    """Read one file and score its calls; a failure becomes an error Outcome.

    Only a ToneprobeError raised while scoring (a model or rule problem, which concerns every
    file) propagates; anything else that goes wrong with one call or file is recorded.
    """
    from toneprobe.readers import read_bytes, read_path, read_related
    from toneprobe.roles import use_role_words

    use_role_words(options.agent_words, options.customer_words)  # also in worker processes
    group: list[str] | None = None
    read_options: dict[str, Any] = {
        "input_format": options.input_format,
        "agent_speaker": options.agent_speaker,
        "allow_skipped": True,  # skipped calls are reported below, the others scored
    }
    if isinstance(path, tuple):
        source, data = path
    elif isinstance(path, list):
        group, source, data = path, path[0], None
    else:
        source, data = str(path), None
    try:
        if group is not None:
            result = read_related(group, **read_options)
        elif data is not None:
            result = read_bytes(data, source, **read_options)
        else:
            result = read_path(source, **read_options)
    except ToneprobeError as err:
        return [Outcome(error=error_record(source, err))]
    except OSError as err:  # vanished or unreadable mid-run
        return [Outcome(error=error_record(source, InputError(f"cannot read file: {err}", source)))]
    except Exception as err:  # noqa: BLE001 - a reader bug on one file must not stop the batch
        log.debug("reading %s failed", source, exc_info=True)
        return [Outcome(error=error_record(source, err))]
    outcomes: list[Outcome] = []
    for transcript in result.transcripts:
        if options.done and done_key(transcript.source, transcript.call_id) in options.done:
            outcomes.append(Outcome(resumed=True))
            continue
        try:
            _inject_fault(transcript)
            call = scorer.score(transcript)
        except ToneprobeError:
            raise  # a model or rule problem concerns every file: stop the run
        except Exception as err:  # noqa: BLE001 - one bad call must not stop the batch
            log.debug("scoring %s failed", transcript.call_id, exc_info=True)
            rec = error_record(source, err)
            rec["call_id"] = transcript.call_id
            outcomes.append(Outcome(error=rec))
            continue
        outcomes.append(
            Outcome(call=call, transcript=transcript if options.keep_transcripts else None)
        )
    for call_id, reason in result.skipped:
        rec = {"source": source, "line": None, "call_id": call_id, "message": reason}
        outcomes.append(Outcome(error={**rec, "skipped": True}))
    if outcomes:
        outcomes[0].warnings = list(result.warnings)
        outcomes[0].system_messages = sum(
            len(t.metadata.get("events") or ()) for t in result.transcripts
        )
    return outcomes


def account(outcomes: list[Outcome], tally: Tally) -> Iterator[Outcome]:
    """Update the tally for one file's outcomes and pass them on."""
    file_failed = (
        len(outcomes) == 1 and outcomes[0].error is not None and "call_id" not in outcomes[0].error
    )
    if file_failed:
        tally.files_skipped += 1
    else:
        tally.files_read += 1
    for o in outcomes:
        if o.call is not None:
            tally.calls += 1
            tally.turns += o.call["n_turns"]
        elif o.resumed:
            tally.calls_resumed += 1
        elif o.error is not None and o.error.get("skipped"):
            tally.calls_skipped += 1
        elif not file_failed:
            tally.calls_failed += 1
        tally.warnings += len(o.warnings)
        tally.system_messages += o.system_messages
        yield o


def make_scorer(options: BatchOptions) -> Any:
    from toneprobe.pipeline import Scorer

    return Scorer(model=options.model, rules_dirs=tuple(options.rules_dirs))


def warm_up(scorer: Any) -> None:
    """Load every model and rule of ``scorer`` now (not on the first call)."""
    from toneprobe.model import Transcript, Turn

    probe = Transcript(
        "warm-up",
        (
            Turn(0, "agent", "Guten Tag, was kann ich für Sie tun?"),
            Turn(1, "customer", "Meine Rechnung ist falsch."),
        ),
    )
    scorer.score(probe)


# --------------------------------------------------------------------------------------------
# work units shared by the pool and Dask engines


@dataclass
class _Fatal:
    """A ToneprobeError in a worker (bad model, bad rules): the parent re-raises it."""

    message: str
    exit_code: int


class WorkerError(ToneprobeError):
    """A fatal error that happened inside a worker process (model or rules)."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


_WORKER: dict[str, Any] = {}


def _limit_threads(options: BatchOptions) -> None:
    from toneprobe.threads import limit_threads, resolve_threads

    limit_threads(resolve_threads(options.threads))


def _init_worker(options: BatchOptions) -> None:
    """Pool initializer: ignore Ctrl-C (the parent stops us), limit the numeric libraries'
    threads, build and warm one Scorer."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _WORKER["options"] = options
    _limit_threads(options)
    prebuilt = _WORKER.pop("prebuilt", None)  # built in the fork server (see preload_scorer)
    if prebuilt is not None and prebuilt[0] == scorer_key(options):
        _WORKER["scorer"] = prebuilt[1]
        return
    try:
        scorer = make_scorer(options)
        warm_up(scorer)
        _WORKER["scorer"] = scorer
    except ToneprobeError as err:
        _WORKER["fatal"] = _Fatal(str(err), err.exit_code)


#: The fork server builds a Scorer for these options (JSON) before it forks any worker.
PRELOAD_ENV = "TONEPROBE_PRELOAD_SCORER"
_FORK_SAFE_MODELS = (None, "default", "embedded", "fake")


def scorer_key(options: BatchOptions) -> tuple[Any, ...]:
    return (options.model, tuple(str(d) for d in options.rules_dirs))


def preload_scorer() -> None:
    """Called in the fork server: build and warm the Scorer named in ``$TONEPROBE_PRELOAD_SCORER``
    so that every worker forks with rules and models already loaded (and shared copy-on-write).

    Only for numpy models: a torch model is never loaded before a fork (its thread pools do not
    survive one); workers then load it themselves. Any failure here is left to the workers to
    report.
    """
    import json

    spec = os.environ.get(PRELOAD_ENV)
    if not spec:
        return
    try:
        raw = json.loads(spec)
        options = BatchOptions(model=raw["model"], rules_dirs=tuple(raw["rules_dirs"]))
        if options.model not in _FORK_SAFE_MODELS:
            return
        scorer = make_scorer(options)
        warm_up(scorer)
        _WORKER["prebuilt"] = (scorer_key(options), scorer)
    except Exception:  # noqa: BLE001 - the workers load (and report) it themselves
        log.debug("preloading the scorer failed", exc_info=True)
    settle_for_fork()


def settle_for_fork() -> None:
    """Before the fork server forks workers: give the heap that loading freed back to the
    system (glibc ``malloc_trim``; loading parses JSON vocabularies and widens arrays, and
    leaves freed holes that every worker would otherwise inherit), and move every object
    made so far out of the garbage collector's reach (``gc.freeze``), so a collection in a
    worker does not write to, and so copy, the pages it shares with the fork server. The
    weight pages that warming up read are unmapped here (they stay in the page cache): the
    fork server scores no call, and its workers map what they read."""
    import gc

    gc.collect()
    gc.freeze()
    if "toneprobe.sentiment.weights" in sys.modules:
        from toneprobe.sentiment.weights import release_mapped_pages

        release_mapped_pages()
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)


def _score_chunk_with(
    chunk: Sequence[Source], scorer: Any, options: BatchOptions
) -> list[list[Outcome]] | _Fatal:
    scorer = with_run_settings(scorer, options)
    out: list[list[Outcome]] = []
    for src in chunk:
        try:
            out.append(score_file(src, scorer, options))
        except ToneprobeError as err:
            return _Fatal(str(err), err.exit_code)
    return out


def with_run_settings(scorer: Any, options: BatchOptions) -> Any:
    """The scorer with this run's weights and address style.

    A worker's scorer is shared (preloaded, cached per model); weights and the address style
    only change how findings are kept and summed up, so a shallow copy is enough."""
    changes = {}
    if options.weights is not None and scorer.weights != options.weights:
        changes["weights"] = options.weights
    if options.address is not None and scorer.address != options.address:
        changes["address"] = options.address
    if not changes:
        return scorer
    scorer = copy.copy(scorer)
    for name, value in changes.items():
        setattr(scorer, name, value)
    return scorer


def _pool_task(chunk: Sequence[Source]) -> list[list[Outcome]] | _Fatal:
    if "fatal" in _WORKER:
        return _WORKER["fatal"]  # type: ignore[no-any-return]
    return _score_chunk_with(chunk, _WORKER["scorer"], _WORKER["options"])


_DASK_LOCAL = threading.local()


def dask_task(chunk: Sequence[Source], options: BatchOptions) -> list[list[Outcome]] | _Fatal:
    """A Dask task: score files with a Scorer cached per worker process and thread."""
    _limit_threads(options)  # once per process; a no-op afterwards
    cache: dict[tuple[Any, ...], Any] = getattr(_DASK_LOCAL, "scorers", None) or {}
    _DASK_LOCAL.scorers = cache
    key = (options.model, tuple(str(d) for d in options.rules_dirs))
    try:
        if key not in cache:
            scorer = make_scorer(options)
            warm_up(scorer)
            cache[key] = scorer
    except ToneprobeError as err:
        return _Fatal(str(err), err.exit_code)
    return _score_chunk_with(chunk, cache[key], options)


# --------------------------------------------------------------------------------------------
# engines


def plan_chunks(n: int, workers: int, max_chunk: int = 8) -> list[range]:
    """Split ``n`` files into chunks: the first ones single files (the first call comes back
    fast), then up to ``max_chunk`` files per chunk (fewer for small batches)."""
    size = max(1, min(max_chunk, n // max(1, workers * 8)))
    chunks: list[range] = []
    i = 0
    while i < n:
        step = 1 if len(chunks) < workers else size
        chunks.append(range(i, min(n, i + step)))
        i += step
    return chunks


def iter_serial(
    sources: Sequence[Source], scorer: Any, options: BatchOptions, stop: Callable[[], bool]
) -> Iterator[tuple[int, list[Outcome]]]:
    for i, src in enumerate(sources):
        if stop():
            return
        yield i, score_file(src, scorer, options)


class _PoolBackend:
    """A ProcessPoolExecutor that can be replaced when a worker dies."""

    crash_types: tuple[type[BaseException], ...]

    def __init__(self, options: BatchOptions, workers: int):
        from concurrent.futures.process import BrokenProcessPool

        self.options = options
        self.workers = workers
        self.crash_types = (BrokenProcessPool,)
        self.executor: Any = None
        self._start()

    def _start(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if sys.platform.startswith("linux"):
            import json

            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["toneprobe._preload"])
            # read by the fork server when it starts (the first time a pool starts)
            os.environ[PRELOAD_ENV] = json.dumps(
                {
                    "model": self.options.model,
                    "rules_dirs": [str(d) for d in self.options.rules_dirs],
                }
            )
        else:
            ctx = multiprocessing.get_context("spawn")
        self.executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(self.options,),
        )

    def submit(self, chunk: list[Source]) -> Any:
        # workers start inside submit; they inherit a blocked SIGINT until their initializer
        # ignores it, so Ctrl-C never prints a traceback from a half-started worker
        with _sigint_blocked():
            try:
                return self.executor.submit(_pool_task, chunk)
            except self.crash_types as err:
                # the pool broke after the last wait (a worker died in between): hand back
                # a failed future so the chunk goes the same crash-and-retry way as the rest
                from concurrent.futures import Future

                failed: Future[Any] = Future()
                failed.set_exception(err)
                return failed

    def wait(self, futures: set[Any], timeout: float) -> set[Any]:
        from concurrent.futures import FIRST_COMPLETED, wait

        done, _ = wait(futures, timeout=timeout, return_when=FIRST_COMPLETED)
        return set(done)

    def result(self, fut: Any) -> Any:
        return fut.result()

    def restart(self) -> None:
        self.close(cancel=True)
        self._start()

    def close(self, cancel: bool) -> None:
        ex, self.executor = self.executor, None
        if ex is None:
            return
        if not cancel:
            ex.shutdown(wait=True)
            return
        # shutdown() drops the executor's references to its workers and manager thread, so
        # take them first
        procs = list((getattr(ex, "_processes", None) or {}).values())
        manager = getattr(ex, "_executor_manager_thread", None)
        ex.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)
        # Let the executor's manager thread see the dead workers and close its wake-up pipe
        # before the interpreter exits: concurrent.futures' exit hook writes to that pipe and
        # races the thread closing it (a traceback "Bad file descriptor" after Ctrl-C).
        if manager is not None:
            manager.join(timeout=30)


class _DaskBackend:
    """Chunks as tasks on a Dask cluster: ``scheduler`` address, or a local cluster."""

    def __init__(self, options: BatchOptions, workers: int, scheduler: str | None):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ConfigError("--engine dask needs Dask: pip install 'toneprobe[dask]'") from None
        self.crash_types: tuple[type[BaseException], ...] = ()
        try:
            from distributed.scheduler import KilledWorker

            self.crash_types = (KilledWorker,)
        except ImportError:  # pragma: no cover - older distributed
            pass
        self.cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler)  # timeout: distributed.comm.timeouts.connect
            else:
                self.cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
                self.client = Client(self.cluster)
        except OSError as err:
            raise ConfigError(f"cannot reach the Dask scheduler {scheduler}: {err}") from None
        self.options = self.client.scatter(options, broadcast=True, hash=False)

    def submit(self, chunk: list[Source]) -> Any:
        return self.client.submit(dask_task, chunk, self.options, pure=False)

    def wait(self, futures: set[Any], timeout: float) -> set[Any]:
        from distributed import wait

        try:
            done, _ = wait(list(futures), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            return set()
        return set(done)

    def result(self, fut: Any) -> Any:
        return fut.result()

    def restart(self) -> None:
        """Dask replaces dead workers itself."""

    def close(self, cancel: bool) -> None:
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


def iter_distributed(
    sources: Sequence[Source],
    backend: Any,
    workers: int,
    stop: Callable[[], bool],
    max_chunk: int = 8,
) -> Iterator[tuple[int, list[Outcome]]]:
    """Run chunks on ``backend`` and yield each file's outcomes in input order.

    At most ``window`` files are submitted ahead of the next one to yield, so memory stays
    bounded however many files there are. When a task dies with its worker, its files are
    retried one at a time; a file that kills a worker on its own gets an error record.
    """
    n = len(sources)
    chunks = plan_chunks(n, workers, max_chunk)
    window = max(4 * workers * max(len(c) for c in chunks), 1) if chunks else 1
    results: dict[int, list[Outcome]] = {}
    inflight: dict[Any, list[int]] = {}
    suspects: deque[int] = deque()
    isolated: set[int] = set()  # files that were run alone after a crash
    next_chunk = next_out = 0
    crashes_in_a_row = 0

    def crash_record(i: int, err: BaseException) -> list[Outcome]:
        src = _name(sources[i])
        msg = f"worker process died while scoring this file ({type(err).__name__})"
        return [Outcome(error={"source": src, "line": None, "message": msg})]

    while next_out < n:
        if stop():
            return
        # submit: retries one at a time on their own, else new chunks within the window
        if suspects:
            if not inflight:
                i = suspects.popleft()
                isolated.add(i)
                inflight[backend.submit([sources[i]])] = [i]
        else:
            while (
                next_chunk < len(chunks)
                and chunks[next_chunk].stop - next_out <= window
                and len(inflight) < 2 * workers + 2
            ):
                idx = list(chunks[next_chunk])
                inflight[backend.submit([sources[i] for i in idx])] = idx
                next_chunk += 1
        if inflight:
            for fut in backend.wait(set(inflight), 0.2):
                idx = inflight.pop(fut)
                try:
                    res = backend.result(fut)
                except backend.crash_types as err:
                    crashes_in_a_row += 1
                    log.warning("a worker died (%s); restarting", type(err).__name__)
                    for i in idx:
                        if i in isolated:
                            results[i] = crash_record(i, err)
                        else:
                            suspects.append(i)
                    # every other task of a broken pool fails too: retry those files alone
                    if isinstance(backend, _PoolBackend):
                        for other in list(inflight):
                            suspects.extend(i for i in inflight.pop(other) if i not in results)
                        backend.restart()
                    if crashes_in_a_row > 5:
                        raise WorkerError(
                            f"worker processes keep dying ({type(err).__name__}); giving up"
                        ) from None
                    break
                if isinstance(res, _Fatal):
                    raise WorkerError(res.message, res.exit_code)
                crashes_in_a_row = 0
                for i, outs in zip(idx, res, strict=True):
                    results[i] = outs
        while next_out in results:
            yield next_out, results.pop(next_out)
            next_out += 1


def _name(source: Source) -> str:
    return source[0] if isinstance(source, tuple | list) else source


def plan_sources(files: Sequence[Path | str]) -> list[Source]:
    """The work units for ``files``, in input order: one per file, the files of one contact
    (:func:`~toneprobe.readers.group_related_files`) as one unit, ``-`` as the bytes of stdin."""
    from toneprobe.readers import group_related_files

    sources: list[Source] = []
    for group in group_related_files(files):
        if str(group[0]) == "-":
            sources.append(("-", sys.stdin.buffer.read()))
        elif len(group) > 1:
            sources.append([str(g) for g in group])  # scored as one call, counted as one file
        else:
            sources.append(str(group[0]))
    return sources


def iter_outcomes(
    sources: Sequence[Source],
    scorer: Any,
    options: BatchOptions,
    tally: Tally,
    *,
    engine: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> Iterator[tuple[str, list[Outcome]]]:
    """Score ``sources`` (from :func:`plan_sources`) and yield ``(source, outcomes)`` per
    source in input order.

    ``engine="local"`` with ``workers == 1`` scores in this process with ``scorer``; more
    workers use a process pool; ``engine="dask"`` uses a Dask cluster (``scheduler`` address,
    or a local cluster with ``workers`` processes). ``stop()`` is polled to end early.
    """
    from toneprobe.threads import limit_threads, resolve_threads

    # before any worker starts: the limit also goes to them through the environment
    options = dataclasses.replace(options, threads=resolve_threads(options.threads))
    assert options.threads is not None
    limit_threads(options.threads)
    names = [_name(s) for s in sources]
    backend: Any = None
    if engine == "dask":
        backend = _DaskBackend(options, workers, scheduler)
        it = iter_distributed(sources, backend, workers, stop)
    elif workers <= 1 or len(sources) <= 1:
        it = iter_serial(sources, scorer, options, stop)
    else:
        backend = _PoolBackend(options, min(workers, len(sources)))
        it = iter_distributed(sources, backend, workers, stop)
    finished = False
    try:
        for i, outs in it:
            yield names[i], list(account(outs, tally))
        finished = not stop()
    finally:
        if backend is not None:
            backend.close(cancel=not finished)


# --------------------------------------------------------------------------------------------
# signals and --resume


class _SigintBlocked:
    def __enter__(self) -> None:
        self.active = hasattr(signal, "pthread_sigmask")
        if self.active:
            self.old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})

    def __exit__(self, *exc: object) -> None:
        if self.active:
            signal.pthread_sigmask(signal.SIG_SETMASK, self.old)


def _sigint_blocked() -> _SigintBlocked:
    return _SigintBlocked()


class StopOnSignal:
    """While active, SIGINT and SIGTERM only set ``signum``; the batch loop polls it and stops
    between files, so output files only ever hold whole lines."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._old: dict[int, Any] = {}

    def __call__(self) -> bool:
        return self.signum is not None

    def _handle(self, signum: int, frame: Any) -> None:
        if self.signum is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: stop at once
        self.signum = signum

    def __enter__(self) -> StopOnSignal:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)

    @property
    def exit_code(self) -> int:
        return 128 + (self.signum or 0)


def load_done(path: Path) -> frozenset[tuple[str, str]]:
    """Calls already in a JSONL output file, for ``--resume``.

    A half-written last line (the run was killed mid-write) is cut off, so appending goes on
    from the last whole record.
    """
    import json

    if not path.exists():
        return frozenset()
    done: set[tuple[str, str]] = set()
    good_end = 0
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                rec = json.loads(raw) if raw.endswith(b"\n") else None
            except ValueError:
                rec = None
            if rec is None:
                if fh.read().strip():  # a bad line in the middle: not ours to cut
                    raise InputError("not a JSONL file of call records", str(path), lineno)
                break
            if not isinstance(rec, dict) or "call_id" not in rec:
                raise InputError("not a JSONL file of call records", str(path), lineno)
            done.add(done_key(rec.get("source"), rec["call_id"]))
            good_end += len(raw)
    if good_end < path.stat().st_size:
        log.warning("%s: cut off a half-written last line", path)
        with open(path, "r+b") as fh:
            fh.truncate(good_end)
    return frozenset(done)

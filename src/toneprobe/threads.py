"""How many threads each scoring process gives the numeric libraries (issue 15).

Scoring is parallel across processes (``--workers``), one call after the other inside each.
Left alone, numpy's OpenBLAS (or MKL), OpenMP and torch each start one thread per core in
*every* process, so two workers on two cores run four or more busy threads that fight over
the cores, and even ``--workers 1`` burns about twice the CPU time it needs. So every
scoring process (the calling process with ``--workers 1``, each pool worker, each Dask
worker) limits them to ``threads`` each, 1 unless the user asks for more with ``--threads N``
or ``$TONEPROBE_THREADS``.

:func:`limit_threads` sets the usual environment variables (read by the libraries when they
start their pools, so also by processes started afterwards: the fork server, Dask workers),
resizes pools that already run with threadpoolctl, and sets torch's intra-op threads when
torch is loaded. A Hugging Face model loaded later asks :func:`current_limit`.
"""

from __future__ import annotations

import logging
import os
import sys

from toneprobe.errors import ConfigError

log = logging.getLogger(__name__)

#: the environment variable that sets the default (``--threads`` overrides it)
THREADS_ENV = "TONEPROBE_THREADS"
DEFAULT_THREADS = 1

#: read by OpenMP, OpenBLAS, MKL, BLIS, Accelerate, numexpr (and torch) when their pools start
ENV_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)

_limit: int | None = None


def resolve_threads(threads: int | None) -> int:
    """The thread count to use: ``threads`` if given, else ``$TONEPROBE_THREADS``, else 1."""
    if threads is not None:
        if threads < 1:
            raise ConfigError(f"--threads must be at least 1 (got {threads})")
        return threads
    raw = os.environ.get(THREADS_ENV, "").strip()
    if not raw:
        return DEFAULT_THREADS
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"${THREADS_ENV} must be a whole number of at least 1 (got {raw!r})")
    return value


def limit_threads(threads: int) -> None:
    """Give every numeric library in this process (and in processes it starts later)
    ``threads`` threads. Cheap when the limit is already in place."""
    global _limit
    for var in ENV_VARS:
        os.environ[var] = str(threads)
    if _limit == threads:
        return
    if "numpy" in sys.modules or "scipy" in sys.modules:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=threads)  # stays in force (not used as a context manager)
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "set_num_threads"):
        torch.set_num_threads(threads)
    _limit = threads
    log.debug("numeric libraries limited to %d thread(s) in process %d", threads, os.getpid())


def current_limit() -> int | None:
    """The limit set in this process by :func:`limit_threads`, or None (not a scoring process)."""
    return _limit


def thread_report() -> dict[str, object]:
    """What this process's numeric libraries use now: threadpoolctl's pools and torch's
    intra-op threads (None when torch is not loaded). For diagnostics and tests."""
    from threadpoolctl import threadpool_info

    torch = sys.modules.get("torch")
    return {
        "pid": os.getpid(),
        "pools": [
            {
                "user_api": p.get("user_api"),
                "internal_api": p.get("internal_api"),
                "num_threads": p.get("num_threads"),
            }
            for p in threadpool_info()
        ],  # fmt: skip
        "torch": torch.get_num_threads() if torch is not None else None,
        "limit": _limit,
    }

"""Where a call's time and a process's memory go in ``toneprobe score`` (issues 12/13).

    python benchmarks/profile_score.py PATH [PATH ...] [--repeat 1] [--json out.json]

Scores every call under PATH in this process (one thread, as ``score`` runs) with the default
models and reports:

* CPU milliseconds per call by section, measured by wrapping the sections (cheaper and less
  distorting than cProfile, which triples the time of the many small Python calls): the spaCy
  pipe, each model (sentiment on every turn, offense on agent turns, customer states on
  customer sentences, agent moves on agent sentences), each detector (``detect`` and
  ``finalize``), building the record and writing it as JSON; and, across the models, the
  featurizer's ``transform``, tokenising, pooling word vectors (``embed_tokens``) and the
  sentiment head. Indented rows are parts of the rows above them.
* how many texts the models read per call, and how many of them were distinct;
* memory: RSS before and after loading the models, what tracemalloc sees allocated by
  loading them (top source lines), and the word-vector tables held.

Run it with ``PYTHONPATH=<other checkout>/src`` to profile other code the same way.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

Timer = collections.Counter[str]


def wrap(obj: Any, name: str, key: str, timer: Timer, consume: bool = False) -> None:
    """Replace ``obj.name`` by a version that adds its CPU time to ``timer[key]``."""
    fn: Callable[..., Any] = getattr(obj, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.process_time()
        try:
            out = fn(*args, **kwargs)
            return iter(list(out)) if consume else out  # a generator's work happens here
        finally:
            timer[key] += time.process_time() - t

    setattr(obj, name, timed)


def read_calls(paths: list[str]) -> list[Any]:
    from toneprobe.errors import ToneprobeError
    from toneprobe.readers import read_path

    files = sorted(
        f for p in paths for f in ([Path(p)] if Path(p).is_file() else Path(p).rglob("*"))
    )
    calls = []
    for f in files:
        if f.is_file() and f.suffix in (".json", ".txt", ".vtt", ".srt", ".csv", ".jsonl", ".tsv"):
            with contextlib.suppress(ToneprobeError):  # README.md, labels.csv and the like
                calls.extend(read_path(f).transcripts)
    return calls


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--repeat", type=int, default=1, help="score the calls this many times")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)

    from toneprobe.threads import limit_threads

    limit_threads(1)
    import toneprobe.pipeline as pipeline
    from toneprobe.batch import warm_up
    from toneprobe.nlp import get_nlp
    from toneprobe.sentiment import embedded, features, head

    calls = read_calls(args.paths)
    if not calls:
        raise SystemExit("no calls found")
    get_nlp()
    proc = psutil.Process()
    rss_before = proc.memory_info().rss
    tracemalloc.start()
    scorer = pipeline.Scorer()
    warm_up(scorer)
    snap = tracemalloc.take_snapshot()
    tracemalloc.stop()
    rss_after = proc.memory_info().rss  # (tracemalloc's own bookkeeping included)
    tables = {
        id(m.embedding): m.embedding
        for m in (
            scorer.backend._model,
            scorer.offense._model,
            scorer.state_model._model,
            scorer.moves.model,
        )
        if m is not None and m.embedding is not None
    }

    timer: Timer = collections.Counter()
    wrap(get_nlp(), "pipe", "spaCy pipe", timer, consume=True)
    wrap(scorer.backend, "predict", "sentiment model (turns)", timer)
    wrap(scorer.offense, "predict_proba", "offense model (agent turns)", timer)
    wrap(scorer.state_model, "turn_states", "state model (customer sentences)", timer)
    wrap(pipeline, "read_moves", "move model (agent sentences)", timer)
    wrap(pipeline, "build_record", "build the record", timer)
    for det in scorer.detectors:
        wrap(det, "detect", f"detector {det.name}", timer)
        wrap(det, "finalize", f"detector {det.name}", timer)
    wrap(features.Featurizer, "transform", "  models: featurizer transform", timer)
    wrap(features, "tokenize", "    tokenize", timer)
    wrap(features.EmbeddingTable, "embed_tokens", "  models: pool word vectors", timer)
    wrap(head.Head, "apply", "  models: sentiment head", timer)
    texts: list[int] = []
    distinct: list[int] = []
    parts = embedded.linear_parts

    def counting_parts(feat: Any, coef: Any, icpt: Any, emb: Any, w: float, batch: Any) -> Any:
        seen.extend(batch)
        return parts(feat, coef, icpt, emb, w, batch)

    embedded.linear_parts = counting_parts  # type: ignore[assignment]
    for _ in range(args.repeat):
        for call in calls:
            seen: list[str] = []
            t = time.process_time()
            record = scorer.score(call)
            t2 = time.process_time()
            json.dumps(record, ensure_ascii=False)
            timer["write JSON"] += time.process_time() - t2
            timer["total"] += time.process_time() - t
            texts.append(len(seen))
            distinct.append(len(set(seen)))
    n = len(calls) * args.repeat
    turns = sum(len(c.turns) for c in calls) / len(calls)
    figures: dict[str, Any] = {
        "calls": len(calls),
        "turns_per_call": turns,
        "ms_per_call": {k: 1000 * v / n for k, v in timer.items()},
        "model_texts_per_call": sum(texts) / n,
        "distinct_model_texts_per_call": sum(distinct) / n,
        "rss_mb_before_models": rss_before / 2**20,
        "rss_mb_after_models": rss_after / 2**20,
        "traced_mb_loading": sum(s.size for s in snap.statistics("filename")) / 2**20,
        "word_vector_tables": len(tables),
        "word_vector_table_mb": sum(t.vectors.nbytes for t in tables.values()) / 2**20,
    }
    total = timer["total"]
    print(f"{len(calls)} calls, {turns:.1f} turns per call, scored {args.repeat}x")
    print(f"{'section':42s} {'CPU ms/call':>11s} {'share':>7s}")
    for key, v in sorted(timer.items(), key=lambda kv: -kv[1]):
        print(f"{key:42s} {1000 * v / n:11.2f} {100 * v / total:6.1f} %")
    print(
        f"texts read by the models per call: {figures['model_texts_per_call']:.1f}, "
        f"distinct {figures['distinct_model_texts_per_call']:.1f}"
    )
    print(
        f"RSS before / after loading the models: {figures['rss_mb_before_models']:.0f} / "
        f"{figures['rss_mb_after_models']:.0f} MB; tracemalloc while loading: "
        f"{figures['traced_mb_loading']:.1f} MB; {len(tables)} word-vector tables, "
        f"{figures['word_vector_table_mb']:.1f} MB"
    )
    for stat in snap.statistics("lineno")[:8]:
        frame = stat.traceback[0]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        print(f"  {stat.size / 2**20:6.1f} MB in {stat.count:7d} blocks  {where}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

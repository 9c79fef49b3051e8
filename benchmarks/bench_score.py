"""End-to-end benchmark of ``toneprobe score`` (issues 7 and 15): speed, scaling, memory.

    python benchmarks/bench_score.py [--runs 3] [--sizes 500,3000] [--workers 2] [--json out.json]

Each measurement runs the real command as a subprocess on a synthetic German corpus
(``benchmarks/corpus.py``: 20-29 turns per call, long customer turns; written to a temporary
directory) with the default (embedded) sentiment model and JSON lines written to a file.
``--workers 1`` and ``--workers 2`` run in the same benchmark, alternately, so that other load
on the machine hits both alike:

* calls/s and wall time per size and worker count (median over ``--runs``), and the speed-up
  of ``--workers 2`` over ``--workers 1``;
* CPU seconds per wall second of ``--workers 1`` (one process: about 1.0 when it computes on
  one thread; more when the numeric libraries run thread pools of their own);
* peak RSS of the whole process tree (parent, fork server, workers), sampled with psutil, and
  the tree's CPU seconds per call (a figure that other load on the machine barely changes:
  ``cores * 1000 / cpu_ms`` is the ceiling in calls/s on otherwise idle cores);
* peak PSS and USS of the same tree where the platform gives them (Linux:
  ``/proc/PID/smaps_rollup`` through psutil's ``memory_full_info``). The RSS sum counts every
  page that the workers share copy-on-write with the fork server once per process, so it
  overstates what the tree uses; PSS gives each process its share of a shared page (the sum is
  the memory the tree really holds), USS only the pages no other process maps;
* ``toneprobe --help`` wall time (median of 7);
* time from start to the first scored call on stdout (median over ``--runs``);
* the same pipeline with a BERT-base-shaped sentiment model (``BertConfig()`` defaults,
  random weights, a small WordPiece vocabulary written here; nothing downloaded) on a small
  subset: steady-state calls/s from the arrival times of the output lines, extrapolated to
  10,000 calls, and the ratio to the default model measured the same way.

With ``--baseline SRC`` (the ``src`` directory of another checkout, e.g. ``git archive main |
tar -x -C /tmp/base``, then ``--baseline /tmp/base/src``) every run of the size loop is repeated
with that code (``PYTHONPATH=SRC``; its ``models/`` are the ones beside it), right after the run
of this code, and the table adds the ratios this / baseline of calls/s, CPU per call and peak
PSS: on a shared machine the ratios hold where the absolute figures do not.

Bars (issues 7 and 15): ``--workers 2`` >= 1.8x ``--workers 1`` and >= 90 calls/s;
``--workers 1`` <= 1.1 CPU-s per wall-s; peak RSS at 3,000 calls <= 1.5x at 500; --help <= 0.3 s;
first call <= 2 s. The load average before and after is printed with the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
from corpus import corpus_stats, write_corpus  # noqa: E402

BIN = Path(sys.executable).with_name("toneprobe")
CMD = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "toneprobe"]


def tree_sample(proc: psutil.Process, cpu: dict[int, float]) -> tuple[int, int, int]:
    """RSS, PSS and USS of the process tree now (PSS and USS 0 where the platform has none);
    records each process's CPU seconds in ``cpu``."""
    rss = pss = uss = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0, 0, 0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            try:
                mem = p.memory_full_info()
            except (psutil.AccessDenied, NotImplementedError):
                mem = p.memory_info()
            rss += mem.rss
            pss += getattr(mem, "pss", 0)
            uss += getattr(mem, "uss", 0)
            t = p.cpu_times()
            cpu[p.pid] = max(cpu.get(p.pid, 0.0), t.user + t.system)
    return rss, pss, uss


def run_score(args: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Run ``toneprobe score ...``; wall time, peak tree RSS, stdout line arrival times."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    p = subprocess.Popen(
        [*CMD, "score", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    ps = psutil.Process(p.pid)
    peak = 0
    stamps: list[float] = []
    err_chunks: list[str] = []

    def read_out() -> None:
        assert p.stdout is not None
        for _line in p.stdout:
            stamps.append(time.perf_counter() - start)

    def read_err() -> None:
        assert p.stderr is not None
        err_chunks.append(p.stderr.read())

    threads = [threading.Thread(target=read_out), threading.Thread(target=read_err)]
    for t in threads:
        t.start()
    cpu: dict[int, float] = {}
    peak_pss = peak_uss = 0
    while p.poll() is None:
        rss, pss, uss = tree_sample(ps, cpu)
        peak, peak_pss, peak_uss = max(peak, rss), max(peak_pss, pss), max(peak_uss, uss)
        time.sleep(0.05)
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(f"toneprobe score failed ({p.returncode}): {''.join(err_chunks)[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # exact for the command's own process (and whatever it waited for); the sampled tree sum
    # also covers the fork server and workers, but misses the last 50 ms of each process
    waited = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    steady = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 2 else float("nan")
    return {
        "wall_s": wall,
        "peak_rss_mb": peak / 2**20,
        "peak_pss_mb": peak_pss / 2**20,
        "peak_uss_mb": peak_uss / 2**20,
        "first_s": stamps[0] if stamps else float("nan"),
        "steady_calls_per_s": steady,
        "lines": float(len(stamps)),
        "cpu_s": max(sum(cpu.values()), waited),
    }


def help_seconds(runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([*CMD, "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def build_bert(out: Path, corpus: Path) -> Path:
    """A BERT-base-shaped sequence classifier (random weights) with a small WordPiece vocab."""
    import re

    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    words: dict[str, int] = {}
    for path in sorted(corpus.rglob("*.json"))[:300]:
        for w in re.findall(r"\w+", path.read_text(encoding="utf-8").lower()):
            words[w] = words.get(w, 0) + 1
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab += sorted(words, key=lambda w: -words[w])[:4000]
    vocab += sorted({f"##{c}" for w in words for c in w} | {c for w in words for c in w})
    out.mkdir(parents=True, exist_ok=True)
    vocab_file = out / "vocab.txt"
    vocab_file.write_text("\n".join(dict.fromkeys(vocab)) + "\n", encoding="utf-8")
    labels = {0: "negative", 1: "neutral", 2: "positive"}
    config = BertConfig(num_labels=3, id2label=labels, label2id={v: k for k, v in labels.items()})
    BertForSequenceClassification(config).save_pretrained(out)
    BertTokenizerFast(vocab_file=str(vocab_file), do_lower_case=True).save_pretrained(out)
    return out


def median_of(rows: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def link_subset(files: list[Path], corpus: Path, target: Path) -> Path:
    for f in files:
        dest = target / f.relative_to(corpus)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.link(f, dest)
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="toneprobe score end-to-end benchmark")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="500,3000")
    ap.add_argument("--workers", type=int, default=2, help="the parallel run (vs --workers 1)")
    ap.add_argument("--bert-calls", type=int, default=24, help="0: skip the BERT-base run")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument(
        "--baseline", type=Path, help="src directory of other code to run alternately (ratios)"
    )
    args = ap.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    counts = sorted({1, args.workers})
    figures: dict[str, float] = {"load_before": os.getloadavg()[0], "cores": os.cpu_count() or 1}
    env = {**os.environ}
    for var in ("TONEPROBE_TEST_FAULT", "TONEPROBE_THREADS", "OMP_NUM_THREADS",
                "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # fmt: skip
        env.pop(var, None)  # measure what a user gets by default
    with tempfile.TemporaryDirectory(prefix="toneprobe-bench-") as tmp:
        tmpdir = Path(tmp)
        corpus = tmpdir / "corpus"
        write_corpus(corpus, max(sizes), seed=7)
        files = sorted(corpus.rglob("*.*"))
        figures.update(corpus_stats(files))
        for n in sizes:
            target = corpus if n == max(sizes) else link_subset(files[:n], corpus, tmpdir / f"s{n}")
            out = tmpdir / f"out_{n}.jsonl"
            rows: dict[int, list[dict[str, float]]] = {w: [] for w in counts}
            base_rows: dict[int, list[dict[str, float]]] = {w: [] for w in counts}
            for r in range(args.runs):
                for w in counts:  # alternately, so that other load hits both alike
                    cmd = [str(target), "-j", str(w), "--format", "jsonl", "-o", str(out), "-q"]
                    runs = [(rows, env, "")]
                    if args.baseline:
                        base_env = {**env, "PYTHONPATH": str(args.baseline.resolve())}
                        runs.append((base_rows, base_env, " (baseline)"))
                    for table, run_env, label in runs:
                        table[w].append(run_score(cmd, run_env))
                        lines = out.read_text(encoding="utf-8").count("\n")
                        if lines != n:
                            raise SystemExit(f"expected {n} calls in the output, got {lines}")
                        sys.stderr.write(
                            f"  {n} calls, -j {w}, run {r + 1}{label}: "
                            f"{table[w][-1]['wall_s']:.1f} s\n"
                        )
            if args.baseline:
                for w in counts:
                    key = f"{n}_j{w}"
                    for name, k in (("wall_s", "wall_s"), ("cpu_s", "cpu_s"),
                                    ("pss", "peak_pss_mb"), ("rss", "peak_rss_mb")):  # fmt: skip
                        figures[f"ratio_{name}_{key}"] = statistics.median(
                            a[k] / b[k] if b[k] else float("nan")
                            for a, b in zip(rows[w], base_rows[w], strict=True)
                        )
                    figures[f"base_peak_pss_mb_{key}"] = median_of(base_rows[w], "peak_pss_mb")
                    figures[f"base_peak_rss_mb_{key}"] = median_of(base_rows[w], "peak_rss_mb")
                    figures[f"base_cpu_ms_per_call_{key}"] = (
                        1000 * median_of(base_rows[w], "cpu_s") / n
                    )
            for w in counts:
                key = f"{n}_j{w}"
                figures[f"wall_s_{key}"] = median_of(rows[w], "wall_s")
                figures[f"calls_per_s_{key}"] = n / figures[f"wall_s_{key}"]
                figures[f"peak_rss_mb_{key}"] = median_of(rows[w], "peak_rss_mb")
                figures[f"peak_pss_mb_{key}"] = median_of(rows[w], "peak_pss_mb")
                figures[f"peak_uss_mb_{key}"] = median_of(rows[w], "peak_uss_mb")
                figures[f"cpu_ms_per_call_{key}"] = 1000 * median_of(rows[w], "cpu_s") / n
                figures[f"cpu_per_wall_{key}"] = statistics.median(
                    r["cpu_s"] / r["wall_s"] for r in rows[w]
                )
            if args.workers > 1:
                figures[f"speedup_{n}"] = (
                    figures[f"calls_per_s_{n}_j{args.workers}"] / figures[f"calls_per_s_{n}_j1"]
                )
            sys.stderr.write(f"  {n} calls: {json.dumps(figures)}\n")  # partial figures so far
        figures["help_s"] = help_seconds()
        small = tmpdir / f"s{min(sizes)}" if min(sizes) != max(sizes) else corpus
        first = [
            run_score([str(small), "--workers", str(args.workers), "--format", "jsonl", "-q"], env)
            for _ in range(args.runs)
        ]
        figures["first_call_s"] = median_of(first, "first_s")
        figures["steady_calls_per_s_default"] = median_of(first, "steady_calls_per_s")

        if args.bert_calls:  # a BERT-base-shaped sentiment model on a small subset, same way
            bert_dir = build_bert(tmpdir / "bert-base-random", corpus)
            subset = tmpdir / "bert_subset"
            subset.mkdir()
            for f in files[: args.bert_calls]:
                os.link(f, subset / f.name)
            bert = run_score(
                [str(subset), "--workers", str(args.workers), "--format", "jsonl", "-q",
                 "--model", str(bert_dir)],
                env,
            )  # fmt: skip
            figures["steady_calls_per_s_bert"] = bert["steady_calls_per_s"]
            figures["bert_ratio"] = (
                figures["steady_calls_per_s_default"] / figures["steady_calls_per_s_bert"]
            )
            figures["bert_10k_s_extrapolated"] = 10_000 / figures["steady_calls_per_s_bert"]
    figures["load_after"] = os.getloadavg()[0]

    print_table(figures, sizes, args.workers)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


def print_table(f: dict[str, float], sizes: list[int], workers: int) -> None:
    lo, hi = min(sizes), max(sizes)
    counts = sorted({1, workers})
    rows: list[tuple[str, str, str, str]] = [
        (
            "corpus: turns per call (min/mean/max)",
            f"{f['turns_min']:.0f} / {f['turns_mean']:.1f} / {f['turns_max']:.0f}",
            "", "",
        ),
        (
            "corpus: customer turn length, share > 200 chars",
            f"{f['customer_chars_mean']:.0f} chars, {100 * f['customer_long_share']:.0f} %",
            "", "",
        ),
    ]  # fmt: skip
    for n in sizes:
        for w in counts:
            key = f"{n}_j{w}"
            bar = w > 1 and n == hi
            rows.append(
                (
                    f"calls/s, {n:,} calls, --workers {w}",
                    f"{f[f'calls_per_s_{key}']:.1f} ({f[f'wall_s_{key}']:.1f} s)",
                    ">= 90" if bar else "",
                    ok(f[f"calls_per_s_{key}"] >= 90) if bar else "",
                )
            )
        if workers > 1:
            rows.append(
                (
                    f"speed-up --workers {workers} / --workers 1, {n:,} calls",
                    f"{f[f'speedup_{n}']:.2f}x",
                    ">= 1.8x" if n == hi else "",
                    ok(f[f"speedup_{n}"] >= 1.8) if n == hi else "",
                )
            )
        rows.append(
            (
                f"CPU-s per wall-s, --workers 1, {n:,} calls",
                f"{f[f'cpu_per_wall_{n}_j1']:.2f}",
                "<= 1.1",
                ok(f[f"cpu_per_wall_{n}_j1"] <= 1.1),
            )
        )
        for w in counts:
            key = f"{n}_j{w}"
            # what the CPU time per call allows on idle cores (a shared machine: compare)
            ceiling = min(w, f["cores"]) * 1000 / f[f"cpu_ms_per_call_{key}"]
            rows.append(
                (
                    f"calls/s on idle cores (from CPU per call), {n:,} calls, --workers {w}",
                    f"{ceiling:.1f}",
                    "",
                    "",
                )
            )
            rows.append(
                (
                    f"peak RSS / CPU per call (process tree), {n:,} calls, --workers {w}",
                    f"{f[f'peak_rss_mb_{key}']:.0f} MB / {f[f'cpu_ms_per_call_{key}']:.1f} ms",
                    "",
                    "",
                )
            )
            if f[f"peak_pss_mb_{key}"]:
                rows.append(
                    (
                        f"peak PSS / USS (process tree), {n:,} calls, --workers {w}",
                        f"{f[f'peak_pss_mb_{key}']:.0f} MB / {f[f'peak_uss_mb_{key}']:.0f} MB",
                        "",
                        "",
                    )
                )
    for n in sizes:
        for w in counts:
            key = f"{n}_j{w}"
            if f"ratio_wall_s_{key}" not in f:
                continue
            rows.append(
                (
                    f"this / baseline, {n:,} calls, --workers {w}: calls/s, CPU per call",
                    f"{1 / f[f'ratio_wall_s_{key}']:.2f}x, {f[f'ratio_cpu_s_{key}']:.2f}x",
                    "",
                    "",
                )
            )
            rows.append(
                (
                    f"this / baseline, {n:,} calls, --workers {w}: peak PSS, peak RSS",
                    f"{f[f'ratio_pss_{key}']:.2f}x, {f[f'ratio_rss_{key}']:.2f}x",
                    "",
                    "",
                )
            )
            rows.append(
                (
                    f"baseline, {n:,} calls, --workers {w}: peak PSS / RSS / CPU per call",
                    f"{f[f'base_peak_pss_mb_{key}']:.0f} MB / {f[f'base_peak_rss_mb_{key}']:.0f}"
                    f" MB / {f[f'base_cpu_ms_per_call_{key}']:.1f} ms",
                    "",
                    "",
                )
            )
    if lo != hi:
        for w in counts:
            ratio = f[f"peak_rss_mb_{hi}_j{w}"] / f[f"peak_rss_mb_{lo}_j{w}"]
            rows.append(
                (
                    f"peak RSS {hi:,} / {lo:,} calls, --workers {w}",
                    f"{ratio:.2f}x",
                    "<= 1.5x",
                    ok(ratio <= 1.5),
                )
            )
    rows.append(
        (
            "toneprobe --help (median of 7)",
            f"{f['help_s']:.2f} s",
            "<= 0.3 s",
            ok(f["help_s"] <= 0.3),
        )
    )
    rows.append(
        (
            "first scored call after start",
            f"{f['first_call_s']:.2f} s",
            "<= 2 s",
            ok(f["first_call_s"] <= 2),
        )
    )
    rows.append(("steady calls/s, default model", f"{f['steady_calls_per_s_default']:.1f}", "", ""))
    if "bert_ratio" in f:
        rows.append(
            (
                "steady calls/s, BERT-base-shaped model",
                f"{f['steady_calls_per_s_bert']:.2f}",
                "",
                "",
            )
        )
        rows.append(("speed-up over BERT-base pipeline", f"{f['bert_ratio']:.0f}x", "", ""))
        rows.append(
            (
                "10,000 calls with BERT-base (extrapolated)",
                f"{f['bert_10k_s_extrapolated'] / 60:.0f} min",
                "",
                "",
            )
        )
    rows.append(
        (
            f"load average (1 min) before / after, {f['cores']:.0f} cores",
            f"{f['load_before']:.2f} / {f['load_after']:.2f}",
            "",
            "",
        )
    )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    head = ("measure", "value", "bar", "ok")
    widths = [max(w, len(h)) for w, h in zip(widths, head, strict=True)]
    line = " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))
    print(line)
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))  # fmt: skip


def ok(flag: bool) -> str:
    return "yes" if flag else "NO"


if __name__ == "__main__":
    raise SystemExit(main())

"""End-to-end benchmark of ``toneprobe score`` (issue 7): speed, memory, start-up.

    python benchmarks/bench_score.py [--runs 3] [--sizes 1000,10000] [--workers 2] [--json out.json]

Each measurement runs the real command as a subprocess on a synthetic German corpus
(``benchmarks/corpus.py``, written to a temporary directory) with the default (embedded)
sentiment model, ``--workers 2`` and JSON lines written to a file:

* calls/s and wall time for 1,000 and 10,000 calls (median over ``--runs``);
* peak RSS of the whole process tree (parent, fork server, workers), sampled with psutil, and
  the tree's CPU seconds per call (a figure that other load on the machine barely changes:
  ``cores * 1000 / cpu_ms`` is the ceiling in calls/s on otherwise idle cores);
* ``toneprobe --help`` wall time (median of 7);
* time from start to the first scored call on stdout (median over ``--runs``);
* the same pipeline with a BERT-base-shaped sentiment model (``BertConfig()`` defaults,
  random weights, a small WordPiece vocabulary written here; nothing downloaded) on a small
  subset: steady-state calls/s from the arrival times of the output lines, extrapolated to
  10,000 calls, and the ratio to the default model measured the same way.

Bars (issue 7): >= 60 calls/s; 10,000 calls <= 240 s; peak RSS at 10,000 <= 1.5x at 1,000;
--help <= 0.3 s; first call <= 2 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
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
from corpus import write_corpus  # noqa: E402

BIN = Path(sys.executable).with_name("toneprobe")
CMD = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "toneprobe"]


def tree_sample(proc: psutil.Process, cpu: dict[int, float]) -> int:
    """RSS of the process tree now; records each process's CPU seconds in ``cpu``."""
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += p.memory_info().rss
            t = p.cpu_times()
            cpu[p.pid] = max(cpu.get(p.pid, 0.0), t.user + t.system)
    return total


def run_score(args: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Run ``toneprobe score ...``; wall time, peak tree RSS, stdout line arrival times."""
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
    while p.poll() is None:
        peak = max(peak, tree_sample(ps, cpu))
        time.sleep(0.05)
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(f"toneprobe score failed ({p.returncode}): {''.join(err_chunks)[-2000:]}")
    steady = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 2 else float("nan")
    return {
        "wall_s": wall,
        "peak_rss_mb": peak / 2**20,
        "first_s": stamps[0] if stamps else float("nan"),
        "steady_calls_per_s": steady,
        "lines": float(len(stamps)),
        "cpu_s": sum(cpu.values()),  # sampled every 50 ms: a slight undercount
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="toneprobe score end-to-end benchmark")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--bert-calls", type=int, default=24)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    figures: dict[str, float] = {}
    env = {**os.environ}
    env.pop("TONEPROBE_TEST_FAULT", None)
    with tempfile.TemporaryDirectory(prefix="toneprobe-bench-") as tmp:
        tmpdir = Path(tmp)
        corpus = tmpdir / "corpus"
        write_corpus(corpus, max(sizes), seed=7)
        files = sorted(corpus.rglob("*.*"))
        per_size: dict[int, list[dict[str, float]]] = {}
        for n in sizes:
            if n == max(sizes):
                target = corpus
            else:
                target = tmpdir / f"subset_{n}"
                for f in files[:n]:
                    dest = target / f.relative_to(corpus)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    os.link(f, dest)
            out = tmpdir / f"out_{n}.jsonl"
            rows = []
            for r in range(args.runs):
                rows.append(
                    run_score(
                        [
                            str(target),
                            "--workers",
                            str(args.workers),
                            "--format",
                            "jsonl",
                            "--output",
                            str(out),
                            "--quiet",
                        ],
                        env,
                    )  # fmt: skip
                )
                lines = out.read_text(encoding="utf-8").count("\n")
                if lines != n:
                    raise SystemExit(f"expected {n} calls in the output, got {lines}")
                sys.stderr.write(f"  {n} calls, run {r + 1}: {rows[-1]['wall_s']:.1f} s\n")
            per_size[n] = rows
            figures[f"wall_s_{n}"] = median_of(rows, "wall_s")
            figures[f"calls_per_s_{n}"] = n / figures[f"wall_s_{n}"]
            figures[f"peak_rss_mb_{n}"] = median_of(rows, "peak_rss_mb")
            figures[f"cpu_ms_per_call_{n}"] = 1000 * median_of(rows, "cpu_s") / n
            sys.stderr.write(f"  {n} calls: {json.dumps(figures)}\n")  # partial figures so far
        figures["help_s"] = help_seconds()
        small = tmpdir / f"subset_{min(sizes)}" if min(sizes) != max(sizes) else corpus
        first = [
            run_score([str(small), "--workers", str(args.workers), "--format", "jsonl", "-q"], env)
            for _ in range(args.runs)
        ]
        figures["first_call_s"] = median_of(first, "first_s")
        figures["steady_calls_per_s_default"] = median_of(first, "steady_calls_per_s")

        # BERT-base-shaped sentiment model on a small subset, measured the same way
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

    print_table(figures, sizes, args.workers)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


def print_table(f: dict[str, float], sizes: list[int], workers: int) -> None:
    lo, hi = min(sizes), max(sizes)
    rows: list[tuple[str, str, str, str]] = []
    for n in sizes:
        rows.append(
            (
                f"calls/s, {n:,} calls (--workers {workers})",
                f"{f[f'calls_per_s_{n}']:.1f}",
                ">= 60",
                ok(f[f"calls_per_s_{n}"] >= 60),
            )
        )
        rows.append(
            (
                f"wall time, {n:,} calls",
                f"{f[f'wall_s_{n}']:.1f} s",
                "<= 240 s" if n >= 10_000 else "",
                ok(f[f"wall_s_{n}"] <= 240) if n >= 10_000 else "",
            )
        )
        rows.append(
            (f"peak RSS (process tree), {n:,} calls", f"{f[f'peak_rss_mb_{n}']:.0f} MB", "", "")
        )
        rows.append(
            (
                f"CPU per call (process tree), {n:,} calls",
                f"{f[f'cpu_ms_per_call_{n}']:.1f} ms",
                "",
                "",
            )
        )
    if lo != hi:
        ratio = f[f"peak_rss_mb_{hi}"] / f[f"peak_rss_mb_{lo}"]
        rows.append((f"peak RSS {hi:,} / {lo:,}", f"{ratio:.2f}x", "<= 1.5x", ok(ratio <= 1.5)))
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
    rows.append(
        ("steady calls/s, BERT-base-shaped model", f"{f['steady_calls_per_s_bert']:.2f}", "", "")
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

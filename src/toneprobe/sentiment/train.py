"""Training of the embedded models (sentiment and offensive language): the orchestration.

Plain functions, silent (logging only), reproducible with a fixed seed. scikit-learn and scipy
are used at training time only (the ``train`` extra); the models they produce are plain numpy
arrays and JSON, read by ``embedded.py`` / ``offense.py`` without scikit-learn and without
pickle.

This module runs the steps (``train_sentiment``, ``train_offense``) and writes the model
(``save_model``, ``measure_model``). The parts live beside it, one concern each:

- ``train_data.py``: reading ``label<TAB>text`` TSV files, label names, ASR-form copies;
- ``metrics.py``: macro-F1 and its bootstrap interval;
- ``fitting.py``: the linear model, NB-LR mix, experts and gate, temperature, class offsets,
  folds, cross-validation and cross-fitting;
- ``head_fit.py``: fitting the correction head (``head.py``) on out-of-fold outputs;
- ``use_embedder.py``: the word-vector table distilled from Universal Sentence Encoder;
- ``card.py``: the model card generated from ``metrics.json``.

The names other code imported from here before the split are still importable from here.

A file given both as training and as dev data is *cross-fitted*: its dev figure comes from
out-of-fold predictions (k models, each trained without one fold of it), while the model
written to disk is trained on all of it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from toneprobe.sentiment.card import (
    CARD_TITLES,
    CITATIONS,
    DEV_BARS,
    _model_paragraph,
    _per_source_text,
    _pooling_text,
    _with_behavioural_tests,
    refresh_card,
    write_card,
)
from toneprobe.sentiment.embedded import LinearModel, head_inputs, softmax
from toneprobe.sentiment.fitting import (
    GATE_C,
    Hyper,
    _crossfit_probs,
    _fit_nblr,
    _folds,
    _mix_nblr,
    _sample_weights,
    _softmax_columns,
    cross_validate,
    design,
    fit_bias,
    fit_experts,
    fit_linear,
    fit_temperature,
)
from toneprobe.sentiment.head import SURFACE_FEATURES
from toneprobe.sentiment.head_fit import _HeadRows
from toneprobe.sentiment.longtext import LongText
from toneprobe.sentiment.metrics import format_ci, macro_f1, macro_f1_ci
from toneprobe.sentiment.train_data import (
    _ASR_DROP,
    _LABEL_ALIASES,
    _SPACES,
    _TRUE,
    OFFENSE_LABELS,
    SENTIMENT_LABELS,
    Dataset,
    _file_digest,
    _load_sources,
    _norm_label,
    _stack,
    _with_asr_copies,
    asr_form,
    read_tsv,
    source_name,
)
from toneprobe.sentiment.use_embedder import (
    _USE_CACHE,
    _ridge_cg,
    _use_encode,
    make_use_embedder,
)
from toneprobe.sentiment.weights import write_weights

__all__ = [
    # re-exported: imported from ``toneprobe.sentiment.train`` by scripts, tests and commands
    "CARD_TITLES",
    "CITATIONS",
    "DEV_BARS",
    "GATE_C",
    "OFFENSE_LABELS",
    "SENTIMENT_LABELS",
    "Dataset",
    "Hyper",
    "asr_form",
    "cross_validate",
    "fit_bias",
    "fit_experts",
    "fit_linear",
    "fit_temperature",
    "format_ci",
    "macro_f1",
    "macro_f1_ci",
    "make_use_embedder",
    "read_tsv",
    "refresh_card",
    "source_name",
    "write_card",
    # private helpers that lived here, kept importable for code written before the split
    "_ASR_DROP",
    "_LABEL_ALIASES",
    "_SPACES",
    "_TRUE",
    "_USE_CACHE",
    "_HeadRows",
    "design",
    "_fit_nblr",
    "_folds",
    "_mix_nblr",
    "_model_paragraph",
    "_norm_label",
    "_per_source_text",
    "_pooling_text",
    "_ridge_cg",
    "_softmax_columns",
    "_use_encode",
    "_with_asr_copies",
    "_with_behavioural_tests",
    # defined here
    "measure_model",
    "save_model",
    "train_offense",
    "train_sentiment",
]

log = logging.getLogger(__name__)


def train_sentiment(
    train_files: list[Path],
    dev_files: dict[str, Path],
    out_dir: Path,
    seed: int = 13,
    *,
    hyper: Hyper | None = None,
    grid: Sequence[Hyper] | None = None,
    embeddings: bool = True,
    emb_dim: int = 128,
    cv_folds: int = 3,
    crossfit_folds: int = 5,
    card_title: str = "toneprobe German sentiment model (embedded)",
    extra_words: Sequence[str] = (),
    long_text: LongText | None = None,
) -> dict[str, object]:
    """Train a 3-class sentiment model and write it with a model card to ``out_dir``.

    Hyperparameters: ``hyper`` if given, else the best of ``grid`` by k-fold CV on the training
    files (never on dev). ``emb_dim``: dimensions of the word-vector table (with
    ``embeddings``). ``extra_words``: words that get a vector although no training text has
    them (see :func:`make_use_embedder`). ``long_text``: how the shipped model reads long
    multi-sentence texts (``longtext.py``; None: as one bag). Returns the metrics dict that is
    also written to ``metrics.json``.
    """
    return _train(
        train_files, dev_files, Path(out_dir), seed,
        labels=SENTIMENT_LABELS, task="sentiment", hyper=hyper, grid=grid,
        emb_dim=emb_dim if embeddings else 0, cv_folds=cv_folds,
        crossfit_folds=crossfit_folds, card_title=card_title,
        extra_words=extra_words, long_text=long_text,
    )  # fmt: skip


def train_offense(
    train_files: list[Path],
    dev_files: dict[str, Path],
    out_dir: Path,
    seed: int = 13,
    *,
    hyper: Hyper | None = None,
    grid: Sequence[Hyper] | None = None,
    embeddings: bool = True,
    cv_folds: int = 5,
    card_title: str = "toneprobe German offensive-language classifier (embedded)",
) -> dict[str, object]:
    """Train the OFFENSE-vs-OTHER classifier; the decision threshold is chosen by CV on train."""
    return _train(
        train_files, dev_files, Path(out_dir), seed,
        labels=OFFENSE_LABELS, task="offense", hyper=hyper, grid=grid,
        emb_dim=128 if embeddings else 0, cv_folds=cv_folds,
        crossfit_folds=5, card_title=card_title,
    )  # fmt: skip


def _train(
    train_files: Sequence[Path],
    dev_files: dict[str, Path],
    out_dir: Path,
    seed: int,
    *,
    labels: tuple[str, ...],
    task: str,
    hyper: Hyper | None,
    grid: Sequence[Hyper] | None,
    emb_dim: int,
    cv_folds: int,
    crossfit_folds: int,
    card_title: str,
    extra_words: Sequence[str] = (),
    long_text: LongText | None = None,
) -> dict[str, object]:
    t_start = time.perf_counter()
    train_sets = _load_sources(train_files, labels)
    texts, y, srcs = _stack(train_sets, labels)
    embedder = (
        make_use_embedder(dim=emb_dim, distill=False, extra_words=extra_words)
        if emb_dim > 0
        else None
    )
    log.info("training %s on %d rows from %s", task, len(y), [d.name for d in train_sets])

    # 1. hyperparameters by CV on the training rows only
    candidates = [hyper] if hyper is not None else list(grid or [Hyper()])
    cv_report: list[dict[str, object]] = []
    best_hp, best_score, best_oof = candidates[0], -1.0, None
    for hp in candidates:
        score, oof, per = cross_validate(
            texts, y, srcs, labels, hp, seed, k=cv_folds, embedder=embedder
        )
        cv_report.append({"hyper": vars(hp).copy(), "cv_macro_f1": score, "per_source": per})
        log.info("CV %s -> %.4f %s", vars(hp), score, per)
        if score > best_score:
            best_hp, best_score, best_oof = hp, score, oof
    assert best_oof is not None

    # 2. calibration (temperature) and, for the binary task, the threshold: from OOF logits
    main_oof = best_oof[:, : len(labels)]
    temperature = fit_temperature(main_oof, y)
    threshold = 0.5
    if task == "offense":
        p_off = softmax(main_oof / temperature)[:, 1]
        cands = np.round(np.arange(0.2, 0.81, 0.01), 2)
        threshold = float(max(cands, key=lambda t: macro_f1(y, (p_off >= t).astype(int), 2)))

    # 3. the shipped model, trained on all training rows; then the head (on OOF logits) or
    #    class offsets
    model = fit_linear(texts, y, srcs, labels, best_hp, seed, embedder)
    model.temperature = temperature
    head_rows = None
    head_cv: dict[str, object] | None = None
    bias = None
    if best_hp.head_hidden:
        weights = _sample_weights(srcs, y, len(labels), best_hp, best_hp.source_boost)
        z_in = head_inputs(best_oof, len(labels), len(model.experts), temperature)
        head_rows = _HeadRows(z_in, y, weights)
        model.head = head_rows.fit(model, texts, np.arange(len(y)), best_hp, seed)
        head_cv = head_rows.cross_validate(model, texts, srcs, best_hp, seed, k=cv_folds)
        log.info("head CV %s", head_cv)
    elif task == "sentiment":
        bias = fit_bias(main_oof / temperature, y, srcs)
        log.info("class bias %s", bias.tolist())
    model.bias = bias
    model.long_text = long_text

    # 4. dev sets: plain, or cross-fitted if the dev file is also a training file
    train_paths = {Path(p).resolve(): d for p, d in zip(train_files, train_sets, strict=True)}
    dev_metrics: dict[str, dict[str, object]] = {}
    for name, path in dev_files.items():
        dev = read_tsv(Path(path), labels, name=name)
        y_dev = np.array([labels.index(lab) for lab in dev.labels])
        crossfit = Path(path).resolve() in train_paths
        if crossfit:
            probs = _crossfit_probs(
                texts,
                y,
                srcs,
                labels,
                best_hp,
                seed,
                embedder,
                dev.name,
                train_paths,
                Path(path),
                crossfit_folds,
                temperature,
                bias,
                head_rows,
                long_text,
            )
        else:
            probs = model.predict_proba(dev.texts)
        pred = _decide(probs, task, threshold)
        dev_metrics[name] = {
            "macro_f1": round(macro_f1(y_dev, pred, len(labels)), 4),
            "ci95": [round(v, 4) for v in macro_f1_ci(y_dev, pred, len(labels), seed=seed)],
            "accuracy": round(float(np.mean(pred == y_dev)), 4),
            "rows": len(y_dev),
            "cross_fitted": crossfit,
            "log_loss": round(
                float(-np.mean(np.log(probs[np.arange(len(y_dev)), y_dev] + 1e-12))), 4
            ),
        }
        log.info("dev %s: %s", name, dev_metrics[name])

    metrics: dict[str, object] = {
        "task": task,
        "labels": list(labels),
        "seed": seed,
        "hyper": vars(best_hp).copy(),
        "cv_folds": cv_folds,
        "cv_macro_f1": round(best_score, 4),
        "cv": cv_report,
        "temperature": round(temperature, 4),
        "bias": None if bias is None else [round(float(b), 3) for b in bias],
        "head": head_cv,
        "experts": list(model.experts),
        "threshold": threshold,
        "dev": dev_metrics,
        "train_files": [
            {"name": d.name, "file": Path(p).name, "rows": len(d), "sha256_16": _file_digest(p)}
            for p, d in zip(train_files, train_sets, strict=True)
        ],
        "extra_words": len(extra_words),
        "long_text": None if long_text is None else long_text.to_dict(),
        "train_seconds": round(time.perf_counter() - t_start, 1),
    }
    metrics["embedding_dim"] = model.embedding.dim if model.embedding is not None else 0
    save_model(model, out_dir, task, threshold, metrics)
    metrics.update(measure_model(out_dir, task))
    write_card(out_dir, card_title, metrics)
    (out_dir / "metrics.json").write_text(
        json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return metrics


def _decide(probs: np.ndarray, task: str, threshold: float) -> np.ndarray:
    if task == "offense":
        return (probs[:, 1] >= threshold).astype(np.int64)
    return probs.argmax(axis=1)


# ---------------------------------------------------------------- persistence


def save_model(
    model: LinearModel, out_dir: Path, task: str, threshold: float, metrics: dict[str, object]
) -> None:
    """Write ``model.json`` (config), ``vocab.json`` and ``weights.npz`` (no pickle)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    feat = model.featurizer
    arrays: dict[str, np.ndarray] = {
        "coef": model.coef.astype(np.float32),
        "intercept": model.intercept.astype(np.float32),
        "word_idf": feat.word_idf.astype(np.float32),
        "char_idf": feat.char_idf.astype(np.float32),
    }
    arrays.update(feat.char_index())
    if model.embedding is not None:
        arrays["emb_vectors"] = model.embedding.vectors.astype(np.float16)
    if model.head is not None:
        arrays.update(model.head.arrays())
    write_weights(out_dir / "weights.npz", arrays)
    vocab = feat.vocab_lists()
    if model.embedding is not None:
        vocab["emb_words"] = model.embedding.words
    (out_dir / "vocab.json").write_text(
        json.dumps(vocab, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    config = {
        "format": "toneprobe-linear",
        "format_version": 1,
        "task": task,
        "labels": list(model.labels),
        "featurizer": feat.config(),
        "embedding": model.embedding is not None,
        "emb_weight": model.emb_weight,
        "emb_pooling": list(model.embedding.pooling) if model.embedding is not None else None,
        "temperature": model.temperature,
        "bias": None if model.bias is None else [float(b) for b in model.bias],
        "head": None
        if model.head is None
        else {"hidden": model.head.hidden, "surface_features": list(SURFACE_FEATURES)},
        "threshold": threshold,
        "experts": list(model.experts),
        "long_text": None if model.long_text is None else model.long_text.to_dict(),
        "seed": metrics.get("seed"),
        "hyper": metrics.get("hyper"),
    }
    (out_dir / "model.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def measure_model(out_dir: Path, task: str, n_texts: int = 3000) -> dict[str, object]:
    """Size on disk, load time and throughput of the saved model (rough, for the card)."""
    from toneprobe.sentiment.embedded import EmbeddedBackend

    size = sum(p.stat().st_size for p in out_dir.iterdir() if p.is_file())
    texts = [s for s in _BENCH_SENTENCES] * (n_texts // len(_BENCH_SENTENCES) + 1)
    texts = texts[:n_texts]
    t0 = time.perf_counter()
    if task == "offense":
        from toneprobe.sentiment.offense import OffenseClassifier

        clf = OffenseClassifier(out_dir)
        clf.load()
        load_s = time.perf_counter() - t0
        run: Callable[[list[str]], object] = clf.predict_proba
    else:
        be = EmbeddedBackend(out_dir)
        be.load()
        load_s = time.perf_counter() - t0
        run = be.predict
    run(texts[:50])
    t0 = time.perf_counter()
    run(texts)
    batch_s = time.perf_counter() - t0
    singles = []
    for s in _BENCH_SENTENCES:
        t0 = time.perf_counter()
        run([s + " ok"])
        singles.append(time.perf_counter() - t0)
    return {
        "size_bytes": size,
        "load_seconds": round(load_s, 3),
        "utterances_per_second": round(n_texts / batch_s),
        "single_utterance_ms": round(1000 * float(np.median(singles)), 2),
    }


_BENCH_SENTENCES = [
    "Guten Tag, Sie sprechen mit Frau Berger, was kann ich für Sie tun?",
    "ich warte jetzt seit drei wochen auf meine erstattung und keiner ruft zurück",
    "Vielen Dank, das hat mir wirklich sehr geholfen!",
    "Können Sie mir bitte Ihre Vertragsnummer nennen?",
    "Das ist ja wieder mal typisch, ganz toller Service.",
    "äh ja also die rechnung ist doppelt abgebucht worden",
    "Ich verstehe, dass das ärgerlich ist, ich kümmere mich sofort darum.",
    "Einen Moment bitte, ich schaue kurz im System nach.",
]

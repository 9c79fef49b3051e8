"""Re-derive the shipped agent-move classifier (models/agent-moves-de) from data/agent_moves.

    python scripts/train_moves.py [--out models] [--quick]

Features: the sentiment model's featurizer settings and a word-vector table copied in from a
model directory (``--table``; default: the table models/agent-moves-de ships, which the
customer-state model shares; ``--table models/sentiment-de`` takes the sentiment model's).
Hyperparameters and per-move decision thresholds are chosen on out-of-fold predictions of
data/agent_moves/train.tsv (4 folds); data/agent_moves/dev.tsv and data/dev/agent_utterances.tsv
only report. The finding thresholds used by the detectors are chosen on the labelled calls by
scripts/move_thresholds.py (src/toneprobe/data/moves.yaml).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from toneprobe.sentiment.train_moves import (  # noqa: E402
    MOVE_LABELS,
    MoveHyper,
    best_thresholds,
    fit_moves,
    oof_probs,
    per_label_f1,
    predict,
    read_moves,
    save_moves,
    shared_embedding,
)

SEED = 13
NEGATIVE = ("blame", "dismissal", "condescension_sarcasm", "command", "insult", "refusing_help")
GRID = [
    MoveHyper(C=4.0, emb_weight=1.0),
    MoveHyper(C=16.0, emb_weight=1.0),
    MoveHyper(C=4.0, emb_weight=2.0),
]


def _macro(d: dict[str, float]) -> float:
    return round(float(np.mean(list(d.values()))), 3)


def _auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """P(score of a random positive > score of a random negative), ties half."""
    gt = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return round(float(gt / (len(pos) * len(neg))), 3)


def utterance_check(model, thresholds: dict[str, float]) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """How the negative moves separate ``disrespect`` from ``ok`` agent utterances."""
    path = REPO / "data" / "dev" / "agent_utterances.tsv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    texts = [r["text"] for r in rows]
    gold = np.array([r["label"] == "disrespect" for r in rows])
    probs = predict(model, texts)
    cols = [MOVE_LABELS.index(m) for m in NEGATIVE]
    over = probs[:, cols] / np.array([thresholds[m] for m in NEGATIVE])
    pred = (over >= 1.0).any(axis=1)
    top = probs[:, cols].max(axis=1)
    tp = int((gold & pred).sum())
    fp = int((~gold & pred).sum())
    fn = int((gold & ~pred).sum())
    return {
        "rows": len(rows),
        "disrespect": int(gold.sum()),
        "auc_max_negative_prob": _auc(top[gold], top[~gold]),
        "precision": round(tp / max(tp + fp, 1), 3),
        "recall": round(tp / max(tp + fn, 1), 3),
        "f1": round(2 * tp / max(2 * tp + fp + fn, 1), 3),
        "false_alarms_on_ok": fp,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--out", type=Path, default=REPO / "models")
    ap.add_argument("--quick", action="store_true", help="first grid point only, no CV")
    ap.add_argument(
        "--table",
        type=Path,
        default=REPO / "models" / "agent-moves-de",
        help="model directory whose word-vector table the move model uses",
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    log = logging.getLogger("train_moves")
    train = read_moves(REPO / "data" / "agent_moves" / "train.tsv")
    dev = read_moves(REPO / "data" / "agent_moves" / "dev.tsv")
    emb = shared_embedding(args.table, ("mean", "max", "min"))
    grid = GRID[:1] if args.quick else GRID
    cv: list[dict[str, object]] = []
    best = (-1.0, grid[0], [0.5] * len(MOVE_LABELS))
    for hp in grid:
        t0 = time.perf_counter()
        oof = oof_probs(train, hp, emb, k=4, seed=SEED) if not args.quick else None
        if oof is None:
            thresholds = [0.5] * len(MOVE_LABELS)
            score = 0.0
        else:
            thresholds = best_thresholds(train.y, oof)
            score = _macro(per_label_f1(train.y, oof, thresholds))
        cv.append({"hyper": vars(hp) | {"pooling": list(hp.pooling)}, "oof_macro_f1": score})
        log.info("CV %s: macro-F1 %.3f (%.0fs)", vars(hp), score, time.perf_counter() - t0)
        if score > best[0]:
            best = (score, hp, thresholds)
    _, hp, thresholds = best
    t0 = time.perf_counter()
    model = fit_moves(train, hp, emb, seed=SEED)
    log.info("fitted in %.0fs", time.perf_counter() - t0)
    th = dict(zip(MOVE_LABELS, thresholds, strict=True))
    dev_probs = predict(model, dev.texts)
    dev_f1 = per_label_f1(dev.y, dev_probs, thresholds)
    from toneprobe.sentiment.train import asr_form

    asr_f1 = per_label_f1(dev.y, predict(model, [asr_form(t) for t in dev.texts]), thresholds)
    metrics: dict[str, object] = {
        "seed": SEED,
        "hyper": vars(hp) | {"pooling": list(hp.pooling)},
        "train_rows": len(train.texts),
        "dev_rows": len(dev.texts),
        "cv": cv,
        "thresholds": th,
        "dev_f1": dev_f1,
        "dev_macro_f1": _macro(dev_f1),
        "dev_asr_f1": asr_f1,
        "dev_asr_macro_f1": _macro(asr_f1),
    }
    out = args.out / "agent-moves-de"
    save_moves(model, out, thresholds, metrics)
    metrics["agent_utterances"] = utterance_check(model, th)
    metrics["speed"] = measure(out)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    write_card(out, metrics)
    log.info(
        "dev macro-F1 %.3f (ASR form %.3f)", metrics["dev_macro_f1"], metrics["dev_asr_macro_f1"]
    )
    log.info("agent utterances: %s", metrics["agent_utterances"])
    return 0


_BENCH = [
    "Das tut mir wirklich leid, dass die Lieferung schon wieder nicht angekommen ist.",
    "Ich gebe das heute noch an die Technik weiter und melde mich morgen bei Ihnen.",
    "Da haben Sie wohl die falsche Nummer eingetippt.",
    "Einen Moment bitte, ich schaue kurz in Ihr Kundenkonto.",
    "ja also das liegt daran dass der zähler geschätzt wurde",
    "Vielen Dank für Ihre Geduld und einen schönen Abend noch.",
]


def measure(out: Path, n: int = 3000) -> dict[str, object]:
    """Size, load time and sentences per second of the saved model (one process), and the
    time to explain one sentence."""
    from toneprobe.sentiment.card import speed_figures
    from toneprobe.sentiment.moves import AgentMoveClassifier

    clf = AgentMoveClassifier(out)
    figures = speed_figures(clf, out, _BENCH, n)
    t0 = time.perf_counter()
    for s in _BENCH:
        clf.top_words(s, "apology_ownership")
    figures["explain_ms_per_sentence"] = round(1000 * (time.perf_counter() - t0) / len(_BENCH), 2)
    return figures


# Measured separately (not by this script): `toneprobe score` with and without the model.
SCORE_SPEED = (
    "In `toneprobe score` the model (all agent sentences of a call in one batch, explanations "
    "for the findings) added 5-6 CPU-ms per call, about 10 %, on 119 calls of "
    "`benchmarks/corpus.py` (20-29 turns) in one process (2026-12-04, load average 11-14 on "
    "2 cores: 50.7 -> 56.8 and 54.6 -> 59.2 CPU-ms per call, off -> on); on the idle machine "
    "that is about 97 -> 88 calls/s with `--workers 2`, above the bar of 60."
)


def write_card(out: Path, m: dict[str, Any]) -> None:
    """MODEL_CARD.md from the metrics (the figures are the script's, never typed in)."""
    from toneprobe.sentiment.card import SHARED_TABLE_NOTE

    hp = m["hyper"]
    rows = "\n".join(
        f"| `{lab}` | {m['thresholds'][lab]} | {m['dev_f1'][lab]:.3f} | {m['dev_asr_f1'][lab]:.3f} |"
        for lab in MOVE_LABELS
    )
    u = m["agent_utterances"]
    sp = m["speed"]
    cv = "; ".join(
        f"C={c['hyper']['C']}, emb_weight={c['hyper']['emb_weight']}: {c['oof_macro_f1']:.3f}"
        for c in m["cv"]
    )
    card = f"""# Model card: agent-moves-de

Multi-label classifier of agent sentences (issue 13): which moves a sentence of an agent makes.
Seven positive moves (acknowledge_feeling, apology_ownership, reassurance, commitment_next_step,
explanation, alternative_offered, thanks_courtesy) and six negative ones (blame, dismissal,
condescension_sarcasm, command, insult, refusing_help); a sentence with none of them is `none`.

- **Format**: `toneprobe-linear` (as `sentiment-de` and `offense-de`) with `"activation":
  "sigmoid"`: one logistic head per move over the same features, numpy inference only
  (`toneprobe.sentiment.moves.AgentMoveClassifier`), no pickle.
- **Features**: the sentiment model's featurizer (word 1-2-grams with negation marks, character
  2-5-grams, TF-IDF) fitted on these sentences, plus the sentiment model's word-vector table
  (mean, max and min pooled, weight {hp["emb_weight"]}), copied in so the model loads on its own.
- **Training data**: `data/agent_moves/train.tsv` ({m["train_rows"]} sentences written and labelled
  by the project, `data/agent_moves/GUIDE.md`), each also in ASR form (lower case, no
  punctuation) at weight {hp["asr_weight"]}. No outside data. Class-balanced heads, C={hp["C"]}.
- **Selection**: C and the word-vector weight by 4-fold out-of-fold macro-F1 on train.tsv
  ({cv}); the decision thresholds below are each move's best F1 on the same out-of-fold
  predictions. The dev sets were not used to choose anything.
- **Re-derive**: `python scripts/train_moves.py` (seed {m["seed"]}); the finding thresholds the
  detectors use are chosen on the labelled calls by `scripts/move_thresholds.py` and live in
  `src/toneprobe/data/moves.yaml`.

## Dev figures (`data/agent_moves/dev.tsv`, {m["dev_rows"]} sentences, other scenarios)

Macro-F1 over the 13 moves: **{m["dev_macro_f1"]:.3f}** as written, {m["dev_asr_macro_f1"]:.3f}
in ASR form.

| move | threshold | dev F1 | dev F1, ASR form |
|---|---|---|---|
{rows}

Second check, `data/dev/agent_utterances.tsv` ({u["rows"]} agent utterances written by other
voices of the project, {u["disrespect"]} labelled `disrespect`, the rest `ok`): any negative
move at its threshold gives precision {u["precision"]:.3f}, recall {u["recall"]:.3f}, F1
{u["f1"]:.3f} ({u["false_alarms_on_ok"]} false alarms on `ok`); the highest negative-move
probability separates the two with AUC {u["auc_max_negative_prob"]:.3f}.

## Speed and size

{sp["size_bytes"] / 1e6:.1f} MB on disk, loads in {sp["load_seconds"]:.2f} s, reads
{sp["sentences_per_second"]:,} sentences per second in one process (batches of 3,000), and
explains one sentence (the words that weighed most) in {sp["explain_ms_per_sentence"]:.1f} ms;
measured by the training script on the shared 2-core machine (load varies).

{SCORE_SPEED}

{SHARED_TABLE_NOTE}

## Limits

Every training and dev sentence was written by the project: the figures say how well the model
learned the guide, not how it reads calls nobody here wrote. Quoted words are blanked before the
model reads a sentence (as for the offense model); irony without cue words and negative moves
spread over several sentences are still missed.
"""
    (out / "MODEL_CARD.md").write_text(card, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())

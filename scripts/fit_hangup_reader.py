"""Fit the learned hang-up reader and write it to src/toneprobe/data/hangup_reader.json.

    python scripts/fit_hangup_reader.py [--write] [SETS...]     # make fit-hangup

Examples: every labelled call ending of ``data/endings`` (``source/*.txt``, written for the
rules, and ``written/*.txt``, written by other voices for this reader), and every labelled call
of the sets of ``make evaluate`` and the tuning sets (``scripts/labelled_sets.py``) plus the
sets named. Each is scored ONCE through the real pipeline with the rules deciding alone;
``toneprobe.detectors.hangup_reader.reader_features`` turns its ending into numbers and words.

A multinomial logistic regression (scikit-learn, L2) learns the four outcomes. Its penalty and
class weighting, and how its answer joins the rules' evidence (``weight``: how much of the most
likely outcome's lead in probability over ``none`` is added to that outcome's score when it is
a hang-up outcome, so
the reader adds recall and never overrules a hang-up the rules found; ``min_prob``: below it
nothing is added), are chosen by leave-one-group-out cross-validation (a group is one source file or one
labelled set): the objective is the mean hang-up macro-F1 over the groups the rules were never
tuned on (``written/``), provided the pooled macro-F1 over the labelled sets, where the rules
were tuned, drops by at most ``--max-drop``. The figures of every group (rules alone, reader
alone, both) are printed. The held-out and fresh sets of the repository are never read.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

import reader_fit  # noqa: E402
from build_endings import call_json, parse  # noqa: E402
from fit_composite import DEFAULT_SETS, parse_set  # noqa: E402
from labelled_sets import TUNING, labelled_calls  # noqa: E402

from toneprobe.detectors import hangup, hangup_reader  # noqa: E402

MODEL_FILE = ROOT / "src" / "toneprobe" / "data" / hangup_reader.MODEL_FILE
ENDINGS = ROOT / "data" / "endings"
CLASSES = hangup_reader.CLASSES
DENSE = tuple(hangup_reader.FEATURES)
C_GRID = (0.1, 0.3, 1.0)
WEIGHT_GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)
MIN_PROB_GRID = (0.4, 0.5, 0.6, 0.7, 0.8)


def ending_calls(tmp: Path) -> list[tuple[str, str, Path]]:
    """(group, label, JSON file) of every written ending; the group is its source file."""
    out = []
    for path in sorted([*ENDINGS.glob("source/*.txt"), *ENDINGS.glob("written/*.txt")]):
        group = f"{path.parent.name}/{path.stem}"
        for cid, label, turns in parse(path.read_text(encoding="utf-8"), str(path)):
            file = tmp / f"{cid}.json"
            file.write_text(call_json(cid, turns), encoding="utf-8")
            out.append((group, label, file))
    return out


def collect(sets: Sequence[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """Every example with its group, label, the rules' scores and outcome, and features."""
    from toneprobe.pipeline import Scorer
    from toneprobe.readers import read_path

    hangup_reader.reader_model = lambda: None  # type: ignore[assignment]  # rules alone
    scorer = Scorer()
    detector = next(d for d in scorer.detectors if isinstance(d, hangup.HangUp))
    rows: list[dict[str, Any]] = []

    def add(group: str, label: str, t: Any) -> None:
        ctx = scorer.analyse(t)
        summary = ctx.results["hangup"].summary
        scores = summary["scores"]
        x = hangup_reader.reader_features(detector._ending(ctx), ctx, scores, summary["outcome"])
        rows.append(
            {
                "group": group,
                "call_id": t.call_id,
                "label": label,
                "rule": summary["outcome"],
                "scores": summary["scores"],
                "x": x,
            }
        )

    with tempfile.TemporaryDirectory() as tmp:
        for group, label, file in ending_calls(Path(tmp)):
            for t in read_path(file).transcripts:
                add(group, label, t)
    for name, t, label in labelled_calls(sets):
        if label.hangup is not None:
            add(name, label.hangup, t)
    return rows


def out_of_group(rows: list[dict[str, Any]], c: float, balanced: bool) -> np.ndarray:
    """Each example's probabilities from a reader fitted without its group."""
    return reader_fit.out_of_group(rows, CLASSES, DENSE, c, balanced)


def joined(row: dict[str, Any], p: np.ndarray, weight: float, min_prob: float) -> str:
    """What the detector decides with the reader's answer ``p`` as evidence: a hang-up
    outcome adds ``weight`` times its lead over ``none`` to the rules' score for it, a ``none``
    adds nothing (the rules keep their
    verdicts; the reader adds recall)."""
    scores = dict(row["scores"])
    k = int(p.argmax())
    if weight and p[k] >= min_prob and CLASSES[k] != "none":
        scores[CLASSES[k]] += hangup_reader.evidence(weight, float(p[k]), float(p[0]))
    return hangup.decide(scores)


def figures(rows: list[dict[str, Any]], preds: Sequence[str]) -> dict[str, float]:
    by: dict[str, tuple[list[str], list[str]]] = {}
    for r, p in zip(rows, preds, strict=True):
        gold, pred = by.setdefault(r["group"], ([], []))
        gold.append(r["label"])
        pred.append(p)
    return {g: reader_fit.macro_f1(CLASSES, *v) for g, v in sorted(by.items())}


def summary(rows: list[dict[str, Any]], preds: Sequence[str]) -> tuple[float, float]:
    """(mean macro-F1 over the ``written/`` groups, pooled macro-F1 over the labelled sets)."""
    per = figures(rows, preds)
    written = [v for g, v in per.items() if g.startswith("written/")]
    sets = [(r["label"], p) for r, p in zip(rows, preds, strict=True) if "/" not in r["group"]]
    pooled = (
        reader_fit.macro_f1(CLASSES, [g for g, _ in sets], [p for _, p in sets]) if sets else 0.0
    )
    return (sum(written) / len(written) if written else 0.0), pooled


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="*", help="more labelled sets (DIR or CALLS:LABELS)")
    ap.add_argument("--write", action="store_true", help=f"write {MODEL_FILE.name}")
    ap.add_argument("--max-drop", type=float, default=0.01)
    args = ap.parse_args(argv)
    tuning = [(n, str(ROOT / c), str(ROOT / lab)) for n, (c, lab) in TUNING.items()]
    sets = [*DEFAULT_SETS, *tuning, *(parse_set(s) for s in args.sets)]
    rows = collect(sets)
    labels = [r["label"] for r in rows]
    print(f"{len(rows)} examples: " + ", ".join(f"{c} {labels.count(c)}" for c in CLASSES))
    rules = [r["rule"] for r in rows]
    base_written, base_pooled = summary(rows, rules)
    print(f"rules alone: written {base_written:.3f}, labelled sets pooled {base_pooled:.3f}")
    best: tuple[float, float, float, bool, float, float] | None = None
    oog: dict[tuple[float, bool], np.ndarray] = {}
    for c, balanced in product(C_GRID, (False, True)):
        probs = oog[(c, balanced)] = out_of_group(rows, c, balanced)
        alone = [CLASSES[int(p.argmax())] for p in probs]
        a_w, a_p = summary(rows, alone)
        print(f"C {c} balanced {balanced}: reader alone written {a_w:.3f}, sets {a_p:.3f}")
        for weight, min_prob in product(WEIGHT_GRID, MIN_PROB_GRID):
            preds = [joined(r, p, weight, min_prob) for r, p in zip(rows, probs, strict=True)]
            w, pooled = summary(rows, preds)
            if pooled < base_pooled - args.max_drop:
                continue
            key = (w, pooled, -weight, balanced, c, min_prob)
            if best is None or key[:3] > best[:3]:
                best = key
    assert best is not None  # weight 0 always qualifies
    w, pooled, neg_weight, balanced, c, min_prob = best
    weight = -neg_weight
    print(
        f"chosen: C {c}, balanced {balanced}, weight {weight}, min_prob {min_prob}: "
        f"written {w:.3f} (rules {base_written:.3f}), sets pooled {pooled:.3f} "
        f"(rules {base_pooled:.3f})"
    )
    probs = oog[(c, balanced)]
    chosen = [joined(r, p, weight, min_prob) for r, p in zip(rows, probs, strict=True)]
    per_rules, per_joined = figures(rows, rules), figures(rows, chosen)
    per_alone = figures(rows, [CLASSES[int(p.argmax())] for p in probs])
    print(f"{'group':22} {'n':>4} {'rules':>6} {'reader':>6} {'both':>6}")
    for g in per_rules:
        n = sum(r["group"] == g for r in rows)
        print(f"{g:22} {n:4d} {per_rules[g]:6.3f} {per_alone[g]:6.3f} {per_joined[g]:6.3f}")
    names, clf = reader_fit.fit(rows, CLASSES, DENSE, c, balanced)
    fitted = reader_fit.exported(rows, names, clf, CLASSES)
    model = {
        "version": 1,
        "note": "written by scripts/fit_hangup_reader.py: multinomial logistic regression over "
        "toneprobe.detectors.hangup_reader features, fitted on data/endings and the labelled "
        "sets below",
        "sets": sorted({r["group"] for r in rows}),
        "examples": len(rows),
        "penalty_C": c,
        "balanced": balanced,
        "weight": weight,
        "min_prob": min_prob,
        "cross_validated_macro_f1": {
            g: {"rules": round(per_rules[g], 4), "both": round(per_joined[g], 4)} for g in per_rules
        },
        **fitted,
    }
    if args.write:
        MODEL_FILE.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", "utf-8")
        print(f"wrote {MODEL_FILE.relative_to(ROOT)} ({len(fitted['coef'])} features)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

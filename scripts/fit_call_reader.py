"""Fit the learned call reader (is the whole call disrespectful?) and write it to
src/toneprobe/data/call_reader.json.

    python scripts/fit_call_reader.py [--write] [SETS...]     # make fit-call
    python scripts/fit_call_reader.py --check                # exit 1 if the file is stale

Examples: every labelled call with a ``disrespect`` label of the sets of ``make evaluate``, the
tuning sets (``scripts/labelled_sets.py``) and the sets named. Each call is scored ONCE through
the real pipeline (the rules, the move model, the context and hang-up readers as shipped);
``toneprobe.detectors.call_reader.call_features`` turns it into numbers.

A logistic regression (``reader_fit``) learns ``rude``. Its penalty, class weighting and
``min_prob`` are chosen by leave-one-set-out cross-validation: each set's calls are read by a
reader fitted without that set, and the objective is the pooled disrespect F1 of the call
verdict the pipeline gives (a clearly negative rule finding, or the reader at ``min_prob``)
over those out-of-set readings; the mean F1 over the sets breaks ties. The figures written
with the reader are these cross-validated ones, next to the verdict without the reader (mild
findings adding up by their weights), which is in-sample: the rules and their weights were
tuned on these sets. The held-out and fresh sets of the repository are never read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from itertools import product
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

import reader_fit  # noqa: E402
from fit_composite import DEFAULT_SETS, parse_set  # noqa: E402
from fitted_file import check  # noqa: E402
from labelled_sets import TUNING, labelled_calls  # noqa: E402

from toneprobe.detectors import call_reader  # noqa: E402

MODEL_FILE = ROOT / "src" / "toneprobe" / "data" / call_reader.MODEL_FILE
CLASSES = call_reader.CLASSES
DENSE = tuple(call_reader.FEATURES)
WEIGHT = 0.5  # the finding of a call the reader reads as rude (pipeline.DISRESPECT_MIN_WEIGHT)
C_GRID = (0.3, 1.0, 3.0, 10.0)
MIN_PROB_GRID = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)


def collect(sets: Sequence[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """One row per labelled call: its set, label, features, the rules' clear verdict and the
    verdict without the reader."""
    from toneprobe.pipeline import Scorer, build_record, clear_rule_turns

    call_reader.reader_model = lambda: None  # type: ignore[assignment]  # reader off
    scorer = Scorer()
    rows: list[dict[str, Any]] = []
    for name, t, label in labelled_calls(sets):
        if label.disrespect is None:
            continue
        ctx = scorer.analyse(t)
        findings = ctx.findings()
        rows.append(
            {
                "group": name,
                "id": t.call_id,
                "label": "rude" if label.disrespect else "ok",
                "clear": bool(clear_rule_turns(findings)),
                "without": bool(build_record(t, ctx, scorer.weights)["respect"]["disrespect"]),
                "x": call_reader.call_features(ctx, findings),
            }
        )
    return rows


f1 = reader_fit.binary_f1


def verdicts(rows: Sequence[dict[str, Any]], p_rude: Sequence[float], t: float) -> list[bool]:
    """The pipeline's call verdict: a clear rule finding, or the reader at ``t`` where
    something in the call reads as negative."""
    return [
        r["clear"] or (p >= t and call_reader.has_evidence(r["x"]))
        for r, p in zip(rows, p_rude, strict=True)
    ]


def scores(rows: Sequence[dict[str, Any]], pred: Sequence[bool]) -> tuple[float, dict[str, float]]:
    """Pooled F1 and F1 per set."""
    gold = [r["label"] == "rude" for r in rows]
    per: dict[str, tuple[list[bool], list[bool]]] = {}
    for r, g, p in zip(rows, gold, pred, strict=True):
        gs, ps = per.setdefault(r["group"], ([], []))
        gs.append(g)
        ps.append(p)
    return f1(gold, pred), {k: f1(*v) for k, v in sorted(per.items())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="*", help="more labelled sets (DIR or CALLS:LABELS)")
    ap.add_argument("--write", action="store_true", help=f"write {MODEL_FILE.name}")
    ap.add_argument("--check", action="store_true", help="exit 1 if the shipped file differs")
    args = ap.parse_args(argv)
    tuning = [(n, str(ROOT / c), str(ROOT / lab)) for n, (c, lab) in TUNING.items()]
    sets = [*DEFAULT_SETS, *tuning, *(parse_set(s) for s in args.sets)]
    rows = collect(sets)
    n_rude = sum(r["label"] == "rude" for r in rows)
    print(
        f"{len(rows)} labelled calls ({n_rude} disrespectful) in {len(set(r['group'] for r in rows))} sets"
    )
    base, base_per = scores(rows, [r["without"] for r in rows])
    clear, _ = scores(rows, [r["clear"] for r in rows])
    print(
        f"without the reader (in-sample): pooled {base:.3f}; clear rule findings alone {clear:.3f}"
    )
    best: tuple[float, float, float, float, bool] | None = None
    oog = {}
    for c, balanced in product(C_GRID, (False, True)):
        probs = reader_fit.out_of_group(rows, CLASSES, DENSE, c, balanced)
        p_rude = oog[(c, balanced)] = list(probs[:, 1])
        for t in MIN_PROB_GRID:
            pooled, per = scores(rows, verdicts(rows, p_rude, t))
            mean = sum(per.values()) / len(per)
            print(f"C {c} balanced {balanced} min_prob {t}: pooled {pooled:.3f}, mean {mean:.3f}")
            key = (round(pooled, 4), round(mean, 4), t, c, balanced)
            if best is None or key[:2] > best[:2]:
                best = key
    assert best is not None
    pooled, mean, t, c, balanced = best
    print(
        f"chosen: C {c}, balanced {balanced}, min_prob {t}: cross-validated pooled {pooled:.3f}, mean {mean:.3f}"
    )
    _, per = scores(rows, verdicts(rows, oog[(c, balanced)], t))
    for g in per:
        print(f"{g:24} {base_per[g]:.3f} -> {per[g]:.3f}")
    names, clf = reader_fit.fit(rows, CLASSES, DENSE, c, balanced)
    model = {
        "version": 1,
        "note": "written by scripts/fit_call_reader.py: logistic regression over "
        "toneprobe.detectors.call_reader features, fitted on the labelled calls of the sets "
        "below; cross_validated_f1: leave one set out ('with'), against the verdict without "
        "the reader ('without', in-sample)",
        "sets": sorted({r["group"] for r in rows}),
        "examples": len(rows),
        "penalty_C": c,
        "balanced": balanced,
        "weight": WEIGHT,
        "min_prob": t,
        "cross_validated_f1": {
            "pooled": {"without": round(base, 4), "with": round(pooled, 4)},
            **{g: {"without": round(base_per[g], 4), "with": round(per[g], 4)} for g in per},
        },
        **reader_fit.exported(rows, names, clf, CLASSES),
    }
    text = json.dumps(model, ensure_ascii=False, indent=1) + "\n"
    if args.check:
        current = MODEL_FILE.read_text("utf-8") if MODEL_FILE.is_file() else None
        diff = check(current, text, json.loads)
        if diff:
            print(
                f"{MODEL_FILE.relative_to(ROOT)} is not what this script writes: {diff}",
                file=sys.stderr,
            )
            return 1
        print(f"{MODEL_FILE.relative_to(ROOT)} is in sync")
    if args.write:
        MODEL_FILE.write_text(text, "utf-8")
        print(f"wrote {MODEL_FILE.relative_to(ROOT)} ({len(model['coef'])} features)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

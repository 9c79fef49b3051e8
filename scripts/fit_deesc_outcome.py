"""Fit the learned de-escalation outcome and write it to src/toneprobe/data/deesc_outcome.json.

    make fit-deesc                                              # fit on FIT_SETS, write
    python scripts/fit_deesc_outcome.py --check data/dev3 ...   # exit 1 if the file is stale

Every labelled call (the sets of ``make evaluate`` plus the sets named; ``data/dev/calls/text``
is the JSON calls again and is not counted twice) is scored ONCE through the real pipeline with
the rules deciding alone; ``toneprobe.detectors.outcome.outcome_features`` turns each call's
rule summary, cues and ending into numbers. Two logistic regressions with an L2 penalty
(Newton's method, deterministic; the intercept is not penalised) learn *upset?* on every call
(label ``achieved`` or ``failed`` against ``not_needed``) and *calmed?* on the upset ones
(``achieved`` against ``failed``). Their penalties are chosen by leave-one-set-out
cross-validation (mean macro-F1 of the three outcomes over the held-out sets; ties go to the
stronger penalty); the rules' own figures on the same calls are printed beside them (in-sample:
the rules' thresholds were fitted on these sets). The held-out sets of the repository are never
read. ``make fit-deesc`` runs it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

import reader_fit  # noqa: E402
from fit_composite import DEFAULT_SETS, parse_set  # noqa: E402
from fitted_file import check  # noqa: E402
from labelled_sets import labelled_calls  # noqa: E402

from toneprobe.detectors import outcome  # noqa: E402

MODEL_FILE = ROOT / "src" / "toneprobe" / "data" / outcome.MODEL_FILE
CLASSES = ("achieved", "failed", "not_needed")
GRID = (0.1, 0.3, 1.0, 3.0)  # C = 1 / penalty strength, for each stage


def collect(sets: Sequence[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """(set, call id, label, rule outcome, features) of every call with a de-escalation label,
    scored with the rules alone."""
    from toneprobe.pipeline import Scorer

    outcome.outcome_model = lambda: None  # type: ignore[assignment]  # rules decide alone
    scorer = Scorer()
    rows = []
    for name, t, label in labelled_calls(sets):
        if label.deescalation is None:
            continue
        ctx = scorer.analyse(t)
        if not ctx.states:
            raise SystemExit(f"Error: {t.call_id}: no customer states (state model off?)")
        res = ctx.results["deescalation"]
        cues = [f for f in res.findings if f.role == "customer"]
        how = ctx.results["hangup"].summary["outcome"]
        feats = outcome.outcome_features(res.summary, cues, how, ctx.moves)
        rows.append(
            {
                "set": name,
                "call_id": t.call_id,
                "label": label.deescalation,
                "rule": res.summary["outcome"],
                "x": [feats[k] for k in outcome.FEATURES],
            }
        )
    return rows


def logistic(x: np.ndarray, y: np.ndarray, c: float) -> tuple[float, np.ndarray]:
    """L2-penalised logistic regression (penalty ||w||^2 / (2c), intercept free) by Newton's
    method: (intercept, weights)."""
    n, d = x.shape
    a = np.hstack([np.ones((n, 1)), x])
    w = np.zeros(d + 1)
    reg = np.eye(d + 1) / c
    reg[0, 0] = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(a @ w)))
        grad = a.T @ (p - y) + reg @ w
        hess = (a * (p * (1 - p))[:, None]).T @ a + reg + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return float(w[0]), w[1:]


def fit(x: np.ndarray, y: np.ndarray, c_upset: float, c_calmed: float) -> dict[str, Any]:
    upset = y != CLASSES.index("not_needed")
    calmed = y == CLASSES.index("achieved")
    return {
        "upset": (*logistic(x, upset.astype(float), c_upset), x.mean(axis=0)),
        "calmed": (*logistic(x[upset], calmed[upset].astype(float), c_calmed), x[upset].mean(0)),
    }


def as_model(stages: dict[str, Any]) -> outcome.OutcomeModel:
    names = list(outcome.FEATURES)
    return outcome.OutcomeModel(
        *(
            outcome.Stage(
                q,
                round(b, 4),
                {k: round(float(v), 4) for k, v in zip(names, w, strict=True)},
                {k: round(float(v), 4) for k, v in zip(names, m, strict=True)},
            )
            for q, (b, w, m) in stages.items()
        )
    )


def predict(model: outcome.OutcomeModel, rows: Sequence[dict[str, Any]]) -> list[str]:
    """What the detector decides."""
    return [model.decide(dict(zip(outcome.FEATURES, r["x"], strict=True))).outcome for r in rows]


def macro_f1(gold: Sequence[str], pred: Sequence[str]) -> float:
    return reader_fit.macro_f1(CLASSES, gold, pred)


def cross_validate(rows: list[dict[str, Any]], c_upset: float, c_calmed: float) -> dict[str, Any]:
    """Leave one set out: each set's calls decided by a model fitted on the other sets."""
    x = np.array([r["x"] for r in rows])
    y = np.array([CLASSES.index(r["label"]) for r in rows])
    sets = sorted({r["set"] for r in rows})
    pred: list[str] = [""] * len(rows)
    for s in sets:
        train = np.array([r["set"] != s for r in rows])
        model = as_model(fit(x[train], y[train], c_upset, c_calmed))
        held = [i for i, r in enumerate(rows) if r["set"] == s]
        for i, p in zip(held, predict(model, [rows[i] for i in held]), strict=True):
            pred[i] = p
    per_set = {
        s: macro_f1(
            [r["label"] for r in rows if r["set"] == s],
            [p for r, p in zip(rows, pred, strict=True) if r["set"] == s],
        )
        for s in sets
    }
    return {"per_set": per_set, "mean": float(np.mean(list(per_set.values())))}


def run(sets: Sequence[tuple[str, str, str]]) -> tuple[str, str]:
    rows = collect(sets)
    report = [f"{len(rows)} labelled calls in {len(sets)} sets"]
    names = sorted({r["set"] for r in rows})
    rule = {
        s: macro_f1(
            [r["label"] for r in rows if r["set"] == s], [r["rule"] for r in rows if r["set"] == s]
        )
        for s in names
    }
    report.append(
        f"{'rules alone (in-sample)':<28} mean {np.mean(list(rule.values())):.3f}  "
        + "  ".join(f"{s} {v:.3f}" for s, v in rule.items())
    )
    table = []
    for c1 in GRID:
        for c2 in GRID:
            cv = cross_validate(rows, c1, c2)
            table.append((round(cv["mean"], 4), -c1, -c2, cv))
            report.append(
                f"{f'CV C_upset={c1:g} C_calmed={c2:g}':<28} mean {cv['mean']:.3f}  "
                + "  ".join(f"{s} {v:.3f}" for s, v in cv["per_set"].items())
            )
    best_mean, neg_c1, neg_c2, best = max(table, key=lambda t: t[:3])
    c1, c2 = -neg_c1, -neg_c2
    report.append(f"chosen: C_upset={c1:g} C_calmed={c2:g} (cross-validated mean {best_mean:.3f})")
    x = np.array([r["x"] for r in rows])
    y = np.array([CLASSES.index(r["label"]) for r in rows])
    model = as_model(fit(x, y, c1, c2))
    doc = {
        "version": 1,
        "note": (
            "written by scripts/fit_deesc_outcome.py: two logistic regressions (upset? calmed?) "
            "over toneprobe.detectors.outcome.FEATURES, fitted on the labelled sets below"
        ),
        "sets": names,
        "calls": len(rows),
        "penalty": {"C_upset": c1, "C_calmed": c2},
        "cross_validated_macro_f1": {s: round(v, 4) for s, v in best["per_set"].items()},
        "rules_macro_f1_in_sample": {s: round(v, 4) for s, v in rule.items()},
        "stages": {
            st.question: {"intercept": st.intercept, "coef": dict(st.coef), "mean": dict(st.mean)}
            for st in (model.upset, model.calmed)
        },
    }
    for st in (model.upset, model.calmed):
        top = sorted(st.coef.items(), key=lambda kv: -abs(kv[1]))[:6]
        report.append(f"{st.question}: " + ", ".join(f"{k} {v:+.2f}" for k, v in top))
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n", "\n".join(report)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sets", nargs="*", help="further labelled sets: DIR or CALLS:LABELS")
    ap.add_argument("--out", type=Path, default=MODEL_FILE, help="the file to write/check")
    ap.add_argument("--check", action="store_true", help="exit 1 if the file differs")
    args = ap.parse_args(argv)
    sets = [*DEFAULT_SETS, *(parse_set(s) for s in args.sets)]
    for _, calls_path, labels_path in sets:
        for p in (calls_path, labels_path):
            if not Path(p).exists():
                print(f"Error: {p}: not found", file=sys.stderr)
                return 2
    text, report = run(sets)
    print(report)
    current = args.out.read_text(encoding="utf-8") if args.out.exists() else None
    if args.check:
        diff = check(current, text, json.loads)
        if diff:
            print(
                f"{args.out} is not what scripts/fit_deesc_outcome.py writes: {diff}",
                file=sys.stderr,
            )
            return 1
        print(f"{args.out} is in sync", file=sys.stderr)
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

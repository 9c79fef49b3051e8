"""Fit the composite empathy_score to human judgement and write it to weights.yaml.

    python scripts/fit_composite.py                  # fit on the labelled sets, write weights.yaml
    python scripts/fit_composite.py data/dev3 data/chat   # ... with further labelled sets
    python scripts/fit_composite.py --check          # exit 1 if weights.yaml is not what it would write

Every labelled call is scored ONCE through the real pipeline (the code behind
``toneprobe evaluate``); the fit then only recombines the kept detector summaries and findings.
The model is the score's own form (``scoring.score_summaries``): a weighted mean of the six
components (de-escalation, hang-up, respect, empathy, warmth, tone), whose weights
(non-negative, sum 1) and a few component parameters are fitted by least squares of the 0-100
score against the grade's point 25 * (grade - 1), with a Gaussian prior that pulls every
parameter towards its hand-set value (bounded Nelder-Mead, deterministic). Which parameters are
free (three nested variants) and how strong the prior is are chosen by leave-one-set-out
cross-validation (Spearman of score and grade on the held-out set; the hand-set values stay
unless a fit beats them there by more than ``TIE``). Then the call reader's penalty (points off
the score times its probability that the whole call is disrespectful) is chosen by the same
cross-validation on the mean of the calls' and the agents' Spearman. The choice is checked with
agent-grouped cross-validation and 95% bootstrap intervals. ``make fit-composite`` runs it;
``make evaluate`` checks the bars with the result.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.optimize import minimize
from scipy.stats import rankdata

from toneprobe.scoring import COMPONENTS, hangup_outcome, tone_score, warm_share
from toneprobe.sentiment.move_labels import MOVE_LABELS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fitted_file import check  # noqa: E402
from labelled_sets import DISTINCT_GATED  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS_FILE = ROOT / "src" / "toneprobe" / "data" / "weights.yaml"

#: (name, calls, labels) of the labelled sets the fit always uses: the sets ``make evaluate``
#: gates (scripts/labelled_sets.py), data/dev's calls once (its plain-text folder repeats them)
DEFAULT_SETS: tuple[tuple[str, str, str], ...] = tuple(
    (name, str(ROOT / calls), str(ROOT / labels)) for name, calls, labels in DISTINCT_GATED
)


#: the detector summaries the components are computed from (warmth reads the empathy summary)
DETECTOR_SUMMARIES = ("deescalation", "hangup", "respect", "empathy")

#: The hand-set values before any fit: the prior's centre and the "before" figures. Fixed
#: here (not read from weights.yaml) so that the file the script writes depends only on the
#: labelled calls and the detectors.
HAND_SET: dict[str, float | None] = {
    "components.deescalation": 0.25,
    "components.hangup": 0.15,
    "components.respect": 0.35,
    "components.empathy": 0.25,
    "components.warmth": 0.0,
    "components.tone": 0.0,
    "respect.base": 55.0,
    "respect.courtesy": 45.0,
    "respect.apology_bonus": 5.0,
    "respect.per_negative_weight": 40.0,
    "respect.repeat_decay": 0.6,
    "respect.max_per_rule": None,
    "deescalation.achieved_base": 70.0,
    "deescalation.achieved_credit": 30.0,
    "deescalation.failed_base": 15.0,
    "deescalation.failed_credit": 55.0,
    "deescalation.per_escalating_turn": 15.0,
    "hangup.none": 100.0,
    "hangup.customer": 60.0,
    "hangup.agent": 0.0,
    "hangup.dropped": None,
    "hangup.agent_boundary": None,
    "warmth.full_share": 0.5,
    "disrespect.penalty": 0.0,
}


@dataclass(frozen=True)
class Param:
    name: str
    lo: float
    hi: float
    #: prior standard deviation around the hand-set value
    scale: float
    digits: int


PARAMS: dict[str, Param] = {
    p.name: p
    for p in (
        *(Param(f"components.{c}", 0.0, 1.0, 0.10, 3) for c in COMPONENTS),
        Param("respect.base", 0.0, 100.0, 10.0, 1),
        Param("respect.courtesy", 0.0, 100.0, 10.0, 1),
        Param("respect.apology_bonus", 0.0, 30.0, 5.0, 1),
        Param("respect.per_negative_weight", 0.0, 150.0, 10.0, 1),
        Param("respect.repeat_decay", 0.0, 1.0, 0.2, 2),
        Param("deescalation.achieved_base", 0.0, 100.0, 10.0, 1),
        Param("deescalation.achieved_credit", 0.0, 100.0, 10.0, 1),
        Param("deescalation.failed_base", 0.0, 100.0, 10.0, 1),
        Param("deescalation.failed_credit", 0.0, 100.0, 10.0, 1),
        Param("deescalation.per_escalating_turn", 0.0, 50.0, 5.0, 1),
        Param("hangup.customer", 0.0, 100.0, 15.0, 1),
    )
}

WEIGHT_NAMES = tuple(f"components.{c}" for c in COMPONENTS)
RESPECT_NAMES = (
    "respect.base",
    "respect.apology_bonus",
    "respect.per_negative_weight",
    "respect.repeat_decay",
)
DEESC_HANGUP_NAMES = (
    "deescalation.achieved_base",
    "deescalation.achieved_credit",
    "deescalation.failed_base",
    "deescalation.failed_credit",
    "deescalation.per_escalating_turn",
    "hangup.customer",
)
#: nested variants, fewest free parameters first
VARIANTS: dict[str, tuple[str, ...]] = {
    # nothing free: the hand-set values stay unless a fit beats them by more than TIE
    "hand-set": (),
    "weights": WEIGHT_NAMES,
    "weights+respect": WEIGHT_NAMES + RESPECT_NAMES,
    "weights+respect+deescalation+hangup": WEIGHT_NAMES + RESPECT_NAMES + DEESC_HANGUP_NAMES,
}
#: the points off the score per unit of the call reader's probability that the call is
#: disrespectful (``disrespect.penalty``), chosen by cross-validation after the variant and
#: the prior: the best mean of the calls' and the agents' Spearman (a smaller penalty within
#: ``PENALTY_TIE`` of it wins)
PENALTIES = (0.0, 10.0, 20.0, 30.0, 40.0)
PENALTY_TIE = 0.001
#: strength of the prior: 1 = a deviation of one prior scale costs as much as one call whose
#: score is one grade (25 points) off
PRIOR_STRENGTHS = (0.3, 1.0, 3.0)
#: a variant or prior within this much CV Spearman of the best counts as tied; ties go to
#: fewer parameters, then to the stronger prior
TIE = 0.005
#: one rule's findings together weigh at most this much (a habit on every turn, e.g. "du",
#: costs at most per_negative_weight * this): set by hand, not fitted, since no labelled call
#: shows a warm call with one habit (see the README, "How the score is built")
MAX_PER_RULE = 1.0
#: respect with every courtesy element and no disrespect: base + courtesy (see tie_courtesy)
FULL_COURTESY = 100.0


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Calls:
    """The labelled calls as arrays: what the score is computed from, per call."""

    set_name: np.ndarray  # str
    agent: np.ndarray  # str, the labelled agent (the scored one where the label has none)
    grade: np.ndarray  # 1-5
    courtesy: np.ndarray
    apology: np.ndarray  # 0/1
    #: negative respect findings: weight, rank within its (call, rule) heaviest first, and the
    #: (call, rule) group index; group_call maps a group to its call
    neg_weight: np.ndarray
    neg_rank: np.ndarray
    neg_group: np.ndarray
    group_call: np.ndarray
    deesc: np.ndarray  # 0 not_needed, 1 achieved, 2 failed
    credit: np.ndarray
    escalating: np.ndarray
    hangup: np.ndarray  # str outcome
    empathy: np.ndarray  # NaN where it does not apply
    warm_share: np.ndarray  # share of the agent's turns that are warm (NaN: no agent turns)
    tone: np.ndarray  # the tone component, 0-100 (NaN: no move model or agent sentence)
    #: the agent's move profile (detectors.tone "moves"), one column per MOVE_LABELS (NaN rows:
    #: no move model or agent sentence)
    moves: np.ndarray
    #: the call reader's probability that the call is disrespectful (0 without the reader)
    p_rude: np.ndarray

    def __len__(self) -> int:
        return len(self.grade)

    def take(self, mask: np.ndarray) -> Calls:
        idx = np.flatnonzero(mask)
        remap = -np.ones(len(self), dtype=int)
        remap[idx] = np.arange(len(idx))
        keep_groups = np.flatnonzero(mask[self.group_call])
        gremap = -np.ones(len(self.group_call), dtype=int)
        gremap[keep_groups] = np.arange(len(keep_groups))
        keep_neg = mask[self.group_call[self.neg_group]]
        return Calls(
            set_name=self.set_name[idx],
            agent=self.agent[idx],
            grade=self.grade[idx],
            courtesy=self.courtesy[idx],
            apology=self.apology[idx],
            neg_weight=self.neg_weight[keep_neg],
            neg_rank=self.neg_rank[keep_neg],
            neg_group=gremap[self.neg_group[keep_neg]],
            group_call=remap[self.group_call[keep_groups]],
            deesc=self.deesc[idx],
            credit=self.credit[idx],
            escalating=self.escalating[idx],
            hangup=self.hangup[idx],
            empathy=self.empathy[idx],
            warm_share=self.warm_share[idx],
            tone=self.tone[idx],
            moves=self.moves[idx],
            p_rude=self.p_rude[idx],
        )


def negatives(call: dict[str, Any]) -> list[tuple[str, float]]:
    """``(rule_id, weight)`` of a call record's negative respect findings, as the pipeline
    saturates them (``pipeline.build_record``): the call reader's finding is the disrespect
    verdict's explanation, added after the components, so it is left out here too."""
    from toneprobe.detectors.call_reader import RULE_ID as CALL_READER

    return [
        (f["rule_id"], float(f["weight"]))
        for f in call["findings"]
        if f["detector"] == "respect"
        and f["polarity"] == "negative"
        and f["rule_id"] != CALL_READER
    ]


def calls_from_records(records: Sequence[tuple[str, dict[str, Any], int, str | None]]) -> Calls:
    """``(set name, call record, grade, labelled agent)`` per call -> :class:`Calls`."""
    neg_w: list[float] = []
    neg_k: list[int] = []
    neg_g: list[int] = []
    group_call: list[int] = []
    for i, (_, call, _, _) in enumerate(records):
        by_rule: dict[str, list[float]] = {}
        for rule_id, weight in negatives(call):
            by_rule.setdefault(rule_id, []).append(weight)
        for rule_id in sorted(by_rule):
            group_call.append(i)
            for k, weight in enumerate(sorted(by_rule[rule_id], reverse=True)):
                neg_w.append(weight)
                neg_k.append(k)
                neg_g.append(len(group_call) - 1)
    outcome = {"not_needed": 0, "achieved": 1, "failed": 2}
    return Calls(
        set_name=np.array([s for s, _, _, _ in records]),
        agent=np.array([a or c.get("agent") or "(unknown)" for _, c, _, a in records]),
        grade=np.array([g for _, _, g, _ in records], dtype=float),
        courtesy=np.array([float(c["respect"]["courtesy"]) for _, c, _, _ in records]),
        apology=np.array([float(bool(c["respect"]["apology"])) for _, c, _, _ in records]),
        neg_weight=np.array(neg_w, dtype=float),
        neg_rank=np.array(neg_k, dtype=float),
        neg_group=np.array(neg_g, dtype=int),
        group_call=np.array(group_call, dtype=int),
        deesc=np.array([outcome[c["deescalation"]["outcome"]] for _, c, _, _ in records]),
        credit=np.array([float(c["deescalation"]["credit"] or 0.0) for _, c, _, _ in records]),
        escalating=np.array(
            [len(c["deescalation"]["escalating_turns"]) for _, c, _, _ in records], dtype=float
        ),
        hangup=np.array([hangup_outcome(c["hangup"]) for _, c, _, _ in records]),
        empathy=np.array(
            [
                math.nan if c["empathy"]["score"] is None else float(c["empathy"]["score"])
                for _, c, _, _ in records
            ]
        ),
        warm_share=np.array(
            [math.nan if (s := warm_share(c["empathy"])) is None else s for _, c, _, _ in records]
        ),
        tone=np.array(
            [math.nan if (t := tone_score(c["empathy"])) is None else t for _, c, _, _ in records]
        ),
        moves=np.array([profile(c["empathy"]) for _, c, _, _ in records], dtype=float).reshape(
            len(records), len(MOVE_LABELS)
        ),
        p_rude=np.array([p_rude(c) or 0.0 for _, c, _, _ in records], dtype=float),
    )


def p_rude(call: dict[str, Any]) -> float | None:
    """The call reader's probability that a call record is disrespectful (None: no reader)."""
    p = call["respect"].get("disrespect_p")
    return None if p is None else float(p)


def profile(empathy: dict[str, Any]) -> list[float]:
    """The agent's move profile of a call record (NaN without one)."""
    tone = empathy.get("tone") or {}
    moves = tone.get("moves")
    if not moves:
        return [math.nan] * len(MOVE_LABELS)
    return [float(moves.get(m, 0.0)) for m in MOVE_LABELS]


# --------------------------------------------------------------------------- the tone profile

#: ridge penalty of the tone profile's per-move weights (the intercept is not penalised)
TONE_RIDGE = 1.0
#: with fewer calls that have a move profile the tone stays the balance (no fit)
TONE_MIN_CALLS = 50


@dataclass(frozen=True)
class ToneFit:
    """The tone component's fitted form: grade = intercept + moves @ profile."""

    intercept: float
    moves: dict[str, float]


def fit_tone(calls: Calls) -> ToneFit:
    """Ridge regression of the grade on the agent's move profile (calls with a profile)."""
    ok = ~np.isnan(calls.moves).any(axis=1)
    if ok.sum() < TONE_MIN_CALLS:
        return ToneFit(3.0, {})  # too few profiles: the tone stays the balance
    X, y = calls.moves[ok], calls.grade[ok]
    mx, my = X.mean(axis=0), y.mean()
    Xc = X - mx
    coef = np.linalg.solve(Xc.T @ Xc + TONE_RIDGE * np.eye(X.shape[1]), Xc.T @ (y - my))
    coef = np.round(coef, 3)
    return ToneFit(
        round(float(my - mx @ coef), 3), dict(zip(MOVE_LABELS, map(float, coef), strict=True))
    )


def with_tone(calls: Calls, tone: ToneFit) -> Calls:
    """The calls with the tone component the fitted profile gives (``scoring.tone_score``)."""
    if not tone.moves:
        return calls
    coef = np.array([tone.moves[m] for m in MOVE_LABELS])
    grade = tone.intercept + calls.moves @ coef
    return replace(calls, tone=np.clip(25.0 * (grade - 1.0), 0.0, 100.0))


def target(grade: np.ndarray) -> np.ndarray:
    """The point on the 0-100 scale that a grade stands for: 1 -> 0, 3 -> 50, 5 -> 100."""
    return 25.0 * (grade - 1.0)


# --------------------------------------------------------------------------- the model


def predict(values: dict[str, float | None], calls: Calls) -> np.ndarray:
    """empathy_score per call (unrounded), vectorised; the same arithmetic as
    ``scoring.score_summaries`` (a test holds the two together)."""
    n = len(calls)

    def num(name: str) -> float:
        return float(values[name] or 0.0)

    contrib = calls.neg_weight * num("respect.repeat_decay") ** calls.neg_rank
    per_rule = np.bincount(calls.neg_group, contrib, minlength=len(calls.group_call))
    cap = values.get("respect.max_per_rule")
    if cap is not None:
        per_rule = np.minimum(per_rule, cap)
    neg = np.round(np.bincount(calls.group_call, per_rule, minlength=n), 3)
    respect = (
        num("respect.base")
        + num("respect.courtesy") * calls.courtesy
        + num("respect.apology_bonus") * calls.apology
        - num("respect.per_negative_weight") * neg
    )
    penalty = num("deescalation.per_escalating_turn") * calls.escalating
    achieved = (
        num("deescalation.achieved_base")
        + num("deescalation.achieved_credit") * calls.credit
        - penalty
    )
    failed = (
        num("deescalation.failed_base") + num("deescalation.failed_credit") * calls.credit - penalty
    )
    deesc = np.where(calls.deesc == 1, achieved, np.where(calls.deesc == 2, failed, np.nan))
    hangup = np.full(n, np.nan)
    for outcome in ("none", "customer", "agent", "dropped", "agent_boundary"):
        v = values[f"hangup.{outcome}"]
        if v is not None:
            hangup[calls.hangup == outcome] = v
    warmth = 100.0 * np.minimum(1.0, calls.warm_share / num("warmth.full_share"))
    comps = np.stack([deesc, hangup, respect, calls.empathy, warmth, calls.tone], axis=1)
    applies = ~np.isnan(comps)
    comps = np.clip(np.nan_to_num(comps), 0.0, 100.0)
    w = np.array([values[name] or 0.0 for name in WEIGHT_NAMES]) * applies
    total = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (w * comps).sum(axis=1) / total
    score = np.where(total > 0, np.maximum(0.0, mean - disrespect_penalty(values, calls)), 0.0)
    return np.asarray(score)


def disrespect_penalty(values: dict[str, float | None], calls: Calls) -> np.ndarray:
    """The points each call loses for the call reader's probability that it is disrespectful,
    rounded to 0.1 as the pipeline rounds them."""
    return np.asarray(np.round(float(values["disrespect.penalty"] or 0.0) * calls.p_rude, 1))


def _normalised(values: dict[str, float | None]) -> dict[str, float | None]:
    out = dict(values)
    total = sum(float(values[n] or 0.0) for n in WEIGHT_NAMES)
    for n in WEIGHT_NAMES:
        out[n] = float(values[n] or 0.0) / total if total > 0 else 0.25
    return out


def fit(
    calls: Calls,
    free: Sequence[str],
    prior: float,
    start: dict[str, float | None] | None = None,
    targets: np.ndarray | None = None,
) -> dict[str, float | None]:
    """Least squares of the score against ``targets`` (default: the grades' points) plus the
    prior, over the ``free`` parameters; the others keep their ``start`` values. Component
    weights come back normalised to sum 1."""
    start = dict(start or hand_set())
    if not free:
        return _normalised(start)
    centre = hand_set()
    y = target(calls.grade) if targets is None else targets
    n = max(len(calls), 1)
    free = list(free)
    specs = [PARAMS[name] for name in free]
    scales = np.array([p.scale for p in specs])
    mu = np.array([float(centre[name] or 0.0) for name in free])
    weight_idx = [i for i, name in enumerate(free) if name in WEIGHT_NAMES]

    def values_of(x: np.ndarray) -> dict[str, float | None]:
        v = dict(start)
        v.update(zip(free, (float(a) for a in x), strict=True))
        return tie_courtesy(v, free)

    def loss(x: np.ndarray) -> float:
        v = values_of(x)
        raw_total = sum(float(v[w] or 0.0) for w in WEIGHT_NAMES)
        if raw_total <= 0:
            return 1e9
        v = _normalised(v)
        err = predict(v, calls) - y
        z = np.array([float(v[name] or 0.0) for name in free])
        dev = ((z - mu) / scales) ** 2
        # the weights are scale-free in the score; pin their raw sum to 1
        pin = (raw_total - 1.0) ** 2 if weight_idx else 0.0
        return float(np.mean(err**2) / 625.0 + prior * dev.sum() / n + pin)

    x0 = np.array([float(start[name] or 0.0) for name in free])
    res = minimize(
        loss,
        x0,
        method="Nelder-Mead",
        bounds=[(p.lo, p.hi) for p in specs],
        options={"maxfev": 400 * len(free), "xatol": 1e-4, "fatol": 1e-8, "adaptive": True},
    )
    return _normalised(values_of(res.x))


def tie_courtesy(values: dict[str, float | None], free: Sequence[str]) -> dict[str, float | None]:
    """Where ``respect.base`` is fitted, ``respect.courtesy`` is ``100 - base``: a call with
    every courtesy element and no disrespect keeps a respect component of 100 (one parameter
    less, and the component keeps its meaning)."""
    if "respect.base" not in free:
        return values
    return {**values, "respect.courtesy": FULL_COURTESY - float(values["respect.base"] or 0.0)}


def with_penalty(penalty: float) -> dict[str, float | None]:
    """The hand-set start with the call reader's penalty at ``penalty``."""
    return {**hand_set(), "disrespect.penalty": penalty}


def hand_set() -> dict[str, float | None]:
    """Where the fit starts and what its prior pulls towards: the hand-set values with the
    hand-set cap on one rule's weight."""
    values = dict(HAND_SET)
    values["respect.max_per_rule"] = MAX_PER_RULE
    return values


def rounded(values: dict[str, float | None]) -> dict[str, float | None]:
    """The values as written to weights.yaml; the component weights still sum to exactly 1."""
    out = dict(values)
    for name, p in PARAMS.items():
        v = values[name]
        if v is not None:
            out[name] = round(float(v), p.digits)
    if values["respect.courtesy"] is not None and values["respect.base"] is not None:
        tied = abs(
            float(values["respect.base"]) + float(values["respect.courtesy"]) - FULL_COURTESY
        )
        if tied < 1e-9:
            out["respect.courtesy"] = round(FULL_COURTESY - float(out["respect.base"] or 0.0), 1)
    ws = [float(out[n] or 0.0) for n in WEIGHT_NAMES]
    biggest = WEIGHT_NAMES[int(np.argmax(ws))]
    out[biggest] = round(float(out[biggest] or 0.0) + 1.0 - sum(ws), 3)
    return out


# --------------------------------------------------------------------------- statistics


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 2:
        return math.nan
    rx, ry = rankdata(x), rankdata(y)
    if rx.std() == 0 or ry.std() == 0:
        return math.nan
    return float(np.corrcoef(rx, ry)[0, 1])


def agent_means(calls: Calls, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean score and mean grade per (set, agent)."""
    keys = np.char.add(np.char.add(calls.set_name.astype(str), "\x00"), calls.agent.astype(str))
    uniq, inv = np.unique(keys, return_inverse=True)
    count = np.bincount(inv, minlength=len(uniq))
    return (
        np.bincount(inv, scores, minlength=len(uniq)) / count,
        np.bincount(inv, calls.grade, minlength=len(uniq)) / count,
    )


def bootstrap(stat: Any, n: int, reps: int, seed: int = 13) -> tuple[float, float]:
    """95% percentile interval of ``stat(indices)`` over ``reps`` resamples of ``n`` units."""
    rng = np.random.default_rng(seed)
    vals = np.array([stat(rng.integers(0, n, n)) for _ in range(reps)])
    vals = vals[~np.isnan(vals)]
    return float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))


def choose(table: Sequence[tuple[float, int, float, str]]) -> tuple[str, float]:
    """(variant, prior) from ``(CV Spearman, free parameters, prior, variant)`` rows: among
    the rows within TIE of the best, the fewest parameters, then the strongest prior (so the
    hand-set values stay unless a fit beats them by more than TIE)."""
    best = max(rho for rho, *_ in table)
    tied = [t for t in table if t[0] >= best - TIE]
    _, _, prior, vname = min(tied, key=lambda t: (t[1], -t[2]))
    return vname, prior


def cross_validate(
    calls: Calls,
    free: Sequence[str],
    prior: float,
    groups: np.ndarray,
    start: dict[str, float | None] | None = None,
    fitted_tone: bool = True,
) -> np.ndarray:
    """Out-of-fold scores: each group's calls scored with the fit on all other groups (the
    tone profile's weights too, unless ``fitted_tone`` is off: then the tone balance)."""
    oof = np.zeros(len(calls))
    for g in np.unique(groups):
        held = groups == g
        fold = with_tone(calls, fit_tone(calls.take(~held))) if fitted_tone else calls
        values = rounded(fit(fold.take(~held), free, prior, start=start))
        oof[held] = np.round(predict(values, fold.take(held)), 1)
    return oof


def agent_folds(calls: Calls, k: int = 6) -> np.ndarray:
    """k folds of whole agents (agents sorted by set and name, dealt out in turn)."""
    keys = np.char.add(np.char.add(calls.set_name.astype(str), "\x00"), calls.agent.astype(str))
    uniq, inv = np.unique(keys, return_inverse=True)
    return np.asarray(inv % k)


# --------------------------------------------------------------------------- weights.yaml


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "null"
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def tone_lines(tone: ToneFit) -> list[str]:
    """weights.yaml's ``tone`` section (none without fitted per-move weights)."""
    if not tone.moves:
        return []
    return [
        "tone:  # the component is the grade the agent's move profile stands for (detectors.tone):",
        f"  # intercept + each move's weight times the profile; fitted (ridge {TONE_RIDGE:g})",
        f"  intercept: {tone.intercept:g}",
        "  moves:",
        *(f"    {m}: {c:g}" for m, c in tone.moves.items()),
    ]


def render_weights(
    values: dict[str, float | None], free: Sequence[str], header: str, tone: ToneFit
) -> str:
    """weights.yaml with ``values`` and the tone profile's weights; each line says whether its
    value is fitted or hand-set."""

    def line(name: str, text: str, comment: str) -> str:
        digits = PARAMS[name].digits if name in PARAMS else 1
        how = "fitted" if name in free else "hand-set"
        if name == "disrespect.penalty":
            how = "chosen by CV"
        if name == "respect.courtesy" and "respect.base" in free:
            how = f"fitted as {FULL_COURTESY:g} - base"
        key = name.split(".", 1)[1]
        return f"  {key}: {_fmt(values[name], digits)}".ljust(30) + f"# {how}: {comment}"

    lines = [
        "# How the per-call empathy_score (0-100) is built from the detector components.",
        *(f"# {h}" for h in header.splitlines()),
        "# Written by scripts/fit_composite.py (`make fit-composite`); do not edit the values by",
        "# hand: re-run it after a detector changes (`--check` says whether this file is in sync).",
        "# The score is the weighted mean of the components that apply to a call (a routine call",
        "# has no de-escalation or empathy opportunity, a dropped line says nothing about the agent).",
        "version: 1",
        "components:",
        line("components.deescalation", "", "weight of the de-escalation component"),
        line("components.hangup", "", "weight of the hang-up component"),
        line("components.respect", "", "weight of the respect component"),
        line("components.empathy", "", "weight of the empathy component"),
        line("components.warmth", "", "weight of the warmth component"),
        line("components.tone", "", "weight of the tone component (the six sum to 1)"),
        "respect:  # base + courtesy * share + apology_bonus - per_negative_weight * negative weight",
        line("respect.base", "", "a call with no courtesy markers and no disrespect"),
        line("respect.courtesy", "", "added in proportion to the courtesy elements present"),
        line("respect.apology_bonus", "", "added when the agent apologises"),
        line("respect.per_negative_weight", "", "subtracted per unit of disrespect weight"),
        line(
            "respect.repeat_decay",
            "",
            "each repeat of one rule in a call counts this share of the one before",
        ),
        line(
            "respect.max_per_rule",
            "",
            "one rule's findings together weigh at most this (null: no cap)",
        ),
        "deescalation:  # an upset customer; credit = share of agent turns that helped, 0..1",
        line("deescalation.achieved_base", "", "customer calmed: base ..."),
        line("deescalation.achieved_credit", "", "... + this * credit"),
        line("deescalation.failed_base", "", "customer not calmed: base ..."),
        line("deescalation.failed_credit", "", "... + this * credit"),
        line(
            "deescalation.per_escalating_turn", "", "subtracted per agent turn that made it worse"
        ),
        "hangup:",
        line("hangup.none", "", "the call ended normally"),
        line("hangup.customer", "", "the customer broke off"),
        line("hangup.agent", "", "the agent ended the call on an upset customer"),
        line("hangup.dropped", "", "not the agent's doing: the component does not apply"),
        line(
            "hangup.agent_boundary",
            "",
            "the agent ended it on a customer's insults: a boundary, does not apply",
        ),
        "warmth:  # share of agent turns that acknowledge, understand or reassure, / full_share",
        line("warmth.full_share", "", "this share of warm agent turns scores 100"),
        *tone_lines(tone),
        "disrespect:  # the call as a whole: the call reader's probability that it is disrespectful",
        line(
            "disrespect.penalty",
            "",
            "points off the weighted mean, times that probability",
        ),
        "agents:",
        "  low_n: 5                    # agents with fewer calls are marked low_n",
    ]
    return "\n".join(lines) + "\n"


def check_weights_file(text: str) -> None:
    """The rendered file must load as the package loads weights.yaml."""
    import yaml

    from toneprobe.scoring import parse_weights

    parse_weights(yaml.safe_load(text), "weights.yaml")


# --------------------------------------------------------------------------- scoring the sets


def parse_set(arg: str) -> tuple[str, str, str]:
    """``DIR`` (labels in DIR/labels.csv, calls in DIR/calls or DIR) or ``CALLS:LABELS``."""
    if ":" in arg:
        calls, labels = arg.split(":", 1)
        return Path(labels).parent.name, calls, labels
    d = Path(arg)
    calls_dir = d / "calls" if (d / "calls").is_dir() else d
    return d.name, str(calls_dir), str(d / "labels.csv")


def score_sets(
    sets: Sequence[tuple[str, str, str]],
) -> list[tuple[str, dict[str, Any], int, str | None]]:
    """Score every set once with the code behind ``toneprobe evaluate``: (set, call record,
    grade, labelled agent) per call that has an empathy grade."""
    from toneprobe.commands.workflows import ScoreOptions, score_inputs
    from toneprobe.config import load_config
    from toneprobe.evaluate import load_labels

    config = load_config(None)
    out = []
    for name, calls_path, labels_path in sets:
        labels = load_labels(labels_path)
        items, _ = score_inputs([calls_path], ScoreOptions(quiet=True), config)
        for call, _transcript in items:
            label = labels.get(str(call["call_id"]))
            if label is not None and label.empathy is not None:
                out.append((name, call, label.empathy, label.agent))
    return out


def rescored(
    records: Sequence[tuple[str, dict[str, Any], int, str | None]], values: dict[str, float | None]
) -> list[dict[str, Any]]:
    """The call records scored again with ``values`` through ``scoring.score_summaries``."""
    from toneprobe.scoring import parse_weights

    w = parse_weights(as_weights_dict(values), "fitted values")
    from toneprobe.scoring import score_summaries

    out = []
    for _, call, _, _ in records:
        summaries = {k: call[k] for k in DETECTOR_SUMMARIES}
        _, components, score = score_summaries(summaries, negatives(call), w, p_rude(call))
        out.append({**call, "empathy_score": score, "components": components})
    return out


def as_weights_dict(values: dict[str, float | None]) -> dict[str, Any]:
    data: dict[str, Any] = {"version": 1, "agents": {"low_n": 5}}
    for name, v in values.items():
        section, key = name.split(".", 1)
        data.setdefault(section, {})[key] = v
    return data


def set_figures(
    records: Sequence[tuple[str, dict[str, Any], int, str | None]],
    calls: list[dict[str, Any]],
) -> dict[str, tuple[float | None, float | None]]:
    """Per set, as ``toneprobe evaluate`` reports them: (Spearman of the calls, of the agents)."""
    from toneprobe.evaluate import Label, evaluate

    out = {}
    for name in dict.fromkeys(s for s, _, _, _ in records):
        pairs = [(c, r) for c, r in zip(calls, records, strict=True) if r[0] == name]
        labels = {
            str(c["call_id"]): Label(str(c["call_id"]), agent=r[3], empathy=r[2]) for c, r in pairs
        }
        res = evaluate([c for c, _ in pairs], labels)
        out[name] = (res.empathy_spearman, res.agent_spearman)
    return out


# --------------------------------------------------------------------------- main


def _r(x: float | None) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def run(
    sets: Sequence[tuple[str, str, str]],
    reps: int,
    variant: str | None = None,
    prior: float | None = None,
) -> tuple[str, str]:
    """Score, choose, fit, cross-validate; returns (weights.yaml text, report). ``variant``
    and ``prior`` fix what is otherwise chosen by cross-validation."""
    t0 = time.perf_counter()
    records = score_sets(sets)
    calls = calls_from_records(records)
    tone = fit_tone(calls)
    tuned = with_tone(calls, tone)
    t_score = time.perf_counter() - t0
    n = len(calls)
    report: list[str] = [
        f"{n} labelled calls in {len(sets)} sets ({', '.join(s for s, _, _ in sets)}), "
        f"{len(np.unique(np.char.add(calls.set_name, calls.agent)))} agents; scored in "
        f"{t_score:.1f} s"
    ]
    if len(np.unique(calls.set_name)) >= 2:
        cv_groups, cv_name = np.unique(calls.set_name, return_inverse=True)[1], "leave one set out"
    else:  # one set: whole agents are held out instead
        cv_groups, cv_name = agent_folds(calls), "6 folds of agents"
    hand = dict(HAND_SET)
    # scores as the product reports them: rounded to 0.1 (ties as in `toneprobe evaluate`)
    before = np.round(predict(hand, calls), 1)

    # choose the variant and the prior by cross-validation
    report.append(f"\nCV Spearman (calls, {cv_name}), by free parameters and prior:")
    table: list[tuple[float, int, float, str]] = []
    for vname, free in VARIANTS.items():
        if variant is not None and vname != variant:
            continue
        row = []
        strengths = PRIOR_STRENGTHS if prior is None else (prior,)
        for strength in strengths if free else strengths[-1:]:
            oof = cross_validate(calls, free, strength, cv_groups)
            rho = spearman(oof, calls.grade)
            table.append((rho, len(free), strength, vname))
            row.append(f"prior {strength:g}: {_r(rho)}" if free else f"no fit: {_r(rho)}")
        report.append(f"  {vname} ({len(free)} free): " + ", ".join(row))
    vname, prior = choose(table)
    best = max(rho for rho, *_ in table)
    free = VARIANTS[vname]
    report.append(
        f"chosen: {vname}, prior {prior:g} (fewest parameters, then strongest prior, "
        f"within {TIE} of the best {best:.3f})"
    )

    # the call reader's penalty, by cross-validation with the chosen variant and prior: on the
    # mean of the calls' and the agents' Spearman (the score is read per call and per agent)
    report.append(
        f"\nCV ({cv_name}) by disrespect.penalty (points off the score times the call reader's "
        "probability): Spearman of the calls / of the agents (pooled) / their mean"
    )
    by_penalty: list[tuple[float, float, np.ndarray]] = []
    for pen in PENALTIES:
        oof = cross_validate(calls, free, prior, cv_groups, start=with_penalty(pen))
        rho_calls = spearman(oof, calls.grade)
        rho_agents = spearman(*agent_means(calls, oof))
        by_penalty.append((pen, (rho_calls + rho_agents) / 2, oof))
        report.append(f"  {pen:g}: {_r(rho_calls)} / {_r(rho_agents)} / {_r(by_penalty[-1][1])}")
    best_pen = max(both for _, both, _ in by_penalty)
    penalty, _, oof_set = next(row for row in by_penalty if row[1] >= best_pen - PENALTY_TIE)
    report.append(f"chosen: {penalty:g} (the smallest within {PENALTY_TIE} of the best mean)")
    start = with_penalty(penalty)

    values = rounded(fit(tuned, free, prior, start=start))
    after = np.round(predict(values, tuned), 1)
    with_profile: dict[str, Any] = {
        **values,
        "tone.intercept": tone.intercept,
        "tone.moves": tone.moves,
    }

    def call_ci(scores: np.ndarray) -> tuple[float, float]:
        return bootstrap(lambda i: spearman(scores[i], calls.grade[i]), n, reps)

    def diff_ci(scores: np.ndarray) -> tuple[float, float]:
        return bootstrap(
            lambda i: spearman(scores[i], calls.grade[i]) - spearman(before[i], calls.grade[i]),
            n,
            reps,
        )

    def agent_rho(scores: np.ndarray) -> tuple[float, tuple[float, float]]:
        s, g = agent_means(calls, scores)
        return spearman(s, g), bootstrap(lambda i: spearman(s[i], g[i]), len(s), reps)

    report.append(
        "\nSpearman of score and grade over all calls (95% bootstrap interval; "
        "difference to the hand-set weights, paired):"
    )
    rows = [
        ("hand-set weights", before),
        ("fitted, in-sample", after),
        (f"fitted, CV {cv_name}", oof_set),
    ]
    if cv_name != "6 folds of agents":
        rows.append(
            (
                "fitted, CV 6 folds of agents",
                cross_validate(calls, free, prior, agent_folds(calls), start=start),
            )
        )
    for label, scores in rows:
        lo, hi = call_ci(scores)
        rho_a, (alo, ahi) = agent_rho(scores)
        extra = ""
        if scores is not before:
            dlo, dhi = diff_ci(scores)
            extra = f"; vs hand-set {spearman(scores, calls.grade) - spearman(before, calls.grade):+.3f} [{dlo:+.3f}, {dhi:+.3f}]"
        report.append(
            f"  {label}: calls {_r(spearman(scores, calls.grade))} [{lo:.3f}, {hi:.3f}]{extra}; "
            f"agents (pooled) {_r(rho_a)} [{alo:.3f}, {ahi:.3f}]"
        )

    # per set, as `toneprobe evaluate` reports it (the real scoring path, rounded values)
    per_before = set_figures(records, rescored(records, hand))
    per_after = set_figures(records, rescored(records, with_profile))
    cv_calls = [
        {**c, "empathy_score": float(s)} for (_, c, _, _), s in zip(records, oof_set, strict=True)
    ]
    per_cv = set_figures(records, cv_calls)
    report.append("\nper set (toneprobe evaluate's figures): calls / agents Spearman")
    report.append(f"  set: hand-set -> fitted in-sample; CV ({cv_name})")
    for name in per_before:
        b, a, c = per_before[name], per_after[name], per_cv[name]
        report.append(
            f"  {name}: {_r(b[0])} / {_r(b[1])} -> {_r(a[0])} / {_r(a[1])}; {_r(c[0])} / {_r(c[1])}"
        )
    no_cap = {**start, "respect.max_per_rule": None}
    oof_no_cap = cross_validate(calls, free, prior, cv_groups, start=no_cap)
    report.append(
        f"\nrespect.max_per_rule {MAX_PER_RULE:g} (hand-set) vs no cap: CV {cv_name} "
        f"{_r(spearman(oof_set, calls.grade))} vs {_r(spearman(oof_no_cap, calls.grade))}"
    )
    oof_balance = cross_validate(calls, free, prior, cv_groups, start=start, fitted_tone=False)
    report.append(
        f"tone as the fitted move profile vs as the balance: CV {cv_name} "
        f"{_r(spearman(oof_set, calls.grade))} vs {_r(spearman(oof_balance, calls.grade))}"
    )
    report.append(
        f"tone profile (grade = {tone.intercept:g} + ...): "
        + ", ".join(f"{m} {c:+g}" for m, c in tone.moves.items())
    )
    report.append("\nfitted values (hand-set in brackets):")
    shown = [*free, *(["respect.courtesy"] if "respect.base" in free else [])]
    for name in shown:
        report.append(f"  {name}: {values[name]} ({hand[name]})")

    header = (
        f"Fitted to the human 1-5 empathy grades of {n} labelled calls "
        f"({', '.join(s for s, _, _ in sets)}).\n"
        + (f"Free: {vname}, prior {prior:g}." if free else "Free: none (no fit did better).")
        + f" Call reader's penalty {penalty:g} (by CV).\n"
        f"Spearman of score and grade, cross-validated ({cv_name}): "
        f"{spearman(oof_set, calls.grade):.3f} (in-sample "
        f"{spearman(after, calls.grade):.3f}; hand-set weights {spearman(before, calls.grade):.3f})."
    )
    text = render_weights(values, free, header, tone)
    check_weights_file(text)
    report.append(f"\ndone in {time.perf_counter() - t0:.1f} s")
    return text, "\n".join(report)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "sets",
        nargs="*",
        help="further labelled sets: DIR (DIR/labels.csv, calls in DIR/calls or DIR) or CALLS:LABELS",
    )
    ap.add_argument("--only", action="store_true", help="fit on the given sets only")
    ap.add_argument("--weights", type=Path, default=WEIGHTS_FILE, help="the file to write/check")
    ap.add_argument(
        "--check", action="store_true", help="exit 1 if the file differs, write nothing"
    )
    ap.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples")
    ap.add_argument("--variant", choices=list(VARIANTS), help="free parameters (default: by CV)")
    ap.add_argument("--prior", type=float, help="strength of the prior (default: by CV)")
    args = ap.parse_args(argv)
    extra = [parse_set(s) for s in args.sets]
    sets = extra if args.only else [*DEFAULT_SETS, *extra]
    if not sets:
        ap.error("no labelled sets")
    for _, calls_path, labels_path in sets:
        for p in (calls_path, labels_path):
            if not Path(p).exists():
                print(f"Error: {p}: not found", file=sys.stderr)
                return 2
    text, report = run(sets, args.bootstrap, args.variant, args.prior)
    print(report)
    current = args.weights.read_text(encoding="utf-8") if args.weights.exists() else None
    if args.check:
        diff = check(current, text, yaml.safe_load)
        if diff:
            print(
                f"{args.weights} is not what scripts/fit_composite.py writes ({diff}): re-run it",
                file=sys.stderr,
            )
            return 1
        print(f"{args.weights} is in sync", file=sys.stderr)
        return 0
    if current != text:
        args.weights.write_text(text, encoding="utf-8")
        print(f"wrote {args.weights}", file=sys.stderr)
    else:
        print(f"{args.weights} unchanged", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

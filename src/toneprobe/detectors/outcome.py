"""The learned de-escalation outcome: was the customer upset, and were they calmed?

The rules of ``deescalation.py`` read an upset level per customer turn and decide with
thresholds. Two small logistic regressions, fitted on the project's labelled calls by
``scripts/fit_deesc_outcome.py`` (``data/deesc_outcome.json``), read the same evidence as
numbers (the upset trajectory, the customer-state model's anger, worry, relief and
problem-report probabilities, the rule cues, the credited and escalating agent turns, how
many of the agent's sentences the agent-move model reads as acknowledging a feeling,
apologising, reassuring, promising a next step or offering an alternative (an agent answers
upset with these: they tell an upset customer the state model missed, in polite or written
words, from a calm report; and a calmed one from a failed call), how the call ended) and
answer two questions in turn: *upset?* (else ``not_needed``) and, for an upset
customer, *calmed?* (``achieved``, else ``failed``). Each answer names the evidence that
weighed most, as a rule names its words: a feature's weight times how far the call's value
lies from the labelled calls' mean.

Pure functions and a frozen model; nothing here reads a transcript.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from toneprobe.errors import ConfigError
from toneprobe.findings import Finding

MODEL_FILE = "deesc_outcome.json"
STATES = ("anger_frustration", "worry", "relief_satisfaction", "problem_report")
STATE_WORDS = {
    "anger_frustration": "anger",
    "worry": "worry",
    "relief_satisfaction": "relief",
    "problem_report": "a plain problem report",
}
UPSET_LEVEL = 0.5  # a customer turn at this level counts in ``upset_turns``
#: the agent-move model's moves whose sentences (p >= ``MOVE_LEVEL``) the model counts
AGENT_MOVES = {
    "acknowledge_feeling": "acknowledging a feeling",
    "apology_ownership": "apologising",
    "reassurance": "reassuring",
    "commitment_next_step": "promising a next step",
    "alternative_offered": "offering an alternative",
}
MOVE_LEVEL = 0.5

#: every feature the model reads, with the words an explanation uses for it
FEATURES: dict[str, str] = {
    "peak": "peak upset",
    "end": "upset at the end",
    "last": "upset in the last customer turn",
    "drop": "drop from the peak to the end",
    "upset_share": "share of customer turns upset",
    "upset_turns": "customer turns upset",
    **{f"max_{s}": f"highest {w}" for s, w in STATE_WORDS.items()},
    **{f"end_{s}": f"{w} in the last two customer turns" for s, w in STATE_WORDS.items()},
    **{f"last_{s}": f"{w} in the last customer turn" for s, w in STATE_WORDS.items()},
    "upset_cues": "upset cues",
    "calm_end": "a calm cue at the end",
    "resigned_end": "resignation at the end",
    "credit": "share of agent turns credited",
    "credited_turns": "credited agent turns",
    "escalating_turns": "escalating agent turns",
    "hangup_agent": "the agent hung up",
    "hangup_customer": "the customer broke off",
    "hangup_dropped": "the line dropped",
    **{f"agent_{m}": f"agent sentences: {w} (move model)" for m, w in AGENT_MOVES.items()},
}
#: features that count something, stored as count / cap (shown to users as the count)
COUNT_CAPS = {
    "upset_turns": 3,
    "upset_cues": 3,
    "credited_turns": 3,
    "escalating_turns": 2,
    **{f"agent_{m}": 3 for m in AGENT_MOVES},
}
FLAGS = frozenset({"calm_end", "resigned_end", "hangup_agent", "hangup_customer", "hangup_dropped"})


def shown(feature: str, value: float) -> str:
    """A feature's value as a user reads it: a count, yes/no, or a level."""
    if feature in COUNT_CAPS:
        count = round(value * COUNT_CAPS[feature])
        return f"{count}+" if count == COUNT_CAPS[feature] else str(count)
    if feature in FLAGS:
        return "yes" if value else "no"
    return f"{value:.2f}"


def outcome_features(
    summary: Mapping[str, Any],
    cues: Iterable[Finding],
    hangup: str,
    moves: Iterable[Any] = (),
) -> dict[str, float]:
    """The model's inputs for one call, from the rule summary of ``DeEscalation`` (its
    trajectory, end level, credited and escalating turns), the customer's cue findings, the
    hang-up outcome and the agent-move model's reading of the agent turns (``moves``:
    ``CallContext.moves``; without it the agent counts are 0). Needs the customer-state
    model's probabilities in the trajectory."""
    points = summary["trajectory"]
    levels = [float(p["upset"]) for p in points]
    states = [p["states"] for p in points if p.get("states")]
    end_turns = {p["turn"] for p in points[-2:]}
    cues = list(cues)
    f: dict[str, float] = {
        "peak": max(levels, default=0.0),
        "end": float(summary["end_upset"] or 0.0),
        "last": levels[-1] if levels else 0.0,
        "upset_share": sum(v >= UPSET_LEVEL for v in levels) / max(1, len(levels)),
        "upset_turns": min(3, sum(v >= UPSET_LEVEL for v in levels)) / 3,
    }
    f["drop"] = f["peak"] - f["end"]
    for s in STATES:
        f[f"max_{s}"] = max((x[s] for x in states), default=0.0)
        f[f"end_{s}"] = max((x[s] for x in states[-2:]), default=0.0)
        f[f"last_{s}"] = states[-1][s] if states else 0.0
    f["upset_cues"] = min(3, sum(c.kind == "upset" for c in cues)) / 3
    f["calm_end"] = float(any(c.kind == "calm" and c.turn in end_turns for c in cues))
    f["resigned_end"] = float(any(c.kind == "resigned" and c.turn in end_turns for c in cues))
    f["credit"] = float(summary["credit"] or 0.0)
    f["credited_turns"] = min(3, len(summary["credited_turns"])) / 3
    f["escalating_turns"] = min(2, len(summary["escalating_turns"])) / 2
    for how in ("agent", "customer", "dropped"):
        f[f"hangup_{how}"] = float(hangup == how)
    sentences = [s.probs for m in moves if m is not None for s in m.sentences]
    for m in AGENT_MOVES:
        n = sum(p.get(m, 0.0) >= MOVE_LEVEL for p in sentences)
        f[f"agent_{m}"] = min(COUNT_CAPS[f"agent_{m}"], n) / COUNT_CAPS[f"agent_{m}"]
    return {name: round(f[name], 4) for name in FEATURES}


@dataclass(frozen=True, slots=True)
class Stage:
    """One logistic regression: P(yes) = sigmoid(intercept + sum of coef * feature)."""

    question: str
    intercept: float
    coef: Mapping[str, float]
    mean: Mapping[str, float]  # the labelled calls' mean of each feature (for explanations)

    def probability(self, x: Mapping[str, float]) -> float:
        z = self.intercept + sum(w * x[k] for k, w in self.coef.items())
        return 1.0 / (1.0 + math.exp(-z))

    def weighed(self, x: Mapping[str, float], toward: bool, n: int = 3) -> list[dict[str, Any]]:
        """The ``n`` features that pushed this call most toward the answer (``toward`` yes or
        no): weight times the distance from the mean, in log-odds."""
        sign = 1.0 if toward else -1.0
        parts = [(sign * w * (x[k] - self.mean[k]), k) for k, w in self.coef.items()]
        top = sorted((p for p in parts if p[0] > 0.05), reverse=True)[:n]
        return [
            {
                "feature": k,
                "what": FEATURES[k],
                "value": round(x[k], 3),
                "shown": shown(k, x[k]),
                "weight": round(p, 2),
            }
            for p, k in top
        ]


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: str  # achieved | failed | not_needed
    p_upset: float
    p_calmed: float | None  # None where the customer was not upset
    weighed: list[dict[str, Any]]
    hung_up: bool = False  # calmed by the model's reading, but either side hung up

    def reason(self) -> str:
        words = "; ".join(f"{w['what']}: {w['shown']}" for w in self.weighed) or "no one sign"
        if self.outcome == "not_needed":
            return f"learned: not upset (p {self.p_upset:.2f}; {words})"
        calmed = "calmed" if self.outcome == "achieved" or self.hung_up else "not calmed"
        why = f"learned: upset (p {self.p_upset:.2f}), {calmed} (p {self.p_calmed:.2f}; {words})"
        return f"{why}; but the call ended with a hang-up" if self.hung_up else why

    def to_dict(self) -> dict[str, Any]:
        return {
            "p_upset": round(self.p_upset, 3),
            "p_calmed": None if self.p_calmed is None else round(self.p_calmed, 3),
            "weighed": self.weighed,
        }


@dataclass(frozen=True, slots=True)
class OutcomeModel:
    upset: Stage
    calmed: Stage

    def decide(self, x: Mapping[str, float]) -> Verdict:
        """Upset? then calmed? A hang-up by the agent or the customer means nobody was
        calmed, whatever the model reads: ``failed``."""
        p_upset = self.upset.probability(x)
        if p_upset < 0.5:
            return Verdict("not_needed", p_upset, None, self.upset.weighed(x, toward=False))
        p_calmed = self.calmed.probability(x)
        calmed = p_calmed >= 0.5
        hung_up = calmed and bool(x["hangup_agent"] or x["hangup_customer"])
        return Verdict(
            "achieved" if calmed and not hung_up else "failed",
            p_upset,
            p_calmed,
            self.calmed.weighed(x, toward=calmed),
            hung_up,
        )


def parse_model(raw: Mapping[str, Any], where: str) -> OutcomeModel:
    """The model from its JSON form; ConfigError names the file and the field."""

    def stage(name: str) -> Stage:
        try:
            part = raw["stages"][name]
            coef = {str(k): float(v) for k, v in part["coef"].items()}
            mean = {str(k): float(v) for k, v in part["mean"].items()}
            intercept = float(part["intercept"])
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise ConfigError(f"{where}: stages.{name}: malformed ({err})") from err
        unknown = sorted((set(coef) | set(mean)) - set(FEATURES))
        if unknown:
            raise ConfigError(f"{where}: stages.{name}: unknown features {unknown}")
        if set(mean) != set(coef):
            raise ConfigError(f"{where}: stages.{name}: every coefficient needs a mean")
        return Stage(name, intercept, coef, mean)

    return OutcomeModel(stage("upset"), stage("calmed"))


@lru_cache(maxsize=1)
def outcome_model() -> OutcomeModel | None:
    """The shipped model (``toneprobe/data/deesc_outcome.json``); None if the file is absent
    (the rules then decide alone)."""
    ref = resources.files("toneprobe") / "data" / MODEL_FILE
    where = f"toneprobe/data/{MODEL_FILE}"
    if not ref.is_file():
        return None
    try:
        raw = json.loads(ref.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"{where}: cannot read the model ({err})") from err
    return parse_model(raw, where)

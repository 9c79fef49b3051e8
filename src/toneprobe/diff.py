"""What changed between two scorings of the same calls (``toneprobe diff OLD NEW``).

Pure functions over call records (as :func:`toneprobe.records.iter_call_records` yields them):
:func:`summarize` keeps what a comparison needs of one record, :func:`diff_scorings` joins two
scorings on ``(source, call_id)`` and returns a :class:`Diff`: outcome confusion tables per
detector, calls whose ``empathy_score`` moved by more than a threshold, findings that appeared
or vanished per rule id, per-agent score shifts with 95% intervals, and the calls found in one
scoring only. :func:`parse_condition` and :func:`check_conditions` evaluate ``--fail-on``
conditions such as ``changed_outcomes>5%``. Nothing here reads files or prints.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from toneprobe.errors import ConfigError
from toneprobe.scoring import mean_ci95, surname_aliases, t95_half_width

DETECTORS = ("deescalation", "hangup", "disrespect")
#: the outcomes each detector can give, in table order (others found in the data are appended)
OUTCOME_LABELS: dict[str, tuple[str, ...]] = {
    "deescalation": ("achieved", "failed", "not_needed"),
    "hangup": ("none", "agent", "customer", "dropped"),
    "disrespect": ("no", "yes"),
}
DEFAULT_THRESHOLD = 5.0

FindingKey = tuple[str, int, int, int]  # rule id, turn, start, end


@dataclass(frozen=True, slots=True)
class CallRef:
    source: str
    call_id: str

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "call_id": self.call_id}


@dataclass(frozen=True, slots=True)
class CallSummary:
    """What a comparison needs of one call record."""

    ref: CallRef
    agent: str
    score: float | None
    outcomes: tuple[str, ...]  # one per DETECTORS
    findings: tuple[FindingKey, ...]  # sorted

    @property
    def key(self) -> tuple[str, str]:
        return call_key(self.ref.source, self.ref.call_id)


def call_key(source: str | None, call_id: str) -> tuple[str, str]:
    """The identity of a call across scorings: normalised source path and call id (the same
    key as ``score --resume`` uses)."""
    return (os.path.normpath(source) if source and source != "-" else "-", str(call_id))


def summarize(rec: dict[str, Any]) -> CallSummary:
    """The comparable part of a call record (one checked by ``records.check_call_record``)."""
    findings = sorted(
        (str(f["rule_id"]), int(f["turn"]), int(f.get("start") or 0), int(f.get("end") or 0))
        for f in rec["findings"]
    )
    score = rec["empathy_score"]
    return CallSummary(
        ref=CallRef(str(rec["source"] or "-"), str(rec["call_id"])),
        agent=str(rec["agent"] or "(unknown)"),
        score=None if score is None else float(score),
        outcomes=(
            str(rec["deescalation"]["outcome"]),
            str(rec["hangup"]["outcome"]),
            "yes" if rec["respect"]["disrespect"] else "no",
        ),
        findings=tuple(findings),
    )


@dataclass(frozen=True, slots=True)
class OutcomeChange:
    ref: CallRef
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class OutcomeTable:
    """Old outcome (rows) against new outcome (columns) over the calls in both scorings."""

    detector: str
    labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]  # counts[i][j]: old labels[i], new labels[j]
    changed: tuple[OutcomeChange, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "matrix": {
                old: {new: self.counts[i][j] for j, new in enumerate(self.labels)}
                for i, old in enumerate(self.labels)
            },
            "changed": len(self.changed),
            "calls": [{**c.ref.to_dict(), "old": c.old, "new": c.new} for c in self.changed],
        }


@dataclass(frozen=True, slots=True)
class ScoreMove:
    ref: CallRef
    agent: str
    old: float | None
    new: float | None

    @property
    def delta(self) -> float | None:
        return None if self.old is None or self.new is None else round(self.new - self.old, 1)

    def to_dict(self) -> dict[str, Any]:
        return {**self.ref.to_dict(), "agent": self.agent, "old": self.old, "new": self.new,
                "delta": self.delta}  # fmt: skip


@dataclass(frozen=True, slots=True)
class RuleChange:
    """Findings of one rule id that appeared (only in the new scoring) or vanished."""

    rule_id: str
    appeared: int
    vanished: int
    appeared_calls: tuple[CallRef, ...]
    vanished_calls: tuple[CallRef, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "appeared": self.appeared,
            "vanished": self.vanished,
            "appeared_calls": [r.to_dict() for r in self.appeared_calls],
            "vanished_calls": [r.to_dict() for r in self.vanished_calls],
        }


@dataclass(frozen=True, slots=True)
class AgentShift:
    """An agent's score (mean over their calls, 95% t interval) in each scoring, and the
    shift over the calls in both (mean of the paired differences, 95% t interval)."""

    agent: str
    old_calls: int
    old_score: float | None
    old_ci95: tuple[float, float] | None
    new_calls: int
    new_score: float | None
    new_ci95: tuple[float, float] | None
    paired_calls: int
    shift: float | None
    shift_ci95: tuple[float, float] | None

    def to_dict(self) -> dict[str, Any]:
        def pair(v: tuple[float, float] | None) -> list[float] | None:
            return None if v is None else [v[0], v[1]]

        return {
            "agent": self.agent,
            "old": {"calls": self.old_calls, "empathy_score": self.old_score,
                    "ci95": pair(self.old_ci95)},
            "new": {"calls": self.new_calls, "empathy_score": self.new_score,
                    "ci95": pair(self.new_ci95)},
            "paired_calls": self.paired_calls,
            "shift": self.shift,
            "shift_ci95": pair(self.shift_ci95),
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Diff:
    n_old: int
    n_new: int
    matched: int
    only_old: tuple[CallRef, ...]
    only_new: tuple[CallRef, ...]
    outcomes: tuple[OutcomeTable, ...]
    changed_outcome_calls: tuple[CallRef, ...]  # any detector's outcome changed
    threshold: float
    moved: tuple[ScoreMove, ...]  # |delta| > threshold, largest first
    max_move: float  # largest |delta| over the calls in both (0 when none)
    rules: tuple[RuleChange, ...]
    agents: tuple[AgentShift, ...]
    changed_calls: tuple[CallRef, ...]  # any outcome, finding or score differs
    duplicates_old: int = 0  # records with a (source, call_id) seen before in the same file
    duplicates_new: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "calls": {"old": self.n_old, "new": self.n_new, "in_both": self.matched,
                      "changed": len(self.changed_calls)},
            "changed_calls": [r.to_dict() for r in self.changed_calls],
            "only_old": [r.to_dict() for r in self.only_old],
            "only_new": [r.to_dict() for r in self.only_new],
            "outcomes": {t.detector: t.to_dict() for t in self.outcomes},
            "changed_outcomes": {"count": len(self.changed_outcome_calls),
                                 "calls": [r.to_dict() for r in self.changed_outcome_calls]},
            "score_moves": {"threshold": self.threshold, "count": len(self.moved),
                            "max_move": self.max_move, "calls": [m.to_dict() for m in self.moved]},
            "findings": [r.to_dict() for r in self.rules],
            "agents": [a.to_dict() for a in self.agents],
            "duplicates": {"old": self.duplicates_old, "new": self.duplicates_new},
        }  # fmt: skip


def _index(calls: Iterable[CallSummary]) -> tuple[dict[tuple[str, str], CallSummary], int]:
    """Calls by key, in first-seen order; a later record of the same call replaces it."""
    out: dict[tuple[str, str], CallSummary] = {}
    dupes = 0
    for c in calls:
        if c.key in out:
            dupes += 1
        out[c.key] = c
    return out, dupes


def mean_interval(values: list[float]) -> tuple[float, tuple[float, float] | None]:
    """Mean and two-sided 95% t interval (None for a single value); not clamped."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, None
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    half = t95_half_width(n, var)
    return mean, (mean - half, mean + half)


def _agent_scores(
    calls: Iterable[CallSummary], alias: dict[str, str]
) -> dict[str, tuple[int, float | None, tuple[float, float] | None]]:
    sums: dict[str, list[float]] = {}
    for c in calls:
        if c.score is not None:
            sums.setdefault(alias.get(c.agent, c.agent), []).append(c.score)
    out: dict[str, tuple[int, float | None, tuple[float, float] | None]] = {}
    for name, scores in sums.items():
        stats = mean_ci95(len(scores), sum(scores), sum(s * s for s in scores))
        assert stats is not None
        mean, lo, hi = stats
        out[name] = (len(scores), round(mean, 1), (round(lo, 1), round(hi, 1)))
    return out


def _r(v: tuple[float, float] | None) -> tuple[float, float] | None:
    return None if v is None else (round(v[0], 1), round(v[1], 1))


def diff_scorings(
    old: Iterable[CallSummary], new: Iterable[CallSummary], threshold: float = DEFAULT_THRESHOLD
) -> Diff:
    """Join two scorings on ``(source, call_id)`` and say what changed (see :class:`Diff`)."""
    olds, dup_old = _index(old)
    news, dup_new = _index(new)
    both = [k for k in olds if k in news]
    pairs = [(olds[k], news[k]) for k in both]

    tables = []
    changed_outcomes: set[tuple[str, str]] = set()
    for d, det in enumerate(DETECTORS):
        seen = {o.outcomes[d] for o, _ in pairs} | {n.outcomes[d] for _, n in pairs}
        labels = OUTCOME_LABELS[det] + tuple(sorted(seen - set(OUTCOME_LABELS[det])))
        pos = {lab: i for i, lab in enumerate(labels)}
        counts = [[0] * len(labels) for _ in labels]
        changes = []
        for o, n in pairs:
            counts[pos[o.outcomes[d]]][pos[n.outcomes[d]]] += 1
            if o.outcomes[d] != n.outcomes[d]:
                changes.append(OutcomeChange(n.ref, o.outcomes[d], n.outcomes[d]))
                changed_outcomes.add(n.key)
        tables.append(OutcomeTable(det, labels, tuple(map(tuple, counts)), tuple(changes)))

    moves = [ScoreMove(n.ref, n.agent, o.score, n.score) for o, n in pairs if o.score != n.score]
    deltas = [abs(m.delta) for m in moves if m.delta is not None]
    moved = sorted(
        (m for m in moves if m.delta is None or abs(m.delta) > threshold),
        key=lambda m: -(math.inf if m.delta is None else abs(m.delta)),
    )

    appeared: dict[str, list[tuple[CallRef, int]]] = {}
    vanished: dict[str, list[tuple[CallRef, int]]] = {}
    changed_findings: set[tuple[str, str]] = set()
    for o, n in pairs:
        if o.findings == n.findings:
            continue
        changed_findings.add(n.key)
        before, after = Counter(o.findings), Counter(n.findings)
        for target, diff in ((appeared, after - before), (vanished, before - after)):
            per_rule = Counter[str]()
            for (rule_id, *_), count in diff.items():
                per_rule[rule_id] += count
            for rule_id, count in per_rule.items():
                target.setdefault(rule_id, []).append((n.ref, count))
    rules = tuple(
        RuleChange(
            rule_id,
            sum(c for _, c in appeared.get(rule_id, [])),
            sum(c for _, c in vanished.get(rule_id, [])),
            tuple(r for r, _ in appeared.get(rule_id, [])),
            tuple(r for r, _ in vanished.get(rule_id, [])),
        )
        for rule_id in sorted(set(appeared) | set(vanished))
    )

    alias = surname_aliases(sorted({c.agent for c in (*olds.values(), *news.values())}))
    old_agents = _agent_scores(olds.values(), alias)
    new_agents = _agent_scores(news.values(), alias)
    paired: dict[str, list[float]] = {}
    for o, n in pairs:
        if o.score is not None and n.score is not None:
            paired.setdefault(alias.get(n.agent, n.agent), []).append(n.score - o.score)
    agents = []
    for name in sorted(set(old_agents) | set(new_agents)):
        on, os_, oci = old_agents.get(name, (0, None, None))
        nn, ns, nci = new_agents.get(name, (0, None, None))
        shift, sci = mean_interval(paired[name]) if name in paired else (None, None)
        agents.append(
            AgentShift(name, on, os_, oci, nn, ns, nci, len(paired.get(name, [])),
                       None if shift is None else round(shift, 1), _r(sci))
        )  # fmt: skip

    moved_keys = {call_key(m.ref.source, m.ref.call_id) for m in moves}
    any_change = changed_outcomes | changed_findings | moved_keys
    return Diff(
        n_old=len(olds),
        n_new=len(news),
        matched=len(pairs),
        only_old=tuple(c.ref for k, c in olds.items() if k not in news),
        only_new=tuple(c.ref for k, c in news.items() if k not in olds),
        outcomes=tuple(tables),
        changed_outcome_calls=tuple(news[k].ref for k in both if k in changed_outcomes),
        threshold=threshold,
        moved=tuple(moved),
        max_move=max(deltas, default=0.0),
        rules=rules,
        agents=tuple(agents),
        changed_calls=tuple(news[k].ref for k in both if k in any_change),
        duplicates_old=dup_old,
        duplicates_new=dup_new,
    )


# --------------------------------------------------------------------------------------------
# --fail-on conditions


@dataclass(frozen=True, slots=True)
class Metric:
    description: str
    count: Any  # Diff -> float
    of: Any = None  # Diff -> int: the denominator of a percentage; None: no % allowed


METRICS: dict[str, Metric] = {
    "changed_outcomes": Metric(
        "calls in both whose outcome changed in any detector",
        lambda d: len(d.changed_outcome_calls),
        lambda d: d.matched,
    ),
    **{
        f"changed_{det}": Metric(
            f"calls in both whose {det} outcome changed",
            lambda d, i=i: len(d.outcomes[i].changed),
            lambda d: d.matched,
        )
        for i, det in enumerate(DETECTORS)
    },
    "changed_calls": Metric(
        "calls in both with any change (outcome, finding or score)",
        lambda d: len(d.changed_calls),
        lambda d: d.matched,
    ),
    "score_moved": Metric(
        "calls in both whose empathy_score moved by more than --threshold",
        lambda d: len(d.moved),
        lambda d: d.matched,
    ),
    "max_score_move": Metric(
        "largest empathy_score move of a call, in points", lambda d: d.max_move
    ),
    "agent_shift": Metric(
        "largest per-agent score shift, in points",
        lambda d: max((abs(a.shift) for a in d.agents if a.shift is not None), default=0.0),
    ),
    "findings_appeared": Metric(
        "findings only in the new scoring", lambda d: sum(r.appeared for r in d.rules)
    ),
    "findings_vanished": Metric(
        "findings only in the old scoring", lambda d: sum(r.vanished for r in d.rules)
    ),
    "only_old": Metric(
        "calls only in the old scoring", lambda d: len(d.only_old), lambda d: d.n_old
    ),
    "only_new": Metric(
        "calls only in the new scoring", lambda d: len(d.only_new), lambda d: d.n_new
    ),
}

_CONDITION = re.compile(r"^\s*([a-z_]+)\s*(>=|<=|==|>|<)\s*(\d+(?:\.\d+)?)\s*(%?)\s*$")
_OPS = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
}


@dataclass(frozen=True, slots=True)
class Condition:
    text: str
    metric: str
    op: str
    value: float
    percent: bool


@dataclass(frozen=True, slots=True)
class ConditionResult:
    condition: Condition
    value: float  # in percent for a percent condition
    count: float
    of: int | None
    holds: bool

    def describe(self) -> str:
        c = self.condition
        if c.percent:
            return f"{c.text}: {self.value:.1f} % ({self.count:g} of {self.of})"
        return f"{c.text}: {self.value:g}"

    def to_dict(self) -> dict[str, Any]:
        return {"condition": self.condition.text, "value": round(self.value, 2),
                "count": self.count, "of": self.of, "holds": self.holds}  # fmt: skip


def parse_condition(text: str) -> Condition:
    """``NAME OP NUMBER[%]``, e.g. ``changed_outcomes>5%``; ConfigError (exit 2) otherwise."""
    m = _CONDITION.match(text)
    if not m:
        raise ConfigError(
            f"--fail-on {text!r}: expected NAME OP NUMBER[%] such as 'changed_outcomes>5%' "
            f"(OP one of > >= < <= ==)"
        )
    name, op, number, pct = m.groups()
    if name not in METRICS:
        raise ConfigError(
            f"--fail-on {text!r}: unknown name {name!r} (one of {', '.join(METRICS)})"
        )
    if pct and METRICS[name].of is None:
        raise ConfigError(f"--fail-on {text!r}: {name} is not a count of calls; no % here")
    return Condition(text.strip(), name, op, float(number), bool(pct))


def check_conditions(diff: Diff, conditions: Iterable[Condition]) -> list[ConditionResult]:
    """Evaluate each condition on ``diff``; ``holds`` means the CI job should fail."""
    out = []
    for c in conditions:
        metric = METRICS[c.metric]
        count = float(metric.count(diff))
        of = int(metric.of(diff)) if metric.of is not None else None
        value = (100.0 * count / of if of else 0.0) if c.percent else count
        out.append(ConditionResult(c, value, count, of, _OPS[c.op](value, c.value)))
    return out

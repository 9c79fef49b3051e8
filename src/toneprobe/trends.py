"""How each agent develops over time: per-agent, per-period scores from call records.

Pure functions and running sums (memory stays flat however many calls stream by): a call
record (schema_version 1) with its ``date`` goes in, one :class:`TrendPoint` per agent and
week or month comes out, with the mean empathy score and the same 95% t interval as the
agent table (:func:`toneprobe.scoring.mean_ci95`). A period with fewer calls than the agent
table's ``low_n`` is marked as such and never counted as a drop: its ``change`` is None, and
the next period is compared with the last period that had enough calls. Calls without a date
are counted per agent in a point whose ``period`` is None.

Saved score files (the JSONL that ``score --format jsonl`` writes) are read and checked by
:mod:`toneprobe.records`, so ``report`` and ``score --by agent`` can follow agents over months
without scoring again.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from toneprobe.records import call_day
from toneprobe.scoring import mean_ci95, surname_aliases

PERIODS: tuple[str, ...] = ("week", "month")
UNKNOWN_AGENT = "(unknown)"


# --------------------------------------------------------------------------- periods


def period_of(day: _dt.date, period: str) -> str:
    """``2026-W48`` (ISO week) or ``2026-11`` (month) for a day."""
    if period == "week":
        iso = day.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    raise ValueError(f"period must be one of {', '.join(PERIODS)} (got {period!r})")


def period_bounds(key: str, period: str) -> tuple[_dt.date, _dt.date]:
    """First and last day of a period key from :func:`period_of`."""
    if period == "week":
        iso_year, iso_week = key.split("-W")
        start = _dt.date.fromisocalendar(int(iso_year), int(iso_week), 1)
        return start, start + _dt.timedelta(days=6)
    year, month = (int(x) for x in key.split("-"))
    start = _dt.date(year, month, 1)
    nxt = _dt.date(year + month // 12, month % 12 + 1, 1)
    return start, nxt - _dt.timedelta(days=1)


def period_range(first: str, last: str, period: str) -> list[str]:
    """Every period key from ``first`` to ``last``, gaps included (for a chart's x axis)."""
    out = []
    day, end = period_bounds(first, period)[0], period_bounds(last, period)[0]
    while day <= end:
        key = period_of(day, period)
        out.append(key)
        day = period_bounds(key, period)[1] + _dt.timedelta(days=1)
    return out


def auto_period(days: Iterable[_dt.date]) -> str:
    """``week`` when the dates span up to 26 weeks, else ``month``."""
    ds = list(days)
    if not ds:
        return "week"
    return "week" if (max(ds) - min(ds)).days <= 26 * 7 else "month"


# --------------------------------------------------------------------------- aggregation


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One agent in one period (``period`` None: the agent's calls without a date)."""

    agent: str
    period: str | None
    start: _dt.date | None
    end: _dt.date | None
    calls: int
    empathy_score: float
    ci95: tuple[float, float]
    low_n: bool
    change: float | None  # vs the agent's last period with enough calls; None when low_n

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "period": self.period,
            "start": None if self.start is None else self.start.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
            "calls": self.calls,
            "empathy_score": self.empathy_score,
            "ci95": list(self.ci95),
            "low_n": self.low_n,
            "change": self.change,
        }


class TrendAggregator:
    """Running sums per (agent, period); ``add(call)`` per call record, ``points()`` at the end."""

    def __init__(self, period: str, low_n: int):
        if period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)} (got {period!r})")
        self.period = period
        self.low_n = low_n
        self._sums: dict[tuple[str, str | None], list[float]] = {}

    def add(self, call: dict[str, Any]) -> None:
        day = call_day(call)
        key = (
            call.get("agent") or UNKNOWN_AGENT,
            None if day is None else period_of(day, self.period),
        )
        s = self._sums.setdefault(key, [0, 0.0, 0.0])
        score = float(call["empathy_score"])
        s[0] += 1
        s[1] += score
        s[2] += score * score

    def points(self) -> list[TrendPoint]:
        aliases = surname_aliases(sorted({agent for agent, _ in self._sums}))
        merged: dict[tuple[str, str | None], list[float]] = {}
        for (agent, key), s in self._sums.items():
            m = merged.setdefault((aliases.get(agent, agent), key), [0, 0.0, 0.0])
            for i in range(3):
                m[i] += s[i]
        out: list[TrendPoint] = []
        for agent in sorted({a for a, _ in merged}):
            keys = sorted(k for a, k in merged if a == agent and k is not None)
            previous: float | None = None
            for key in [*keys, None]:
                if (agent, key) not in merged:
                    continue
                n, total, total_sq = merged[(agent, key)]
                stats = mean_ci95(int(n), total, total_sq)
                assert stats is not None
                mean, lo, hi = stats
                low = n < self.low_n
                change = None
                if key is not None and not low:
                    change = None if previous is None else round(mean - previous, 1)
                    previous = mean
                start, end = period_bounds(key, self.period) if key is not None else (None, None)
                out.append(
                    TrendPoint(
                        agent,
                        key,
                        start,
                        end,
                        int(n),
                        round(mean, 1),
                        (round(lo, 1), round(hi, 1)),
                        low,
                        change,
                    )  # fmt: skip
                )
        return out


def trend_points(calls: Iterable[dict[str, Any]], period: str, low_n: int) -> list[TrendPoint]:
    agg = TrendAggregator(period, low_n)
    for call in calls:
        agg.add(call)
    return agg.points()

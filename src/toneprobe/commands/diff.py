"""``diff``: compare two saved scorings (``score --format jsonl``) and render what changed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

from toneprobe.diff import (
    DETECTORS,
    ConditionResult,
    Diff,
    check_conditions,
    diff_scorings,
    parse_condition,
    summarize,
)
from toneprobe.output import atomic_output, render_json, render_markdown
from toneprobe.records import iter_call_records

DIFF_FORMATS = ("table", "markdown", "json")
DIFF_SCHEMA_VERSION = 1
#: calls named per line in table/markdown output (JSON lists every call)
SHOW_CALLS = 8


def _say(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


def run_diff(
    old: Path,
    new: Path,
    *,
    threshold: float,
    fail_on: list[str],
    fmt: str,
    output: Path | None = None,
    quiet: bool = False,
) -> int:
    """Compare two scorings; render the result; exit code 1 when a --fail-on condition holds."""
    conditions = [parse_condition(text) for text in fail_on]  # bad conditions: exit 2 first
    olds = [summarize(rec) for rec in iter_call_records(old)]
    news = [summarize(rec) for rec in iter_call_records(new)]
    diff = diff_scorings(olds, news, threshold)
    results = check_conditions(diff, conditions)
    with atomic_output(output, sys.stdout) as fh:
        if fmt == "json":
            render_json(_document(diff, results, old, new), fh)
        elif fmt == "markdown":
            _render_markdown(diff, results, old, new, fh)
        else:
            _render_table(diff, results, old, new, fh)
    if not quiet:
        for label, n in (("old", diff.duplicates_old), ("new", diff.duplicates_new)):
            if n:
                path = old if label == "old" else new
                _say(f"warning: {path}: {n} call(s) appear more than once; the last record counts")
        for r in results:
            if r.holds:
                _say(f"fail-on: {r.describe()}")
    return 1 if any(r.holds for r in results) else 0


def _document(diff: Diff, results: list[ConditionResult], old: Path, new: Path) -> dict[str, Any]:
    return {
        "schema_version": DIFF_SCHEMA_VERSION,
        "old": str(old),
        "new": str(new),
        **diff.to_dict(),
        "fail_on": [r.to_dict() for r in results],
    }


def _ids(refs: Any, limit: int | None = SHOW_CALLS) -> str:
    ids = [r.call_id for r in refs]
    if limit is not None and len(ids) > limit:
        return ", ".join(ids[:limit]) + f", … +{len(ids) - limit} more (--format json lists all)"
    return ", ".join(ids) or "–"


def _num(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f}"


def _ci(v: tuple[float, float] | None) -> str:
    return "–" if v is None else f"{v[0]:.1f} to {v[1]:.1f}"


def _signed(v: float | None) -> str:
    return "–" if v is None else f"{v:+.1f}"


def _summary(diff: Diff, old: Path, new: Path) -> str:
    return (
        f"old {old}: {diff.n_old} calls · new {new}: {diff.n_new} calls · in both: "
        f"{diff.matched} · changed: {len(diff.changed_calls)} · outcome changed: "
        f"{len(diff.changed_outcome_calls)} · score moved > {diff.threshold:g}: {len(diff.moved)} · "
        f"only old: {len(diff.only_old)} · only new: {len(diff.only_new)}"
    )


def _sections(diff: Diff) -> list[tuple[str, tuple[str, ...], list[tuple[str, ...]]]]:
    """(title, columns, rows) of every section, shared by the table and markdown output."""
    out: list[tuple[str, tuple[str, ...], list[tuple[str, ...]]]] = []
    for table in diff.outcomes:
        rows = [
            (f"old {lab}", *(str(n) for n in table.counts[i])) for i, lab in enumerate(table.labels)
        ]
        title = (
            f"{table.detector}: old outcome (rows) vs new (columns); {len(table.changed)} changed"
        )
        if table.changed:
            title += ": " + _ids(c.ref for c in table.changed)
        out.append((title, ("", *(f"new {lab}" for lab in table.labels)), rows))
    out.append(
        (
            f"Calls whose empathy_score moved by more than {diff.threshold:g} points "
            f"({len(diff.moved)}; largest move {diff.max_move:.1f})",
            ("call", "source", "agent", "old", "new", "change"),
            [
                (m.ref.call_id, m.ref.source, m.agent, _num(m.old), _num(m.new), _signed(m.delta))
                for m in diff.moved
            ],
        )
    )
    out.append(
        (
            f"Findings that appeared or vanished, by rule id ({len(diff.rules)} rules)",
            ("rule id", "appeared", "appeared in", "vanished", "vanished in"),
            [
                (
                    r.rule_id,
                    str(r.appeared),
                    _ids(r.appeared_calls),
                    str(r.vanished),
                    _ids(r.vanished_calls),
                )
                for r in diff.rules
            ],  # fmt: skip
        )
    )
    out.append(
        (
            "Agents: score (95% interval) old and new; shift over the calls in both (95% interval)",
            (
                "agent",
                "old calls",
                "old score",
                "old 95%",
                "new calls",
                "new score",
                "new 95%",
                "shift",
                "shift 95%",
            ),
            [
                (
                    a.agent,
                    str(a.old_calls),
                    _num(a.old_score),
                    _ci(a.old_ci95),
                    str(a.new_calls),
                    _num(a.new_score),
                    _ci(a.new_ci95),
                    _signed(a.shift),
                    _ci(a.shift_ci95),
                )
                for a in diff.agents
            ],
        )  # fmt: skip
    )
    for label, refs in (("old", diff.only_old), ("new", diff.only_new)):
        out.append(
            (
                f"Calls only in the {label} scoring ({len(refs)})",
                ("call", "source"),
                [(r.call_id, r.source) for r in refs],
            )
        )
    return out


def _condition_rows(results: list[ConditionResult]) -> list[tuple[str, ...]]:
    return [(r.condition.text, r.describe().split(": ", 1)[1], "yes" if r.holds else "no")
            for r in results]  # fmt: skip


def _render_table(
    diff: Diff, results: list[ConditionResult], old: Path, new: Path, fh: IO[str]
) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=fh, width=140)
    console.print(_summary(diff, old, new), markup=False, highlight=False)
    sections = _sections(diff)
    if results:
        sections.append(("--fail-on", ("condition", "value", "holds"), _condition_rows(results)))
    for title, columns, rows in sections:
        if not rows and not title.startswith(DETECTORS):
            console.print(f"\n{title}: none", markup=False, highlight=False)
            continue
        table = Table()
        for col in columns:
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(*row)
        console.print(f"\n{title}", markup=False, highlight=False)
        console.print(table)


def _render_markdown(
    diff: Diff, results: list[ConditionResult], old: Path, new: Path, fh: IO[str]
) -> None:
    fh.write(f"**toneprobe diff**: {_summary(diff, old, new)}\n")
    sections = _sections(diff)
    if results:
        sections.append(("--fail-on", ("condition", "value", "holds"), _condition_rows(results)))
    for title, columns, rows in sections:
        fh.write(f"\n### {title}\n\n")
        if not rows:
            fh.write("None.\n")
            continue
        render_markdown([dict(zip(columns, row, strict=True)) for row in rows], columns, fh)

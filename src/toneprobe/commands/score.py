"""``score``, ``explain`` and ``rules``: plain functions behind the thin CLI commands."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from toneprobe.batch import BatchOptions, Tally, iter_outcomes
from toneprobe.errors import InputError
from toneprobe.output import (
    AGENT_COLUMNS,
    CALL_COLUMNS,
    CsvStream,
    agent_row,
    atomic_output,
    call_row,
    render_agents_table,
    render_calls_table,
    render_json,
    render_markdown,
    write_jsonl,
)
from toneprobe.pipeline import SCHEMA_VERSION, Scorer
from toneprobe.scoring import AgentAggregator

log = logging.getLogger(__name__)


def _say(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def run_score(
    paths: list[str],
    *,
    by: str | None,
    fmt: str,
    output: Path | None,
    options: BatchOptions,
    strict: bool = False,
    quiet: bool = False,
) -> int:
    """Score every call; stream JSONL/CSV rows as calls finish. Returns the exit code."""
    scorer = Scorer(model=options.model, rules_dirs=options.rules_dirs)
    by = by or ("call" if fmt in ("jsonl", "csv") else "agent")
    tally = Tally()
    agg = AgentAggregator(scorer.weights)
    errors: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    keep_calls = fmt in ("json",) or by == "call" and fmt in ("table", "markdown")
    stream_rows = by == "call" and fmt in ("jsonl", "csv")

    from toneprobe.readers import iter_input_files

    files = iter_input_files(paths)
    single = len(files) == 1
    out_fh = None
    if stream_rows and output is not None:
        out_fh = open(output, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed below
    target = out_fh or sys.stdout
    csv_stream = CsvStream(target, CALL_COLUMNS) if stream_rows and fmt == "csv" else None
    try:
        for outcome in iter_outcomes(files, scorer, options, tally):
            for w in outcome.warnings:
                if not quiet:
                    _say(f"warning: {w}")
            if outcome.error is not None:
                errors.append(outcome.error)
                e = outcome.error
                if single:  # one input: its error is the whole answer, one line, exit 2
                    raise InputError(e["message"], e["source"], e.get("line"))
                where = f"{e['source']}:{e['line']}" if e.get("line") else e["source"]
                _say(f"skipped: {where}: {e['message']}")
                continue
            call = outcome.call
            assert call is not None
            agg.add(call)
            if keep_calls:
                calls.append(call)
            if csv_stream is not None:
                csv_stream.write(call_row(call))
            elif stream_rows:
                write_jsonl(target, call)
    finally:
        if out_fh is not None:
            out_fh.close()

    if tally.calls == 0 and errors:
        if not quiet:
            _say(tally.line())
        raise InputError("no call could be scored")
    agents = agg.agents()
    if not stream_rows:
        with atomic_output(output, sys.stdout) as fh:
            _render(fmt, by, fh, calls, agents, errors, tally)
    if not quiet:
        _say(tally.line())
    if errors and strict:
        return 2
    return 0


def _render(fmt: str, by: str, fh, calls, agents, errors, tally: Tally) -> None:  # type: ignore[no-untyped-def]
    if fmt == "json":
        doc = {
            "schema_version": SCHEMA_VERSION,
            "calls": calls,
            "agents": agents,
            "errors": errors,
            "summary": tally.to_dict(),
        }
        render_json(doc, fh)
    elif fmt == "jsonl":  # by agent
        for a in agents:
            write_jsonl(fh, a)
    elif fmt == "csv":  # by agent
        stream = CsvStream(fh, AGENT_COLUMNS)
        for a in agents:
            stream.write(agent_row(a))
    elif fmt == "markdown":
        if by == "call":
            render_markdown([call_row(c) for c in calls], CALL_COLUMNS, fh)
        else:
            render_markdown([agent_row(a) for a in agents], AGENT_COLUMNS, fh)
    elif by == "call":
        render_calls_table(calls, fh)
    else:
        render_agents_table(agents, fh)


def run_explain(path: str, *, options: BatchOptions, call_id: str | None = None) -> None:
    """Print one call turn by turn with sentiment, highlighted findings and the score breakdown."""
    from toneprobe.explain import render_explanation
    from toneprobe.readers import read_path

    result = read_path(path, input_format=options.input_format, agent_speaker=options.agent_speaker)
    transcripts = result.transcripts
    if call_id is not None:
        transcripts = [t for t in transcripts if t.call_id == call_id]
        if not transcripts:
            raise InputError(f"no call with id {call_id!r} in this file", path)
    scorer = Scorer(model=options.model, rules_dirs=options.rules_dirs)
    for w in result.warnings:
        _say(f"warning: {w}")
    for transcript in transcripts:
        render_explanation(transcript, scorer.score(transcript), scorer.weights, sys.stdout)


def run_rules(*, fmt: str, rules_dirs: tuple[str, ...] = (), detector: str | None = None) -> None:
    """List every rule: id, detector, polarity, weight, description and an example."""
    from toneprobe.rules import load_rules

    rules = load_rules(rules_dirs).rules
    if detector:
        rules = tuple(r for r in rules if r.detector == detector)
    rows = [
        {
            "id": r.id,
            "detector": r.detector,
            "polarity": r.spec.polarity,
            "weight": r.spec.weight,
            "roles": ",".join(r.spec.roles),
            "description": r.spec.description,
            "example": r.spec.examples[0],
            "file": r.path,
        }
        for r in rules
    ]
    rows.append(
        {
            "id": "respect.offensive_model.v1",
            "detector": "respect",
            "polarity": "negative",
            "weight": 0.6,
            "roles": "agent",
            "description": "An agent turn the GermEval 2018 offensive-language model rates >= 0.9 (no pattern matched).",
            "example": "(model-based)",
            "file": "models/offense-de",
        }
    )
    if fmt == "json":
        render_json({"rules": rows}, sys.stdout)
    elif fmt == "markdown":
        render_markdown(
            rows, ("id", "detector", "polarity", "weight", "description", "example"), sys.stdout
        )
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"{len(rows)} rules", title_justify="left", show_lines=False)
        for col in ("Rule id", "Detector", "Polarity", "Weight", "Description", "Example"):
            table.add_column(col, overflow="fold")
        for r in rows:
            table.add_row(
                r["id"],
                r["detector"],
                r["polarity"],
                f"{r['weight']:.1f}",
                r["description"],
                r["example"],
            )
        Console(file=sys.stdout, width=160).print(table)

"""``score``, ``explain`` and ``rules``: plain functions behind the thin CLI commands."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import logging
import sys
import time
from pathlib import Path
from typing import Any

from toneprobe.batch import (
    BatchOptions,
    StopOnSignal,
    Tally,
    describe_error,
    iter_outcomes,
    load_done,
    plan_sources,
)
from toneprobe.errors import ConfigError, InputError
from toneprobe.output import (
    AGENT_COLUMNS,
    CALL_COLUMNS,
    TREND_COLUMNS,
    CsvStream,
    agent_row,
    atomic_output,
    call_row,
    render_agents_table,
    render_calls_table,
    render_json,
    render_markdown,
    render_trends_table,
    trend_row,
    write_jsonl,
)
from toneprobe.pipeline import SCHEMA_VERSION, Scorer
from toneprobe.scoring import AgentAggregator

log = logging.getLogger(__name__)


def _say(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


class _Progress:
    """A rich progress bar on stderr (files, calls, calls/s, ETA) when stderr is a terminal."""

    def __init__(self, total_files: int, enabled: bool):
        self.bar = None
        self.start = time.perf_counter()
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn("scoring"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("files · {task.fields[calls]} calls · {task.fields[rate]:.1f} calls/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task = self.bar.add_task("score", total=total_files, calls=0, rate=0.0)
        self.bar.start()

    def say(self, msg: str) -> None:
        if self.bar is not None:
            self.bar.console.print(msg, markup=False, highlight=False)
        else:
            _say(msg)

    def advance(self, tally: Tally) -> None:
        if self.bar is not None:
            rate = tally.calls / max(1e-9, time.perf_counter() - self.start)
            self.bar.update(self.task, advance=1, calls=tally.calls, rate=rate)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()

    def summary(self, tally: Tally) -> str:
        secs = time.perf_counter() - self.start
        return f"{tally.line()} in {secs:.1f} s ({tally.calls / max(secs, 1e-9):.1f} calls/s)"


def run_score(
    paths: list[str],
    *,
    by: str | None,
    fmt: str,
    output: Path | None,
    options: BatchOptions,
    strict: bool = False,
    quiet: bool = False,
    workers: int = 1,
    engine: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    config_path: str | None = None,
    period: str | None = None,
    date: _dt.date | None = None,
) -> int:
    """Score every call; stream JSONL/CSV rows as calls finish. Returns the exit code.

    Rows come out in input order whatever the number of workers. On SIGINT/SIGTERM the run
    stops between files: JSONL/CSV keep every whole row written so far, an aggregated output
    (json, table, markdown) is not written at all, and the exit code is 130/143.

    Saved score files (JSONL call records, detected from their content) are read first, as
    they are, without scoring. ``period`` (week|month) gives per-agent trend rows instead of
    the agent table; ``date`` sets every call's date.
    """
    from toneprobe.config import load_config
    from toneprobe.records import is_saved_scores, iter_call_records
    from toneprobe.trends import TrendAggregator

    config = load_config(config_path)
    scorer = Scorer.from_config(config, options.model, options.rules_dirs, options.address)
    options = dataclasses.replace(
        options,
        agent_words=config.roles.agent,
        customer_words=config.roles.customer,
        weights=scorer.weights,  # worker processes build their own scorer
        address=scorer.address,
    )
    by = by or ("call" if fmt in ("jsonl", "csv") and not period else "agent")
    if period and by != "agent":
        raise ConfigError("--period gives per-agent trends: use it with --by agent")
    stream_rows = by == "call" and fmt in ("jsonl", "csv")
    if resume:
        if not (fmt == "jsonl" and stream_rows and output is not None):
            raise ConfigError("--resume needs --format jsonl (by call) and --output FILE")
        options = dataclasses.replace(options, done=load_done(Path(output)))
    tally = Tally()
    agg = AgentAggregator(scorer.weights)
    errors: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    keep_calls = fmt in ("json",) or by == "call" and fmt in ("table", "markdown")

    from toneprobe.readers import iter_input_files

    files = iter_input_files(paths)
    if not files:
        raise InputError("no transcript files found", " ".join(paths))
    single = len(files) == 1
    saved = [f for f in files if is_saved_scores(f)]
    files = [f for f in files if f not in saved]
    if saved and resume:
        raise ConfigError("--resume scores transcripts; saved score files cannot be resumed")
    trend = TrendAggregator(period, scorer.weights.agents.low_n) if period else None
    day = None if date is None else date.isoformat()
    saved_calls = 0
    out_fh = None
    if stream_rows and output is not None:
        mode = "a" if resume else "w"
        out_fh = open(output, mode, encoding="utf-8", newline="")  # noqa: SIM115 - closed below
    target = out_fh or sys.stdout
    csv_stream = CsvStream(target, CALL_COLUMNS) if stream_rows and fmt == "csv" else None
    progress = _Progress(len(files), enabled=not quiet and len(files) > 1 and sys.stderr.isatty())

    def take(call: dict[str, Any]) -> None:
        call["agent"] = config.canonical_agent(call["agent"])
        if day is not None:
            call["date"] = day
        agg.add(call)
        if trend is not None:
            trend.add(call)
        if keep_calls:
            calls.append(call)
        if csv_stream is not None:
            csv_stream.write(call_row(call))
        elif stream_rows:
            write_jsonl(target, call)

    try:
        with StopOnSignal() as stop:
            for path in saved:  # a bad line: the error (one input) or skipped and counted
                for call in iter_call_records(path, None if single else errors):
                    saved_calls += 1
                    take(call)
                    if stop.signum is not None:
                        break
            for e in errors:
                if not quiet:
                    progress.say(f"skipped: {describe_error(e)}")
            saved_skipped = len(errors)
            batch = iter_outcomes(
                plan_sources(files), scorer, options, tally,
                engine=engine, workers=workers, scheduler=scheduler, stop=stop,
            ) if files and stop.signum is None else iter(())  # fmt: skip
            for _source, outcomes in batch:
                for outcome in outcomes:
                    _take(outcome, progress, errors, single, quiet)
                    if outcome.call is not None:
                        take(outcome.call)
                progress.advance(tally)
    finally:
        progress.close()
        if out_fh is not None:
            out_fh.close()

    if stop.signum is not None:
        what = "rows so far are kept" if stream_rows else "no output written"
        _say(f"interrupted: {progress.summary(tally)}; {what}")
        return stop.exit_code
    if tally.calls == 0 and saved_calls == 0 and errors:
        if single:  # a single input whose only calls were skipped: the reason is the answer
            e = errors[0]
            raise InputError(f"call {e['call_id']}: {e['message']}", e["source"])
        if not quiet:
            _say(tally.line())
        raise InputError("no call could be scored" if files else "no saved call could be read")
    if single and not quiet:
        for e in errors:  # skipped calls of a single input that also had calls to score
            progress.say(f"skipped: {describe_error(e)}")
    agents = agg.agents()
    summary: dict[str, Any] = tally.to_dict()
    if saved:
        summary.update(
            saved_files=len(saved), saved_calls=saved_calls, saved_lines_skipped=saved_skipped
        )
    trends = None
    if trend is not None:
        trends = {
            "period": trend.period,
            "low_n": trend.low_n,
            "points": [p.to_dict() for p in trend.points()],
        }
    if not stream_rows:
        with atomic_output(output, sys.stdout) as fh:
            _render(fmt, by, fh, calls, agents, errors, summary, trends)
    if not quiet:
        if saved:
            _say(
                f"read {saved_calls} saved calls from {len(saved)} score file(s), not scored again"
                f" ({saved_skipped} bad line(s) skipped)"
            )
        if files:
            _say(progress.summary(tally))
        if tally.files_skipped or tally.calls_failed or tally.calls_skipped or saved_skipped:
            skipped = f", {tally.calls_skipped} call(s) skipped" if tally.calls_skipped else ""
            lines = f", {saved_skipped} saved line(s) skipped" if saved_skipped else ""
            _say(
                f"warning: {tally.files_skipped} file(s) skipped, {tally.calls_failed} call(s) "
                f"failed{skipped}{lines} (listed above"
                + (" and in errors)" if fmt == "json" else ")")
            )
    if errors and strict:
        return 2
    return 0


def _take(
    outcome: Any, progress: _Progress, errors: list[dict[str, Any]], single: bool, quiet: bool
) -> None:
    """Report an outcome's warnings and error on stderr and collect the error."""
    if not quiet:
        for w in outcome.warnings:
            progress.say(f"warning: {w}")
    if outcome.error is None:
        return
    e = outcome.error
    errors.append(e)
    if single and e.get("skipped"):
        return  # reported at the end: the only answer if nothing else could be scored
    if single:  # one input: its error is the whole answer, one line, exit 2
        raise InputError(e["message"], e["source"], e.get("line"))
    progress.say(f"skipped: {describe_error(e)}")


def _render(fmt: str, by: str, fh, calls, agents, errors, summary, trends) -> None:  # type: ignore[no-untyped-def]
    if fmt == "json":
        doc = {
            "schema_version": SCHEMA_VERSION,
            "calls": calls,
            "agents": agents,
            **({"trends": trends} if trends is not None else {}),
            "errors": errors,
            "summary": summary,
        }
        render_json(doc, fh)
    elif trends is not None:
        _render_trends(fmt, fh, trends)
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


def _render_trends(fmt: str, fh: Any, trends: dict[str, Any]) -> None:
    points = trends["points"]
    if fmt == "jsonl":
        for p in points:
            write_jsonl(fh, p)
    elif fmt == "csv":
        stream = CsvStream(fh, TREND_COLUMNS)
        for p in points:
            stream.write(trend_row(p))
    elif fmt == "markdown":
        render_markdown([trend_row(p) for p in points], TREND_COLUMNS, fh)
    else:
        render_trends_table(points, fh, trends["period"], trends["low_n"])


def run_explain(
    path: str, *, options: BatchOptions, call_id: str | None = None, config_path: str | None = None
) -> None:
    """Print one call turn by turn with sentiment, highlighted findings and the score breakdown.

    The configuration (weights, aliases, roles, address style) applies as in ``score``, so the breakdown adds
    up to the score that ``score`` reports for the same call.
    """
    from toneprobe.config import load_config
    from toneprobe.explain import render_explanation
    from toneprobe.readers import read_path
    from toneprobe.roles import use_role_words

    config = load_config(config_path)
    use_role_words(config.roles.agent, config.roles.customer)
    result = read_path(path, input_format=options.input_format, agent_speaker=options.agent_speaker)
    transcripts = result.transcripts
    if call_id is not None:
        transcripts = [t for t in transcripts if t.call_id == call_id]
        if not transcripts:
            raise InputError(f"no call with id {call_id!r} in this file", path)
    scorer = Scorer.from_config(config, options.model, options.rules_dirs, options.address)
    for w in result.warnings:
        _say(f"warning: {w}")
    for transcript in transcripts:
        agent = config.canonical_agent(transcript.agent)
        if agent != transcript.agent:
            transcript = dataclasses.replace(transcript, agent=agent)
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
    from toneprobe.detectors.moves import MOVES_FILE, load_move_rules
    from toneprobe.detectors.respect import OFFENSE_DESCRIPTION, OFFENSE_RULE_ID, OFFENSE_WEIGHT

    models = [
        {
            "id": OFFENSE_RULE_ID,
            "detector": "respect",
            "polarity": "negative",
            "weight": OFFENSE_WEIGHT,
            "roles": "agent",
            "description": OFFENSE_DESCRIPTION,
            "example": "(model-based)",
            "file": "models/offense-de",
        }
    ]
    models += [
        {
            "id": m.id,
            "detector": m.detector,
            "polarity": m.polarity,
            "weight": m.weight,
            "roles": "agent",
            "description": f"{m.description}: agent-move model p >= {m.threshold}",
            "example": m.example,
            "file": f"models/agent-moves-de, {MOVES_FILE}",
        }
        for m in load_move_rules().moves
    ]
    rows += [r for r in models if not detector or r["detector"] == detector]
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
                str(r["id"]),
                str(r["detector"]),
                str(r["polarity"]),
                f"{r['weight']:.1f}",
                str(r["description"]),
                str(r["example"]),
            )
        Console(file=sys.stdout, width=160).print(table)

"""``evaluate``, ``examples`` and ``report``: the plain functions behind those commands.

Each reads the inputs, scores every call once (keeping the Transcript next to its CALL
record, since examples and the report show turn text), calls the pure function
(:mod:`toneprobe.evaluate`, :mod:`toneprobe.coaching`, :mod:`toneprobe.report`) and
renders the result. Data goes to stdout (or the ``--output`` file); messages go to stderr.
``report`` also takes saved scores (JSONL call records), which it reads without scoring.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as _dt
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from toneprobe.config import Config, load_config, parse_min_options
from toneprobe.errors import ConfigError, InputError, ThresholdNotMet
from toneprobe.model import Transcript

log = logging.getLogger(__name__)

EVALUATE_FORMATS = ("table", "json")
EXAMPLE_FORMATS = ("table", "markdown", "json", "csv")


def _say(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


@dataclasses.dataclass(frozen=True, slots=True)
class ScoreOptions:
    """What is needed to read and score the inputs (mirrors the score command's options)."""

    model: str | None = None
    rules_dirs: tuple[str, ...] = ()
    input_format: str | None = None
    agent_speaker: str | None = None
    config_path: str | None = None
    quiet: bool = False
    workers: int = 1
    #: house style for "du"/"Sie" (``--address``); None: ``[respect] address`` or mirror
    address: str | None = None
    threads: int | None = None  # per scoring process (None: $TONEPROBE_THREADS or 1)


def _scorer(config: Config, options: ScoreOptions) -> Any:
    from toneprobe.pipeline import Scorer

    return Scorer.from_config(config, options.model, options.rules_dirs, options.address)


def iter_scored(
    paths: Sequence[str], options: ScoreOptions, config: Config, scorer: Any
) -> Iterator[tuple[dict[str, Any], Transcript]]:
    """Read and score every call, in input order: ``(CALL, Transcript)`` per call.

    ``options.workers`` > 1 scores in worker processes (the batch engine of ``score``). A file
    that cannot be read is skipped with a message when there are several (the whole run fails
    for a single file). Agent names pass through the configured aliases. At the end the counts
    are reported, and a run in which no call could be read raises InputError.
    """
    from toneprobe.batch import BatchOptions, Tally, describe_error, iter_outcomes, plan_sources
    from toneprobe.readers import iter_input_files

    files = iter_input_files(list(paths))
    if not files:
        raise InputError("no transcript files found", " ".join(paths))
    sources = plan_sources(files)  # the parts of one contact count as one input
    single = len(sources) == 1
    batch_options = BatchOptions(
        input_format=options.input_format,
        agent_speaker=options.agent_speaker,
        model=options.model,
        rules_dirs=options.rules_dirs,
        agent_words=config.roles.agent,
        customer_words=config.roles.customer,
        weights=scorer.weights,
        address=scorer.address,
        keep_transcripts=True,
        threads=options.threads,
    )
    tally = Tally()
    for _source, outcomes in iter_outcomes(
        sources, scorer, batch_options, tally, workers=options.workers
    ):
        for outcome in outcomes:
            if not options.quiet:
                for warning in outcome.warnings:
                    _say(f"warning: {warning}")
            if outcome.error is not None:
                e = outcome.error
                if single and not (e.get("skipped") and tally.calls):
                    which = f"call {e['call_id']}: " if e.get("skipped") else ""
                    raise InputError(which + e["message"], e["source"], e.get("line"))
                if not options.quiet:
                    _say(f"skipped: {describe_error(e)}")
                continue
            if outcome.call is None:
                continue
            call, transcript = outcome.call, outcome.transcript
            agent = config.canonical_agent(transcript.agent)
            if agent != transcript.agent:
                transcript = dataclasses.replace(transcript, agent=agent)
                call["agent"] = agent
            yield call, transcript
    if not tally.calls:
        raise InputError("no call could be read", " ".join(paths))
    if not options.quiet:
        _say(
            f"scored {tally.calls} calls ({tally.turns} turns) from {tally.files_read} files "
            f"({tally.files_skipped} skipped, {tally.calls_failed} calls failed"
            + (f", {tally.calls_skipped} calls skipped)" if tally.calls_skipped else ")")
        )


def score_inputs(
    paths: Sequence[str], options: ScoreOptions, config: Config
) -> tuple[list[tuple[dict[str, Any], Transcript]], Any]:
    """Every call scored, in a list (see :func:`iter_scored`), and the scorer."""
    scorer = _scorer(config, options)
    return list(iter_scored(paths, options, config, scorer)), scorer


# --------------------------------------------------------------------------- evaluate


def _f(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _render_evaluation(result: Any, stream: IO[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=stream, width=120, highlight=False, soft_wrap=False)
    console.print(
        f"{result.n_calls} calls scored, {result.n_labelled} labelled "
        f"({len(result.unknown_ids)} without label, {len(result.missing_calls)} labels without call)"
    )
    table = Table(title="Detectors", title_justify="left")
    for col in ("detector", "average", "n", "precision", "recall", "F1", "accuracy"):
        table.add_column(col, justify="left" if col in ("detector", "average") else "right")
    for det in result.detectors.values():
        table.add_row(
            det.name, det.average, str(det.n), _f(det.precision), _f(det.recall), _f(det.f1),
            _f(det.accuracy),
        )  # fmt: skip
    table.add_row("empathy (Spearman)", "", str(result.empathy_n), "", "", "", "")
    console.print(table)
    console.print(
        f"Spearman empathy_score vs label: {_f(result.empathy_spearman)}   "
        f"per-agent Spearman: {_f(result.agent_spearman)}"
    )
    for det in result.detectors.values():
        cm = Table(title=f"Confusion {det.name} (rows = label, columns = toneprobe)",
                   title_justify="left")  # fmt: skip
        cm.add_column("label \\ predicted")
        for c in det.classes:
            cm.add_column(c, justify="right")
        for g in det.classes:
            cm.add_row(g, *(str(det.confusion[g][p]) for p in det.classes))
        console.print(cm)
    agents = Table(title="Per agent", title_justify="left")
    for col in ("agent", "calls", "mean score", "mean label", "Spearman (calls)"):
        agents.add_column(col, justify="left" if col == "agent" else "right")
    for a in result.agents:
        agents.add_row(
            a.agent, str(a.calls), _f(a.mean_score, 1), _f(a.mean_label, 2), _f(a.spearman)
        )
    console.print(agents)
    if result.disagreements:
        dis = Table(title="Disagreements", title_justify="left")
        for col in ("call", "agent", "detector", "toneprobe", "label", "findings"):
            dis.add_column(col)
        for d in result.disagreements:
            seen = list(dict.fromkeys(f"{f.get('rule_id')}@{f.get('turn')}" for f in d.findings))
            rules = ", ".join(seen[:4]) + (" …" if len(seen) > 4 else "")
            if not rules and d.evidence.get("evidence"):
                rules = str(d.evidence["evidence"])
            dis.add_row(
                d.call_id, str(d.agent), d.detector, str(d.predicted), str(d.label), rules or "-"
            )
        console.print(dis)
    if result.unknown_ids:
        console.print("Scored calls without a label: " + ", ".join(result.unknown_ids))
    if result.missing_calls:
        console.print("Labelled calls not found in the input: " + ", ".join(result.missing_calls))
    if result.checks:
        th = Table(title="Thresholds", title_justify="left")
        for col in ("threshold", "minimum", "value", "result"):
            th.add_column(col)
        for c in result.checks:
            th.add_row(c.name, f"{c.minimum:g}", _f(c.value), "pass" if c.passed else "FAIL")
        console.print(th)


def run_evaluate(
    paths: Sequence[str],
    *,
    labels: Path,
    minimums: Sequence[str] = (),
    junit: Path | None = None,
    fmt: str = "table",
    options: ScoreOptions = ScoreOptions(),
) -> None:
    """Score, compare with labels, print the result; raise ThresholdNotMet on a miss."""
    from toneprobe.evaluate import evaluate, junit_xml, load_labels
    from toneprobe.output import atomic_output

    if fmt not in EVALUATE_FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(EVALUATE_FORMATS)} (got {fmt!r})")
    config = load_config(options.config_path)
    thresholds = {**config.thresholds.as_dict(), **parse_min_options(list(minimums))}
    gold = load_labels(labels)
    if junit is not None:
        _parent(Path(junit))  # before the scoring, so a bad path fails fast
    gold = {
        cid: dataclasses.replace(lab, agent=config.canonical_agent(lab.agent))
        for cid, lab in gold.items()
    }
    items, _ = score_inputs(paths, options, config)
    result = evaluate([c for c, _ in items], gold, thresholds, aliases=config.aliases)
    if fmt == "json":
        doc = {"schema_version": 1, "labels": str(labels), **result.to_dict()}
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    else:
        _render_evaluation(result, sys.stdout)
    sys.stdout.flush()
    if junit is not None:
        data = junit_xml(result).decode("utf-8")
        with atomic_output(Path(junit), sys.stdout) as fh:
            fh.write(data)
    if result.unknown_ids and not options.quiet:
        _say(f"warning: {len(result.unknown_ids)} scored call(s) have no label")
    if result.missing_calls and not options.quiet:
        _say(f"warning: {len(result.missing_calls)} labelled call(s) were not in the input")
    if not thresholds and not options.quiet:
        _say("note: no thresholds given (--min NAME=VALUE or [thresholds] in toneprobe.toml)")
    failed = [c for c in result.checks if not c.passed]
    if failed:
        raise ThresholdNotMet(
            "threshold not met: "
            + "; ".join(f"{c.name} = {_f(c.value)} < {c.minimum:g}" for c in failed)
        )


# --------------------------------------------------------------------------- examples


def _window_text(window: Sequence[Any], *, bold: tuple[str, str]) -> list[str]:
    lines = []
    for w in window:
        text = w.text
        if w.highlight is not None:
            s, e = w.highlight
            text = f"{text[:s]}{bold[0]}{text[s:e]}{bold[1]}{text[e:]}"
        who = w.speaker or w.role
        lines.append(f"{'>' if w.focus else ' '} [{w.index}] {who} ({w.role}): {text}")
    return lines


def _md_escape(text: str) -> str:
    for ch in ("\\", "*", "_", "`", "[", "]", "<", ">", "#", "|"):
        text = text.replace(ch, "\\" + ch)
    return text


def render_examples(moments: Sequence[Any], fmt: str, stream: IO[str], kind: str) -> None:
    """Render coaching moments as table, markdown, json or csv."""
    if fmt == "json":
        doc = {"schema_version": 1, "kind": kind, "moments": [m.to_dict() for m in moments]}
        stream.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    elif fmt == "csv":
        cols = (
            "rank", "kind", "strength", "weight", "severity", "call_id", "source", "agent",
            "detector", "rule_id", "turn", "words", "explanation", "context",
        )  # fmt: skip
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(cols)
        for m in moments:
            row = m.to_dict()
            row["context"] = " | ".join(f"[{w.index}] {w.role}: {w.text}" for w in m.window)
            writer.writerow([row[c] for c in cols])
    elif fmt == "markdown":
        title = "Best" if kind == "best" else "Worst"
        stream.write(f"# Coaching moments: {title.lower()} {len(moments)}\n\n")
        for m in moments:
            stream.write(
                f"## {m.rank}. `{m.rule_id}` in call {_md_escape(m.call_id)} "
                f"({_md_escape(str(m.agent))})\n\n"
                f"*{_md_escape(m.explanation)}* (strength {m.strength:.2f} = "
                f"weight {abs(m.weight):.2f} x severity {m.severity:.2f})\n\n"
            )
            for w in m.window:
                text = _md_escape(w.text)
                if w.highlight is not None:
                    s, e = w.highlight
                    text = (
                        f"{_md_escape(w.text[:s])}**{_md_escape(w.text[s:e])}**"
                        f"{_md_escape(w.text[e:])}"
                    )
                who = _md_escape(w.speaker or w.role)
                marker = " ←" if w.focus else ""
                stream.write(f"> **{who}** ({w.role}): {text}{marker}\n>\n")
            stream.write("\n")
        if not moments:
            stream.write("No matching findings.\n")
    else:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        console = Console(file=stream, highlight=False, width=140 if not stream.isatty() else None)
        table = Table(title=f"{kind} coaching moments", show_lines=True, title_justify="left")
        for col in ("#", "strength", "call / agent", "rule", "turns"):
            table.add_column(col, overflow="fold")
        for m in moments:
            turns = Text()
            for w in m.window:
                line = Text(f"[{w.index}] {w.speaker or w.role}: ", style="bold" if w.focus else "")
                if w.highlight is not None:
                    s, e = w.highlight
                    line.append(w.text[:s])
                    line.append(
                        w.text[s:e], style="reverse red" if kind == "worst" else "reverse green"
                    )
                    line.append(w.text[e:])
                else:
                    line.append(w.text, style="" if w.focus else "dim")
                turns.append(line)
                turns.append("\n")
            table.add_row(
                str(m.rank),
                f"{m.strength:.2f}",
                f"{m.call_id}\n{m.agent}",
                Text(f"{m.rule_id}\n{m.explanation}"),
                turns,
            )
        console.print(table)


def run_examples(
    paths: Sequence[str],
    *,
    detector: str | None = None,
    kind: str = "worst",
    n: int = 10,
    context: int = 2,
    agent: str | None = None,
    fmt: str = "table",
    redaction: bool = True,
    options: ScoreOptions = ScoreOptions(),
) -> None:
    """Score the inputs and print the ``n`` strongest coaching moments of ``kind``."""
    from toneprobe.coaching import extract_moments

    if fmt not in EXAMPLE_FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(EXAMPLE_FORMATS)} (got {fmt!r})")
    if kind not in ("best", "worst"):
        raise ConfigError(f"--kind must be best or worst (got {kind!r})")
    config = load_config(options.config_path)
    scorer = _scorer(config, options)
    if detector is not None:
        known = sorted({d.name for d in scorer.detectors})
        if detector not in known:
            raise ConfigError(f"--detector: unknown detector {detector!r} ({', '.join(known)})")
    moments = extract_moments(
        iter_scored(paths, options, config, scorer),  # streamed: only the n best are kept
        kind=kind,  # type: ignore[arg-type]
        n=n,
        context=context,
        agent=config.canonical_agent(agent),
        detector=detector,
        redaction=redaction and config.redaction.enabled,
        redact_options=config.redaction.options(),
    )
    if not moments and not options.quiet:
        _say("no matching findings")
    render_examples(moments, fmt, sys.stdout, kind)
    sys.stdout.flush()


# --------------------------------------------------------------------------- report


def _parent(path: Path) -> None:
    """Create the folder of an output file (as pytest does for --junitxml)."""
    if path.is_dir():
        raise InputError("is a folder; give a file name", str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"cannot create the folder: {err.strerror}", str(path.parent)) from None


def _split_saved(files: Sequence[Path | str]) -> tuple[list[Path | str], list[Path | str]]:
    """Saved score files (JSONL call records, known by their content) and the rest."""
    from toneprobe.records import is_saved_scores

    saved = [f for f in files if is_saved_scores(f)]
    return saved, [f for f in files if f not in saved]


def _iter_saved(
    saved: Sequence[Path | str], *, single: bool, config: Config, quiet: bool
) -> Iterator[dict[str, Any]]:
    """The records of saved score files as they are, agent names through the aliases. A bad
    line is the error when it is the only input, else it is skipped, named and counted."""
    from toneprobe.batch import describe_error
    from toneprobe.records import iter_call_records

    errors: list[dict[str, Any]] = []
    n = 0
    for path in saved:
        for call in iter_call_records(path, None if single else errors):
            call["agent"] = config.canonical_agent(call.get("agent"))
            n += 1
            yield call
    if not quiet:
        for e in errors:
            _say(f"skipped: {describe_error(e)}")
        if saved:
            _say(
                f"read {n} saved calls from {len(saved)} score file(s), not scored again "
                f"({len(errors)} bad line(s) skipped)"
            )
    if saved and not n:
        raise InputError("no saved call could be read", str(saved[0]))


def run_report(
    paths: Sequence[str],
    *,
    output: Path,
    redaction: bool = True,
    n_examples: int = 10,
    options: ScoreOptions = ScoreOptions(),
    period: str | None = None,
    date: _dt.date | None = None,
) -> None:
    """Score the inputs and write the HTML report to ``output`` atomically.

    Saved score files (JSONL call records) are read as they are, without scoring; the
    transcripts among the inputs are scored. ``period`` (week|month, default: chosen from the
    span of the dates) sets the trend charts; ``date`` sets every call's date.
    """
    from toneprobe.output import atomic_output
    from toneprobe.readers import iter_input_files
    from toneprobe.records import call_day
    from toneprobe.report import build_report, slim_record
    from toneprobe.scoring import AgentAggregator
    from toneprobe.trends import PERIODS, TrendAggregator, auto_period

    config = load_config(options.config_path)
    _parent(Path(output))  # before the scoring, so a bad path fails fast
    files = iter_input_files(list(paths))
    if not files:
        raise InputError("no transcript files found", " ".join(paths))
    saved, rest = _split_saved(files)
    weights = _scorer(config, options).weights  # the configured weights; no model is loaded
    agg = AgentAggregator(weights)
    trend_by = {
        p: TrendAggregator(p, weights.agents.low_n) for p in ([period] if period else PERIODS)
    }
    span: list[_dt.date] = []
    items: list[tuple[dict[str, Any], Transcript | None]] = []

    def take(call: dict[str, Any], transcript: Transcript | None) -> None:
        if date is not None:
            call["date"] = date.isoformat()
        agg.add(call)
        for trend in trend_by.values():
            trend.add(call)
        if (day := call_day(call)) is not None:
            span[:] = [min(span[0], day), max(span[1], day)] if span else [day, day]
        # without a transcript only a few fields are shown: keep those (memory stays small)
        items.append((call if transcript is not None else slim_record(call), transcript))

    for call in _iter_saved(saved, single=len(files) == 1, config=config, quiet=options.quiet):
        take(call, None)
    if rest:
        for call, transcript in iter_scored(
            [str(f) for f in rest], options, config, _scorer(config, options)
        ):
            take(call, transcript)
    agents = agg.agents()
    trend = trend_by[period or auto_period(span)]
    trends = {
        "period": trend.period,
        "low_n": trend.low_n,
        "points": [p.to_dict() for p in trend.points()],
    }
    html_text = build_report(
        items,
        agents,
        redaction=redaction and config.redaction.enabled,
        redact_options=config.redaction.options(),
        n_examples=n_examples,
        trends=trends,
    )
    with atomic_output(Path(output), sys.stdout) as fh:
        fh.write(html_text)
    if not options.quiet:
        size = len(html_text.encode("utf-8"))
        _say(f"wrote {output} ({len(items)} calls, {len(agents)} agents, {size / 1024:.0f} KiB)")

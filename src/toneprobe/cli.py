"""The toneprobe command line: thin commands over plain functions.

Each command parses its options, calls a plain function and renders the result. Heavy
libraries (torch, transformers, spaCy) are imported inside the functions that need them,
never here, so ``toneprobe --help`` starts fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from toneprobe.errors import ToneprobeError

app = typer.Typer(
    name="toneprobe",
    help=(
        "German-first QA for call-center transcripts: sentiment, de-escalation, hang-ups, "
        "respect markers and per-agent empathy scores.\n\n"
        "Examples:\n\n"
        "  toneprobe score sample_transcripts/\n\n"
        "  toneprobe convert call.vtt --output call.json\n\n"
        "  toneprobe sentiment 'Das ist ja ganz toller Service.'"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _stderr(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


InputFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--input-format",
        "-f",
        help=(
            "Force a reader: toneprobe, aws-transcribe, contact-lens, whisper, google-ccai, "
            "genesys, table, webvtt, srt, text (see `toneprobe formats`); default: detect "
            "from content."
        ),
    ),
]
AgentSpeakerOpt = Annotated[
    str | None,
    typer.Option(
        "--agent-speaker",
        help="Speaker label or name that is the agent (overrides role inference).",
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to this file (atomically) instead of stdout."),
]
JobsOpt = Annotated[
    int | None,
    typer.Option("--workers", "-j", min=1, help="Processes (default: number of cores)."),
]
ThreadsOpt = Annotated[
    int | None,
    typer.Option(
        "--threads",
        min=1,
        help=(
            "Threads per scoring process for numpy/BLAS/OpenMP/torch (default: "
            "$TONEPROBE_THREADS or 1; parallelism comes from --workers)."
        ),
    ),
]
ConfigOpt = Annotated[
    str | None,
    typer.Option("--config", help="Config file (default: nearest toneprobe.toml/pyproject.toml)."),
]
AddressOpt = Annotated[
    str | None,
    typer.Option(
        "--address",
        help=(
            "House style for du/Sie: mirror (the agent's du counts only when the customer says "
            "Sie), Sie (every du counts) or du (du is the house style, never a finding). "
            "Default: [respect] address in the config, else mirror."
        ),
    ),
]


def _check_address(address: str | None) -> None:
    from toneprobe.config import ADDRESS_STYLES

    _check_choice(address, ADDRESS_STYLES, "--address")


@app.command()
def convert(
    paths: Annotated[list[str], typer.Argument(help="Files, directories, globs or - for stdin.")],
    output: OutputOpt = None,
    input_format: InputFormatOpt = None,
    agent_speaker: AgentSpeakerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Read any supported transcript and print toneprobe JSON (JSONL for several calls).

    Example: toneprobe convert call.vtt --output call.json
    """
    from toneprobe.commands import run_convert

    run_convert(
        paths,
        output=output,
        input_format=input_format,
        agent_speaker=agent_speaker,
        config_path=config,
    )


@app.command()
def formats() -> None:
    """List the transcript readers, how each is detected, and an example file name.

    Example: toneprobe formats
    """
    from toneprobe.commands import run_formats

    run_formats()


@app.command()
def sentiment(
    source: Annotated[
        str | None,
        typer.Argument(help="A text, a file with one utterance per line, or - for stdin."),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="embedded (default), fake, or a model directory."),
    ] = None,
    label_map: Annotated[
        str | None,
        typer.Option("--label-map", help="Map a HF model's labels: 'LABEL_0=negative,...'."),
    ] = None,
    fmt: Annotated[
        Literal["table", "jsonl", "csv"], typer.Option("--format", help="Output format.")
    ] = "table",
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", min=1, help="Utterances per model batch.")
    ] = None,
) -> None:
    """Label German utterances positive/negative/neutral: one row per input line, in order.

    Example: toneprobe sentiment calls.txt --format jsonl
    """
    from toneprobe.commands.sentiment import run_sentiment

    run_sentiment(source, model=model, label_map=label_map, fmt=fmt, batch_size=batch_size)


@app.command()
def train(
    train_files: Annotated[list[str], typer.Argument(help="Training TSV files (label<TAB>text).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory for the model.")],
    dev: Annotated[
        list[str] | None, typer.Option("--dev", help="NAME=TSV dev set to report (repeatable).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same model).")] = 13,
    head: Annotated[
        bool,
        typer.Option(
            "--head/--no-head",
            help="Stack the small correction network on the linear model (as the shipped "
            "model does); with two or more training files it also reads one expert model per "
            "file and a gate over the files. --no-head trains the linear model only.",
        ),
    ] = True,
) -> None:
    """Train a sentiment model from labelled TSV files and write it with its model card.

    Example: toneprobe train mine.tsv --dev calls=dev.tsv --output models/mine
    """
    from toneprobe.commands.sentiment import run_train

    run_train(train_files, dev=dev or [], output=output, seed=seed, head=head)


FormatOpt = Annotated[
    str,
    typer.Option("--format", "-F", help="table | json | jsonl | csv | markdown"),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        help="Sentiment model: default (embedded), fake, or a Hugging Face model directory.",
    ),
]
RulesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--rules",
        help="Directory of extra YAML rules (same id overrides a built-in rule). Repeatable.",
    ),
]


def _check_choice(value: str | None, choices: tuple[str, ...], option: str) -> None:
    if value is not None and value not in choices:
        raise typer.BadParameter(
            f"must be one of {', '.join(choices)} (got {value!r})", param_hint=option
        )


DateOpt = Annotated[
    str | None,
    typer.Option(
        "--date",
        help="YYYY-MM-DD: the date of every call read (overrides dates from metadata and file "
        "names).",
    ),
]


def _date_option(value: str | None):  # type: ignore[no-untyped-def]
    """``--date`` as a date; a bad one is a ConfigError (one line, exit 2)."""
    if value is None:
        return None
    from toneprobe.dates import parse_date
    from toneprobe.errors import ConfigError

    try:
        if len(value.strip()) != 10:
            raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}")
        return parse_date(value)
    except ValueError as err:
        raise ConfigError(f"--date: {err}") from None


PathsArg = Annotated[
    list[str], typer.Argument(help="Files, directories (recursive), globs or - for stdin.")
]
NoRedactOpt = Annotated[
    bool, typer.Option("--no-redact", help="Show personal data (masked by default).")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No messages on stderr.")]


@app.command()
def score(
    paths: Annotated[
        list[str], typer.Argument(help="Files, directories (recursive), globs or - for stdin.")
    ],
    by: Annotated[
        str | None,
        typer.Option("--by", help="agent | call (default: agent for tables, call for jsonl/csv)"),
    ] = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    model: ModelOpt = None,
    rules: RulesOpt = None,
    input_format: InputFormatOpt = None,
    agent_speaker: AgentSpeakerOpt = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 2 when any file was skipped.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No summary or warnings on stderr.")
    ] = False,
    workers: JobsOpt = None,
    threads: ThreadsOpt = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Skip calls already in the JSONL --output file.")
    ] = False,
    engine: Annotated[str, typer.Option("--engine", help="local | dask")] = "local",
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address (--engine dask).")
    ] = None,
    config: ConfigOpt = None,
    address: AddressOpt = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="week | month: per-agent trend rows (with --by agent)."),
    ] = None,
    date: DateOpt = None,
) -> None:
    """Score calls and print per-agent empathy scores (or per call with --by call).

    Also reads saved scores (the JSONL of --format jsonl) without scoring them again.

    Example: toneprobe score sample_transcripts/ --format json --output scores.json
    """
    from toneprobe.batch import BatchOptions
    from toneprobe.commands.score import run_score
    from toneprobe.output import FORMATS

    _check_choice(fmt, FORMATS, "--format")
    _check_choice(by, ("agent", "call"), "--by")
    _check_choice(engine, ("local", "dask"), "--engine")
    _check_address(address)
    _check_choice(period, ("week", "month"), "--period")
    day = _date_option(date)
    opts = BatchOptions(
        input_format, agent_speaker, model, tuple(rules or ()), address=address, threads=threads
    )
    code = run_score(
        paths, by=by, fmt=fmt, output=output, options=opts, strict=strict, quiet=quiet,
        workers=workers or os.cpu_count() or 1, engine=engine, scheduler=scheduler, resume=resume,
        config_path=config, period=period, date=day,
    )  # fmt: skip
    raise typer.Exit(code)


@app.command()
def explain(
    path: Annotated[str, typer.Argument(help="One transcript file.")],
    call_id: Annotated[
        str | None, typer.Option("--call-id", help="Only this call (for multi-call files).")
    ] = None,
    model: ModelOpt = None,
    rules: RulesOpt = None,
    input_format: InputFormatOpt = None,
    agent_speaker: AgentSpeakerOpt = None,
    config: ConfigOpt = None,
    address: AddressOpt = None,
) -> None:
    """Show a call turn by turn: sentiment, findings with their words highlighted, and the score.

    Example: toneprobe explain sample_transcripts/json/call_002.json
    """
    from toneprobe.batch import BatchOptions
    from toneprobe.commands.score import run_explain

    _check_address(address)
    run_explain(
        path,
        options=BatchOptions(
            input_format, agent_speaker, model, tuple(rules or ()), address=address
        ),
        call_id=call_id,
        config_path=config,
    )


@app.command(name="rules")
def rules_cmd(
    detector: Annotated[
        str | None, typer.Option("--detector", help="Only this detector's rules.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-F", help="table | json | markdown")] = "table",
    rules: RulesOpt = None,
) -> None:
    """List every rule with id, detector, description and an example.

    Example: toneprobe rules --detector respect
    """
    from toneprobe.commands.score import run_rules

    _check_choice(fmt, ("table", "json", "markdown"), "--format")
    run_rules(fmt=fmt, rules_dirs=tuple(rules or ()), detector=detector)


def _score_options(
    model, rules, input_format, agent_speaker, config, quiet, workers, address, threads
):  # type: ignore[no-untyped-def]
    from toneprobe.commands.workflows import ScoreOptions

    _check_address(address)
    return ScoreOptions(
        model, tuple(rules or ()), input_format, agent_speaker, config, quiet,
        workers=workers or os.cpu_count() or 1, address=address, threads=threads,
    )  # fmt: skip


@app.command()
def evaluate(
    paths: PathsArg,
    labels: Annotated[Path, typer.Option("--labels", "-l", help="Labels: CSV, JSON or YAML.")],
    minimum: Annotated[
        list[str] | None,
        typer.Option("--min", help="Threshold NAME=VALUE, e.g. hangup_f1=0.75 (repeatable)."),
    ] = None,
    junit: Annotated[Path | None, typer.Option("--junit", help="Write JUnit XML here.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-F", help="table | json")] = "table",
    config: ConfigOpt = None, model: ModelOpt = None, rules: RulesOpt = None,
    input_format: InputFormatOpt = None, agent_speaker: AgentSpeakerOpt = None,
    quiet: QuietOpt = False, workers: JobsOpt = None, address: AddressOpt = None,
    threads: ThreadsOpt = None,
) -> None:  # fmt: skip
    """Compare scores with labelled calls; exit 1 when a threshold fails (CI gate).

    Example: toneprobe evaluate sample_transcripts --labels sample_transcripts/labels.csv --min deescalation_f1=0.75 --junit report.xml
    """  # noqa: E501
    from toneprobe.commands.workflows import run_evaluate

    _check_choice(fmt, ("table", "json"), "--format")
    opts = _score_options(
        model, rules, input_format, agent_speaker, config, quiet, workers, address, threads
    )
    run_evaluate(paths, labels=labels, minimums=minimum or [], junit=junit, fmt=fmt, options=opts)


@app.command()
def examples(
    paths: PathsArg,
    detector: Annotated[str | None, typer.Option("--detector", help="Only this detector.")] = None,
    kind: Annotated[str, typer.Option("--kind", help="best | worst")] = "worst",
    n: Annotated[int, typer.Option("-n", min=1, help="How many moments.")] = 10,
    context: Annotated[int, typer.Option("--context", min=0, help="Turns before/after.")] = 2,
    agent: Annotated[str | None, typer.Option("--agent", help="Only this agent.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-F", help="table | markdown | json | csv")] = "table",
    no_redact: NoRedactOpt = False,
    config: ConfigOpt = None, model: ModelOpt = None, rules: RulesOpt = None,
    input_format: InputFormatOpt = None, agent_speaker: AgentSpeakerOpt = None,
    quiet: QuietOpt = False, workers: JobsOpt = None, address: AddressOpt = None,
    threads: ThreadsOpt = None,
) -> None:  # fmt: skip
    """Coaching moments: the strongest positive or negative agent findings, with context.

    Example: toneprobe examples sample_transcripts --kind best -n 5 --format markdown
    """
    from toneprobe.commands.workflows import run_examples

    _check_choice(fmt, ("table", "markdown", "json", "csv"), "--format")
    _check_choice(kind, ("best", "worst"), "--kind")
    opts = _score_options(
        model, rules, input_format, agent_speaker, config, quiet, workers, address, threads
    )
    run_examples(paths, detector=detector, kind=kind, n=n, context=context, agent=agent,
                 fmt=fmt, redaction=not no_redact, options=opts)  # fmt: skip


@app.command()
def report(
    paths: PathsArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")],
    no_redact: NoRedactOpt = False,
    period: Annotated[
        str | None,
        typer.Option("--period", help="week | month for the trend charts (default: from the dates)."),
    ] = None,
    date: DateOpt = None,
    config: ConfigOpt = None, model: ModelOpt = None, rules: RulesOpt = None,
    input_format: InputFormatOpt = None, agent_speaker: AgentSpeakerOpt = None,
    quiet: QuietOpt = False, workers: JobsOpt = None, address: AddressOpt = None,
    threads: ThreadsOpt = None,
) -> None:  # fmt: skip
    """Write one self-contained offline HTML report: agents, trends, charts, best and worst calls.

    Reads transcripts (scored here) and saved scores (the JSONL of score --format jsonl, not
    scored again).

    Example: toneprobe report sample_transcripts --output report.html
    """
    from toneprobe.commands.workflows import run_report

    _check_choice(period, ("week", "month"), "--period")
    day = _date_option(date)
    opts = _score_options(
        model, rules, input_format, agent_speaker, config, quiet, workers, address, threads
    )
    run_report(paths, output=output, redaction=not no_redact, options=opts, period=period, date=day)


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="The earlier scoring (score --format jsonl).")],
    new: Annotated[Path, typer.Argument(help="The later scoring of the same calls.")],
    threshold: Annotated[
        float,
        typer.Option("--threshold", min=0, help="List calls whose score moved by more points."),
    ] = 5.0,
    fail_on: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when this holds, e.g. 'changed_outcomes>5%', 'score_moved>10', "
            "'only_old>0' (repeatable). Names: changed_outcomes, changed_deescalation, "
            "changed_hangup, changed_disrespect, changed_calls, score_moved (count, or % of the "
            "calls in both), only_old, only_new (count or %), findings_appeared, "
            "findings_vanished, max_score_move, agent_shift (points).",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-F", help="table | markdown | json")] = "table",
    output: OutputOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Compare two saved scorings of the same calls: outcomes, scores, findings, agents.

    Example: toneprobe diff before.jsonl after.jsonl --fail-on "changed_outcomes>5%"
    """
    from toneprobe.commands.diff import DIFF_FORMATS, run_diff

    _check_choice(fmt, DIFF_FORMATS, "--format")
    code = run_diff(old, new, threshold=threshold, fail_on=fail_on or [], fmt=fmt,
                    output=output, quiet=quiet)  # fmt: skip
    raise typer.Exit(code)


def main() -> None:
    """Entry point: one handler turns toneprobe errors into one line and an exit code.

    Typer handles usage errors (exit 2) and ``--help``; a ToneprobeError prints
    ``Error: <message>`` with its exit code (2, or 1 for a missed threshold); anything else is
    a bug: traceback plus exit 3, so CI never mistakes it for a missed threshold.
    """
    try:
        app()
    except ToneprobeError as err:
        _stderr(f"Error: {err}")
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        _stderr("Interrupted.")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as err:  # noqa: BLE001 - last resort
        import traceback

        traceback.print_exc()
        _stderr(f"Internal error (please report): {type(err).__name__}: {err}")
        sys.exit(3)

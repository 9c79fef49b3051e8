"""The ``sentiment`` and ``train`` commands: input handling and rendering around plain functions.

``run_sentiment`` reads one utterance per line (a file, stdin) or a single text, runs the
chosen backend in chunks and writes one row per input line as soon as each chunk is done, so
a large file never has all of its output in memory. This module is the output layer for the
two commands: rows go to stdout, the training metrics table and messages to stderr.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import IO, Any

from toneprobe.errors import ConfigError, InputError
from toneprobe.sentiment.base import LABELS, Sentiment

log = logging.getLogger(__name__)

FORMATS = ("table", "jsonl", "csv")
CSV_HEADER = ("text", "label", *LABELS)
# Lines read per predict() call: big enough for length-sorted batches, small enough to stream.
_CHUNK_PER_BATCH = 16
_MIN_CHUNK = 1024


def _decode(data: bytes, where: str) -> str:
    """Decode input bytes with the project's decoder (UTF-8/16, cp1252, ...)."""
    if not data.strip():  # only blank lines: the decoder would call this an empty file
        return data.decode("utf-8-sig", errors="replace")
    try:
        from toneprobe.textio import decode_bytes
    except ImportError:  # pragma: no cover - textio ships with toneprobe
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise InputError(f"not UTF-8 text ({err.reason})", where) from err
    return decode_bytes(data, where)


def iter_lines(text: str) -> Iterator[str]:
    """The lines of ``text``: split on LF, CRLF or CR; a final line end adds no empty line."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for line in io.StringIO(text, newline="\n"):
        yield line[:-1] if line.endswith("\n") else line


def read_inputs(source: str | None, stdin: IO[bytes] | None = None) -> Iterator[str]:
    """Utterances for ``toneprobe sentiment``: a file's lines, stdin's lines, or one text.

    ``source`` is a path to an existing file, ``"-"`` or ``None`` (stdin), or else the text.
    """
    if source is None or source == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        if source is None and stream.isatty():
            raise InputError(
                "nothing to score: give a text, a file with one utterance per line, or - for stdin"
            )
        return iter_lines(_decode(stream.read(), "<stdin>"))
    path = Path(source)
    try:
        is_dir, is_file = path.is_dir(), path.is_file()
    except (OSError, ValueError):  # a long text is not a valid path on every system
        is_dir = is_file = False
    if is_dir:
        raise InputError("is a directory; give a file with one utterance per line", source)
    if is_file:
        try:
            data = path.read_bytes()
        except OSError as err:
            raise InputError(f"cannot read: {err.strerror or err}", source) from err
        return iter_lines(_decode(data, source))
    if "\n" not in source and " " not in source and path.suffix.lower() in {".txt", ".tsv", ".csv"}:
        log.warning("no file %r; scoring the argument itself as a text", source)
    return iter([source])


def _chunks(items: Iterable[str], size: int) -> Iterator[list[str]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def row(text: str, sentiment: Sentiment) -> dict[str, Any]:
    """One output record: ``{"text", "label", "scores"}`` plus ``"empty": true`` for blank lines."""
    return {"text": text, **sentiment.to_dict()}


class _JsonlWriter:
    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def write(self, rows: list[dict[str, Any]]) -> None:
        self.out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)

    def close(self) -> None:
        pass


class _CsvWriter:
    def __init__(self, out: IO[str]) -> None:
        self.writer = csv.writer(out, lineterminator="\n")
        self.writer.writerow(CSV_HEADER)

    def write(self, rows: list[dict[str, Any]]) -> None:
        self.writer.writerows(
            [r["text"], r["label"], *(f"{r['scores'][k]:.4f}" for k in LABELS)] for r in rows
        )

    def close(self) -> None:
        pass


class _TableWriter:
    """A rich table printed chunk by chunk; fixed column widths keep the chunks aligned."""

    def __init__(self, out: IO[str]) -> None:
        from rich.console import Console

        class _Console(Console):
            def on_broken_pipe(self) -> None:  # rich would exit 1; run_sentiment exits 0
                self.quiet = True
                raise BrokenPipeError

        self.console = _Console(file=out, soft_wrap=False)
        self.first = True
        self.count = 0

    def write(self, rows: list[dict[str, Any]]) -> None:
        from rich import box
        from rich.table import Table
        from rich.text import Text

        table = Table(box=box.SIMPLE_HEAD, show_header=self.first, pad_edge=False, expand=True)
        table.add_column("#", justify="right", width=5, no_wrap=True)
        table.add_column("text", ratio=1, overflow="fold")
        table.add_column("label", width=8, no_wrap=True)
        for label in LABELS:
            table.add_column(label[:3], justify="right", width=5, no_wrap=True)
        styles = {"positive": "green", "negative": "red", "neutral": "dim"}
        for r in rows:
            self.count += 1
            # Text(): user text is never read as rich markup
            text = Text("(empty line)", style="dim") if r.get("empty") else Text(r["text"])
            table.add_row(
                str(self.count),
                text,
                Text(r["label"], style=styles[r["label"]]),
                *(f"{r['scores'][k]:.2f}" for k in LABELS),
            )
        self.console.print(table)
        self.first = False

    def close(self) -> None:
        if self.count == 0:
            self.console.print("(no input lines)")


_WRITERS: dict[str, type[_JsonlWriter | _CsvWriter | _TableWriter]] = {
    "table": _TableWriter,
    "jsonl": _JsonlWriter,
    "csv": _CsvWriter,
}


def _writer_factory(fmt: str) -> type[_JsonlWriter | _CsvWriter | _TableWriter]:
    try:
        return _WRITERS[fmt]
    except KeyError:
        raise ConfigError(f"unknown format {fmt!r} (choose {', '.join(FORMATS)})") from None


def run_sentiment(
    source: str | None,
    *,
    model: str | None = None,
    label_map: str | None = None,
    fmt: str = "table",
    batch_size: int | None = None,
    out: IO[str] | None = None,
    stdin: IO[bytes] | None = None,
) -> int:
    """Score each input line and write one row per line to ``out``; return the row count."""
    from toneprobe.sentiment import load_backend

    if batch_size is not None and batch_size < 1:
        raise ConfigError(f"--batch-size must be at least 1 (got {batch_size})")
    out = out if out is not None else sys.stdout
    writer_factory = _writer_factory(fmt)
    lines = read_inputs(source, stdin)
    backend = load_backend(model, label_map=label_map, batch_size=batch_size)
    backend.load()  # fail on a bad model before any row is written
    writer = writer_factory(out)
    count = 0
    try:
        for chunk in _chunks(lines, max(_MIN_CHUNK, (batch_size or 0) * _CHUNK_PER_BATCH)):
            preds = backend.predict(chunk)
            writer.write([row(t, s) for t, s in zip(chunk, preds, strict=True)])
            out.flush()
            count += len(chunk)
        writer.close()
        out.flush()
    except BrokenPipeError:
        # the reader went away (``| head``): stop quietly, exit 0
        _silence_stdout(out)
        log.debug("output closed after %d lines", count)
        return count
    log.info("%d lines scored with %s", count, backend.name)
    return count


def _silence_stdout(out: IO[str]) -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    if out is not sys.stdout:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (captured output)
        pass


def parse_dev_sets(specs: Iterable[str]) -> dict[str, Path]:
    """``["sb10k=path.tsv", ...]`` -> ``{"sb10k": Path("path.tsv")}``; files must exist."""
    dev: dict[str, Path] = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise ConfigError(f"--dev: expected NAME=FILE.tsv, got {spec!r}")
        if name in dev:
            raise ConfigError(f"--dev: the name {name!r} is given twice")
        path = Path(value)
        if not path.is_file():
            raise InputError("no such file (--dev)", value)
        dev[name] = path
    return dev


def metrics_rows(result: Mapping[str, Any]) -> list[tuple[str, dict[str, int | float]]]:
    """Pick ``(dev set, {metric: value})`` rows out of a training result for the stderr table."""
    metrics = result.get("metrics") or result.get("dev") or {}
    if not isinstance(metrics, Mapping):
        return []
    rows = []
    for name, values in metrics.items():
        if isinstance(values, Mapping):
            nums = {
                k: v
                for k, v in values.items()
                if isinstance(v, int | float) and not isinstance(v, bool)
            }
            if nums:
                rows.append((str(name), nums))
        elif isinstance(values, int | float) and not isinstance(values, bool):
            rows.append((str(name), {"value": values}))
    return rows


def _fmt_number(value: int | float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.4f}"


def _print_metrics(rows: list[tuple[str, dict[str, int | float]]]) -> None:
    from rich.console import Console
    from rich.table import Table

    columns: list[str] = []
    for _, values in rows:
        columns += [k for k in values if k not in columns]
    table = Table(title="dev metrics")
    table.add_column("set")
    for col in columns:
        table.add_column(col, justify="right")
    for name, values in rows:
        table.add_row(name, *(_fmt_number(values[c]) if c in values else "" for c in columns))
    Console(stderr=True).print(table)


HEAD_HIDDEN = 64  # per seed, as in the shipped model (scripts/train_models.py)


def run_train(
    train_files: list[str],
    *,
    dev: list[str],
    output: Path,
    seed: int = 13,
    head: bool = True,
    out: IO[str] | None = None,
) -> dict[str, Any]:
    """Train a sentiment model; metrics table to stderr, the result as JSON to ``out``.

    ``head``: add the stacked correction head like the shipped model (else linear only);
    with several training files the head also reads one expert per file and the source gate.
    """
    missing = [f for f in train_files if not Path(f).is_file()]
    if missing:
        raise InputError("no such file (training data)", missing[0])
    dev_files = parse_dev_sets(dev)
    from toneprobe.sentiment.train import Hyper, train_sentiment

    result = train_sentiment(
        [Path(f) for f in train_files],
        dev_files,
        Path(output),
        seed=seed,
        hyper=Hyper(head_hidden=HEAD_HIDDEN if head else 0, experts=head),
    )
    rows = metrics_rows(result)
    if rows:
        _print_metrics(rows)
    out = out if out is not None else sys.stdout
    out.write(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")
    out.flush()
    return result

"""The one output layer: renders score results as table, json, jsonl, csv or markdown.

Only this module writes data; messages, progress and warnings go to stderr elsewhere.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from toneprobe.scoring import COMPONENTS

FORMATS = ("table", "json", "jsonl", "csv", "markdown")

CALL_COLUMNS = (
    "call_id", "source", "agent", "empathy_score",
    "deescalation_score", "hangup_score", "respect_score", "empathy_component", "warmth_score",
    "tone_score",
    "deescalation_outcome", "hangup_outcome", "disrespect",
    "empathy_opportunities", "empathy_responded", "n_turns", "positive_findings", "negative_findings",
    "date",
)  # fmt: skip
AGENT_COLUMNS = (
    "agent", "calls", "empathy_score", "ci95_low", "ci95_high", "low_n",
    "deescalation", "hangup", "respect", "empathy", "warmth", "tone", "disrespect_calls",
    "deescalation_achieved", "deescalation_failed", "hangup_agent", "hangup_customer",
)  # fmt: skip

TREND_COLUMNS = (
    "agent", "period", "start", "end", "calls", "empathy_score", "ci95_low", "ci95_high",
    "low_n", "change",
)  # fmt: skip


def call_row(call: dict[str, Any]) -> dict[str, Any]:
    comp = call["components"]
    return {
        "call_id": call["call_id"],
        "source": call["source"],
        "agent": call["agent"],
        "empathy_score": call["empathy_score"],
        "deescalation_score": comp["deescalation"],
        "hangup_score": comp["hangup"],
        "respect_score": comp["respect"],
        "empathy_component": comp["empathy"],
        "warmth_score": comp.get("warmth"),
        "tone_score": comp.get("tone"),
        "deescalation_outcome": call["deescalation"]["outcome"],
        "hangup_outcome": call["hangup"]["outcome"],
        "disrespect": int(bool(call["respect"]["disrespect"])),
        "empathy_opportunities": call["empathy"]["opportunities"],
        "empathy_responded": call["empathy"]["responded"],
        "n_turns": call["n_turns"],
        "positive_findings": sum(1 for f in call["findings"] if f["polarity"] == "positive"),
        "negative_findings": sum(1 for f in call["findings"] if f["polarity"] == "negative"),
        "date": call.get("date"),
    }


def agent_row(agent: dict[str, Any]) -> dict[str, Any]:
    comp, out = agent["components"], agent["outcomes"]
    return {
        "agent": agent["agent"],
        "calls": agent["calls"],
        "empathy_score": agent["empathy_score"],
        "ci95_low": agent["ci95"][0],
        "ci95_high": agent["ci95"][1],
        "low_n": int(agent["low_n"]),
        **{k: comp.get(k) for k in COMPONENTS},
        "disrespect_calls": out["disrespect_calls"],
        "deescalation_achieved": out["deescalation"].get("achieved", 0),
        "deescalation_failed": out["deescalation"].get("failed", 0),
        "hangup_agent": out["hangup"].get("agent", 0),
        "hangup_customer": out["hangup"].get("customer", 0),
    }


def trend_row(point: dict[str, Any]) -> dict[str, Any]:
    """A TrendPoint's dict (``toneprobe.trends``) as flat CSV/markdown columns."""
    return {
        **{k: point[k] for k in ("agent", "period", "start", "end", "calls", "empathy_score")},
        "ci95_low": point["ci95"][0],
        "ci95_high": point["ci95"][1],
        "low_n": int(point["low_n"]),
        "change": point["change"],
    }


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.1f}"
    return str(v)


class CsvStream:
    """CSV rows written and flushed one whole line at a time."""

    def __init__(self, stream: IO[str], columns: tuple[str, ...]):
        self.stream = stream
        self.writer = csv.DictWriter(
            stream, fieldnames=columns, extrasaction="ignore", lineterminator="\n"
        )
        self.writer.writeheader()
        stream.flush()

    def write(self, row: dict[str, Any]) -> None:
        buf = io.StringIO()
        csv.DictWriter(
            buf, fieldnames=self.writer.fieldnames, extrasaction="ignore", lineterminator="\n"
        ).writerow(row)
        self.stream.write(buf.getvalue())
        self.stream.flush()


def write_jsonl(stream: IO[str], record: dict[str, Any]) -> None:
    stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    stream.flush()


def render_json(doc: dict[str, Any], stream: IO[str]) -> None:
    json.dump(doc, stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def render_markdown(rows: list[dict[str, Any]], columns: tuple[str, ...], stream: IO[str]) -> None:
    stream.write("| " + " | ".join(columns) + " |\n")
    stream.write("|" + "|".join("---" for _ in columns) + "|\n")
    for row in rows:
        cells = [_fmt(row.get(c)).replace("|", "\\|") for c in columns]
        stream.write("| " + " | ".join(cells) + " |\n")


def render_agents_table(agents: list[dict[str, Any]], stream: IO[str], title: str = "") -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=title
        or "Empathy score per agent (0-100; components are means over the calls they apply to)",
        title_justify="left",
    )
    for col, just in (
        ("Agent", "left"), ("Calls", "right"), ("Score", "right"), ("95% CI", "right"),
        ("De-esc.", "right"), ("Hang-up", "right"), ("Respect", "right"), ("Empathy", "right"),
        ("Warmth", "right"), ("Tone", "right"), ("Rude calls", "right"),
        ("Agent hang-ups", "right"),
    ):  # fmt: skip
        table.add_column(col, justify=just, no_wrap=col == "Agent")  # type: ignore[arg-type]
    for a in agents:
        row = agent_row(a)
        name = a["agent"] + (" (few calls)" if a["low_n"] else "")
        table.add_row(
            name, str(a["calls"]), _fmt(a["empathy_score"]), f"{row['ci95_low']:.0f}–{row['ci95_high']:.0f}",
            _fmt(row["deescalation"]), _fmt(row["hangup"]), _fmt(row["respect"]), _fmt(row["empathy"]),
            _fmt(row["warmth"]), _fmt(row["tone"]), str(row["disrespect_calls"]),
            str(row["hangup_agent"]),
        )  # fmt: skip
    Console(file=stream, width=max(120, _width(stream))).print(table)


def render_trends_table(
    points: list[dict[str, Any]], stream: IO[str], period: str, low_n: int
) -> None:
    """One row per agent and period; few-call periods say so instead of showing a change."""
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"Empathy score per agent and {period}",
        title_justify="left",
        caption=f"Change: against the agent's previous {period} with at least {low_n} calls; "
        f"a {period} with fewer calls is marked and not compared.",
        caption_justify="left",
    )
    for col, just in (
        ("Agent", "left"), ("Period", "left"), ("From", "left"), ("Calls", "right"),
        ("Score", "right"), ("95% CI", "right"), ("Change", "right"),
    ):  # fmt: skip
        table.add_column(col, justify=just, no_wrap=True)  # type: ignore[arg-type]
    previous = None
    for p in points:
        if previous is not None and p["agent"] != previous:
            table.add_section()
        previous = p["agent"]
        if p["period"] is None:
            change = "no date"
        elif p["low_n"]:
            change = "few calls"
        else:
            change = "–" if p["change"] is None else f"{p['change']:+.1f}"
        table.add_row(
            p["agent"], p["period"] or "(no date)", p["start"] or "", str(p["calls"]),
            _fmt(p["empathy_score"]), f"{p['ci95'][0]:.0f}–{p['ci95'][1]:.0f}", change,
        )  # fmt: skip
    Console(file=stream, width=max(120, _width(stream))).print(table)


def render_calls_table(calls: list[dict[str, Any]], stream: IO[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Calls", title_justify="left")
    for col in (
        "Call",
        "Agent",
        "Score",
        "De-escalation",
        "Hang-up",
        "Disrespect",
        "Empathy opp./resp.",
        "Findings",
    ):
        table.add_column(col)
    for c in calls:
        r = call_row(c)
        table.add_row(
            str(c["call_id"]), str(c["agent"] or "–"), _fmt(c["empathy_score"]), r["deescalation_outcome"],
            r["hangup_outcome"], "yes" if r["disrespect"] else "no",
            f"{r['empathy_opportunities']}/{r['empathy_responded']}", f"+{r['positive_findings']} −{r['negative_findings']}",
        )  # fmt: skip
    Console(file=stream, width=max(120, _width(stream))).print(table)


def _width(stream: IO[str]) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return 120


def _plain_mode(path: str) -> None:
    """mkstemp makes a private (0600) file; give it the mode a plain ``open()`` would."""
    umask = os.umask(0)
    os.umask(umask)
    with suppress(OSError):  # a file system without modes
        os.chmod(path, 0o666 & ~umask)


@contextmanager
def atomic_output(path: Path | None, stdout: IO[str]) -> Iterator[IO[str]]:
    """Yield a stream; for a path, write a temp file beside it and rename on success only."""
    if path is None:
        yield stdout
        return
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        _plain_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

"""Read and check saved score records: the output of ``toneprobe score --format jsonl``.

The one home of reading saved call records (``diff``, and ``score``/``report`` when given
saved score files). :func:`iter_call_records` yields one call record (a dict, schema_version 1
as in README) per line and checks each line as it goes (:func:`check_call_record`), so a
broken file stops with one line naming the file and the line:
``scores.jsonl:17: not valid JSON (...)``; with an ``errors`` list (a batch) a bad line is
recorded there and skipped instead. Blank lines and a BOM are skipped. The records are not
changed; only the fields that commands read from saved scores are checked.
:func:`is_saved_scores` tells a saved score file from transcripts by its first line.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from toneprobe.errors import InputError

#: field -> the JSON types it may have (None: null allowed), and how a message names them.
#: bool is never accepted (it is an int to Python).
_REQUIRED: dict[str, tuple[tuple[type | None, ...], str]] = {
    "call_id": ((str, int), "a string or a number"),
    "source": ((str, None), "a string or null"),
    "agent": ((str, None), "a string or null"),
    "empathy_score": ((int, float), "a number"),
    "components": ((dict,), "an object"),
    "deescalation": ((dict,), "an object"),
    "hangup": ((dict,), "an object"),
    "respect": ((dict,), "an object"),
    "findings": ((list,), "a list"),
}
_FINDING_FIELDS = ("rule_id", "turn")


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def call_day(call: dict[str, Any]) -> _dt.date | None:
    """The ``date`` of a call record as a date (None when missing or not a date)."""
    value = call.get("date")
    if not isinstance(value, str):
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        return None


def is_call_record(obj: Any) -> bool:
    """A toneprobe CALL record (score output), as opposed to a transcript or a turn row.

    A quick look at the keys (to recognise saved scores); :func:`check_call_record` checks."""
    return (
        isinstance(obj, dict)
        and "turns" not in obj
        and all(key in obj for key in ("call_id", "empathy_score", "components"))
    )


def check_call_record(rec: Any) -> str | None:
    """What is wrong with ``rec`` as a call record, or None when it is one."""
    if not isinstance(rec, dict):
        return f"expected a call record (a JSON object), got {_type_name(rec)}"
    if "turns" in rec:
        return "a transcript, not a call record (give transcripts and score files separately)"
    if "call_id" not in rec and "calls" in rec and ("agent" in rec or "ci95" in rec):
        return (
            "an agent record (score --by agent), not a call record: "
            "save calls with --format jsonl --by call"
        )
    if "schema_version" in rec and "calls" in rec:
        return "a --format json document, not JSON lines (save scores with --format jsonl)"
    for key, (types, wanted) in _REQUIRED.items():
        if key not in rec:
            return f"not a toneprobe call record: no {key!r}"
        value = rec[key]
        ok = any(value is None if t is None else isinstance(value, t) for t in types)
        if not ok or isinstance(value, bool):
            return f"{key!r} must be {wanted} (got {_type_name(value)})"
    if not 0 <= rec["empathy_score"] <= 100:
        return f"'empathy_score' must be 0-100 (got {rec['empathy_score']!r})"
    date = rec.get("date")
    if date is not None and (not isinstance(date, str) or call_day(rec) is None):
        return f"'date' must be YYYY-MM-DD or null (got {date!r})"
    for det in ("deescalation", "hangup"):
        if not isinstance(rec[det].get("outcome"), str):
            return f"{det}.outcome: missing or not a string"
    if "disrespect" not in rec["respect"]:
        return "respect.disrespect: missing"
    for i, f in enumerate(rec["findings"]):
        if not isinstance(f, dict) or any(k not in f for k in _FINDING_FIELDS):
            return f"findings[{i}]: not a finding (needs {', '.join(_FINDING_FIELDS)})"
        if not isinstance(f["rule_id"], str):
            return f"findings[{i}].rule_id: not a string (got {_type_name(f['rule_id'])})"
    return None


def iter_call_records(
    path: str | Path, errors: list[dict[str, Any]] | None = None
) -> Iterator[dict[str, Any]]:
    """Yield each call record of a ``score --format jsonl`` file, in file order, checking
    every line.

    A line that is not UTF-8, not JSON or not a call record raises
    :class:`~toneprobe.errors.InputError` naming ``path:line``, or, with an ``errors`` list (a
    batch), is recorded there as ``{"source", "line", "message"}`` and skipped. A file that
    cannot be read raises InputError naming the file (also with ``errors``).
    """
    name = str(path)
    try:
        fh = open(name, "rb")  # noqa: SIM115 - closed below; a generator keeps it open
    except OSError as err:
        raise InputError(f"cannot read file: {err.strerror or err}", name) from None
    with fh:
        for lineno, raw in enumerate(fh, 1):
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            rec: Any = None
            try:
                line = raw.decode("utf-8")
                rec = json.loads(line)
                problem = check_call_record(rec)
            except UnicodeDecodeError:
                problem = "not UTF-8 text"
            except json.JSONDecodeError as err:
                cut = not raw.endswith(b"\n") and (
                    err.pos >= len(line.rstrip()) - 1 or err.msg.startswith("Unterminated")
                )
                problem = (
                    "incomplete last line (an interrupted run?)"
                    if cut
                    else f"not valid JSON: {err}"
                )
            except ValueError as err:  # e.g. a number too long to convert
                problem = f"not valid JSON: {err}"
            except RecursionError:
                problem = "JSON nested too deeply"
            if problem is None:
                yield rec
            elif errors is None:
                raise InputError(problem, name, lineno)
            else:
                errors.append({"source": name, "line": lineno, "message": problem})


def _first_line(path: Path) -> str:
    with open(path, "rb") as fh:
        for raw in fh:
            if raw.strip():
                return raw.decode("utf-8-sig", errors="replace")
    return ""


def is_saved_scores(path: Path | str) -> bool:
    """Whether a file is saved scores: its first line is a call record (read from content)."""
    p = Path(str(path))
    if str(path) == "-":
        return False  # stdin is read once, by the readers
    try:
        first = _first_line(p)
    except OSError:
        return False  # the reader reports it
    if not first.lstrip().startswith("{"):
        return False
    try:
        return is_call_record(json.loads(first))
    except (ValueError, RecursionError):
        return False

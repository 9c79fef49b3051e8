"""Read saved score records: the output of ``toneprobe score --format jsonl`` (by call).

:func:`iter_call_records` yields one call record (a dict, schema_version 1 as in README) per
line and checks each line as it goes, so a broken file stops with one line naming the file and
the line: ``scores.jsonl:17: not valid JSON (...)``. Blank lines are skipped. The records are
not changed; only the fields that commands read from saved scores are checked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from toneprobe.errors import InputError

#: field -> the JSON types it may have (a number may be an int or a float; None: null allowed)
_REQUIRED: dict[str, tuple[type | None, ...]] = {
    "call_id": (str, int),
    "source": (str, None),
    "agent": (str, None),
    "empathy_score": (int, float, None),
    "components": (dict,),
    "deescalation": (dict,),
    "hangup": (dict,),
    "respect": (dict,),
    "findings": (list,),
}
_FINDING_FIELDS = ("rule_id", "turn")


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def check_call_record(rec: Any) -> str | None:
    """What is wrong with ``rec`` as a call record, or None when it is one."""
    if not isinstance(rec, dict):
        return f"expected a call record (a JSON object), got {_type_name(rec)}"
    if "call_id" not in rec and "calls" in rec and "agent" in rec:
        return "an agent record, not a call record (save scores with --by call)"
    if "schema_version" in rec and "calls" in rec:
        return "a --format json document, not JSON lines (save scores with --format jsonl)"
    for key, types in _REQUIRED.items():
        if key not in rec:
            return f"not a call record: no {key!r}"
        value = rec[key]
        ok = any(value is None if t is None else isinstance(value, t) for t in types)
        if not ok or isinstance(value, bool):
            return f"{key}: unexpected {_type_name(value)}"
    for det in ("deescalation", "hangup"):
        if not isinstance(rec[det].get("outcome"), str):
            return f"{det}.outcome: missing or not a string"
    if "disrespect" not in rec["respect"]:
        return "respect.disrespect: missing"
    for i, f in enumerate(rec["findings"]):
        if not isinstance(f, dict) or any(k not in f for k in _FINDING_FIELDS):
            return f"findings[{i}]: not a finding (needs {', '.join(_FINDING_FIELDS)})"
    return None


def iter_call_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield each call record of a ``score --format jsonl`` file, checking every line.

    Raises :class:`~toneprobe.errors.InputError` naming the file and line for a line that is
    not JSON or not a call record, and naming the file when it cannot be read.
    """
    name = str(path)
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below; a generator keeps it open
    except OSError as err:
        raise InputError(f"cannot read file: {err.strerror or err}", name) from None
    with fh:
        for lineno, raw in enumerate(fh, 1):
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError("not UTF-8 text", name, lineno) from None
            try:
                rec = json.loads(text)
            except ValueError as err:
                cut = "" if raw.endswith(b"\n") else " (a half-written last line?)"
                raise InputError(f"not valid JSON{cut}: {err}", name, lineno) from None
            problem = check_call_record(rec)
            if problem is not None:
                raise InputError(problem, name, lineno)
            yield rec

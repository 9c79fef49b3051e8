"""The day a call took place: from source metadata, a file name, or the user (``--date``).

Pure helpers, no I/O. Readers use them for the metadata their format carries (epoch times are
read as UTC days; an ISO time with an offset keeps the day as written); :func:`date_from_name`
finds a date in a file name or, failing that, in the folders above it.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import PurePath
from typing import Any

# digits must not continue on either side, so "call_0042" or a phone number never matches
_ISO = re.compile(r"(?<!\d)(20\d\d)([-_])(\d\d)\2(\d\d)(?!\d)")  # 2026-11-23, 2026_11_23
_COMPACT = re.compile(r"(?<!\d)(20\d\d)(\d\d)(\d\d)(?!\d)")  # 20261123 (also 20261123T1030)
_GERMAN = re.compile(r"(?<!\d)(\d\d)\.(\d\d)\.(20\d\d)(?!\d)")  # 23.11.2026
_FOLDERS = re.compile(r"(?<!\d)(20\d\d)/(\d\d)/(\d\d)(?![\d])")  # .../2026/11/23/... (Connect)


def _valid(year: str, month: str, day: str) -> _dt.date | None:
    try:
        return _dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _in_text(text: str) -> _dt.date | None:
    for m in _ISO.finditer(text):
        if found := _valid(m.group(1), m.group(3), m.group(4)):
            return found
    for m in _GERMAN.finditer(text):
        if found := _valid(m.group(3), m.group(2), m.group(1)):
            return found
    for m in _COMPACT.finditer(text):
        if found := _valid(m.group(1), m.group(2), m.group(3)):
            return found
    return None


def date_from_name(path: str | PurePath | None) -> _dt.date | None:
    """A date in the file name (``2026-11-23``, ``2026_11_23``, ``20261123``, ``23.11.2026``),
    else in the nearest folder name that has one, else a ``2026/11/23`` folder path; or None."""
    if path is None or str(path) in ("", "-"):
        return None
    pure = PurePath(str(path))
    for part in (pure.name, *(p.name for p in pure.parents)):
        if part and (found := _in_text(part)):
            return found
    for m in _FOLDERS.finditer(pure.as_posix()):
        if found := _valid(m.group(1), m.group(2), m.group(3)):
            return found
    return None


def parse_date(value: Any) -> _dt.date:
    """``YYYY-MM-DD`` (or an ISO 8601 time, whose day is kept as written); ValueError if not."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}")
    text = value.strip()
    try:
        if len(text) == 10:
            return _dt.date.fromisoformat(text)
        return _dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}") from None


def parse_day(text: str) -> _dt.date | None:
    """A date cell of an export: ISO (``2026-11-23``, also a time) or German ``23.11.2026``."""
    m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ ,]+\d{1,2}:\d\d(?::\d\d)?)?", text.strip())
    if m:
        return _valid(m.group(3), m.group(2), m.group(1))
    return date_from_iso_time(text)


def date_from_iso_time(value: Any) -> _dt.date | None:
    """The day of an ISO 8601 / RFC 3339 time or date; None if it is not one."""
    try:
        return parse_date(value)
    except ValueError:
        return None


def date_from_epoch(value: Any, *, scale: float) -> _dt.date | None:
    """The UTC day of an epoch time; ``scale`` converts to seconds (0.001 for ms, 1e-6 for µs).

    Numbers before 2000 (offsets from the call start, not epoch times) give None.
    """
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    seconds = value * scale
    if not 946_684_800 <= seconds < 4_102_444_800:  # 2000-01-01 .. 2100-01-01
        return None
    return _dt.datetime.fromtimestamp(seconds, tz=_dt.UTC).date()

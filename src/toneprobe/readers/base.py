"""What every reader shares: the Reader ABC, the raw segment a reader emits, time parsing.

A reader turns text into :class:`RawCall` objects (segments with speaker labels and, where the
source says so, roles). :func:`toneprobe.roles.finalize` then decides roles, merges segments
into turns and builds the frozen :class:`~toneprobe.model.Transcript`.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from toneprobe.errors import InputError

#: ``system``: a chat tool's event ("Chat beendet"), kept as an event of the call, never a turn
SourceRole = Literal["agent", "customer", "bot", "system"]


@dataclass(slots=True)
class Segment:
    """One stretch of speech as the source gives it (a cue, a row, a phrase)."""

    text: str
    speaker: str | None = None
    role: SourceRole | None = None
    start: float | None = None
    end: float | None = None
    line: int | None = None


@dataclass(slots=True)
class RawCall:
    """One call as read, before roles are decided and segments merged into turns."""

    call_id: str
    segments: list[Segment]
    agent: str | None = None
    customer: str | None = None
    ended_by: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    # Role of a speaker label by recording channel (e.g. Connect: agent on ch_1).
    channel_roles: dict[str, SourceRole] = field(default_factory=dict)
    # Weak agent bias per speaker label (added to the text-cue score), e.g. a channel habit.
    speaker_priors: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    unplaced_lines: list[int] = field(default_factory=list)
    # toneprobe's own JSON is already final: keep its turns exactly as they are.
    keep_turns: bool = False
    # one segment per message (chat logs, turn tables): never join a side's consecutive
    # segments into one turn (cues and ASR segments of one utterance are joined)
    keep_messages: bool = False
    # the day of the call, where the source's metadata gives it (toneprobe.dates)
    date: _dt.date | None = None


class Reader(ABC):
    """A transcript format. Subclasses set the class attributes and implement two methods."""

    name: ClassVar[str]
    description: ClassVar[str]
    example: ClassVar[str]

    @abstractmethod
    def sniff(self, text: str, path: str | None = None) -> float:
        """How sure this reader is that ``text`` is its format: 0 (no) .. 1 (certain)."""

    @abstractmethod
    def parse(self, text: str, path: str | None, call_id: str) -> list[RawCall]:
        """Read ``text``; ``call_id`` is the default id (the file stem). Raise InputError."""


# --- JSON helpers (parse once; several readers sniff the same document) -------------------

_INVALID = object()
_json_cache: tuple[str, Any] | None = None


# a line that opens with a bracketed speaker label or time and goes on with speech is plain
# text, not a JSON array: "[SPEAKER_01]: Hallo", "[Agent] Guten Tag", "[00:00:02] Kunde: ..."
_BRACKET_LINE = re.compile(r"^\[[^\]\[{}\"\n]{1,80}\]\s*:?\s*[^\s,\]}:]")
# a bracketed note or time alone on its line ("[Musik]", "[00:00:02]"): plain text too
_BRACKET_NOTE = re.compile(r"^\[[^\]\[{}\",\n]{1,80}\]\s*$")
_JSON_VALUE_START = re.compile(r"""^(?:$|[{\["'\]\d-]|(?:true|false|null)\b)""")


def looks_like_json(text: str) -> bool:
    """True if ``text`` opens like a JSON document (``{"``, ``[{``, ``[1`` ...), and not like
    a transcript line that starts with a bracket (``[SPEAKER_01]: Hallo``, ``[Musik]``,
    ``[00:00:02] Kunde: ...``) or an annotation in braces (``{Musik}``)."""
    stripped = text.lstrip()
    head = stripped[:1]
    rest = stripped[1:].lstrip()
    if head == "{":
        return rest[:1] in ("", '"', "'", "}")
    if head != "[":
        return False
    first = stripped.split("\n", 1)[0]
    if _BRACKET_LINE.match(first) or _BRACKET_NOTE.match(first):
        return False
    return _JSON_VALUE_START.match(rest) is not None


def require_json(text: str, path: str | None) -> Any:
    """The parsed JSON document of ``text``; for a JSON-looking text that does not parse (and
    is not JSON lines), an InputError naming the JSON error with its line and column."""
    doc = json_document(text)
    if doc is None and looks_like_json(text) and first_jsonl_object(text) is None:
        raise json_error(text, path)
    return doc


def json_document(text: str) -> Any:
    """The parsed JSON of ``text`` or ``None`` if it is not one JSON document (cached)."""
    global _json_cache
    cached = _json_cache
    if cached is not None and cached[0] is text:
        return None if cached[1] is _INVALID else cached[1]
    value: Any = _INVALID
    if looks_like_json(text):
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            value = _INVALID
    _json_cache = (text, value)
    return None if value is _INVALID else value


def json_error(text: str, path: str | None) -> InputError:
    """An InputError that says where ``text`` stops being valid JSON."""
    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        cut = err.pos >= len(text.rstrip()) - 1 or err.msg.startswith("Unterminated string")
        what = "truncated JSON" if cut else "invalid JSON"
        return InputError(f"{what}: {err.msg} (column {err.colno})", path, err.lineno)
    except RecursionError:
        return InputError("JSON nested too deeply", path)
    return InputError("not a JSON document", path)


def jsonl_rows(text: str, path: str | None) -> list[tuple[int, Any]]:
    """(line number, value) of each non-blank line; InputError names the first bad line."""
    rows: list[tuple[int, Any]] = []
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            rows.append((lineno, json.loads(line)))
        except json.JSONDecodeError as err:
            raise InputError(f"invalid JSON line: {err.msg}", path, lineno) from None
        except RecursionError:
            raise InputError("JSON nested too deeply", path, lineno) from None
    return rows


def first_jsonl_object(text: str) -> dict[str, Any] | None:
    """The first line of a JSON-lines text as a dict, or None (cheap sniffing aid)."""
    stripped = text.lstrip()
    if not stripped.startswith("{"):
        return None
    first = stripped.split("\n", 1)[0]
    try:
        value = json.loads(first)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


# --- times ----------------------------------------------------------------------------------

_CLOCK = re.compile(r"^(?:(\d{1,3}):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,6}))?$")
_NUMBER = re.compile(r"^[-+]?\d+(?:[.,]\d+)?$")
_DURATION = re.compile(r"^([-+]?\d+(?:\.\d+)?)(ms|s)$")


def clock_seconds(value: str) -> float | None:
    """``01:23``, ``00:01:23``, ``00:01:23.450`` / ``,450`` as seconds; None if malformed."""
    m = _CLOCK.match(value.strip())
    if not m:
        return None
    hours, minutes, seconds, frac = m.groups()
    mins, secs = int(minutes), int(seconds)
    if secs > 59 or (hours is not None and mins > 59):
        return None
    total = float(int(hours or 0) * 3600 + mins * 60 + secs)
    if frac:
        total += int(frac) / 10 ** len(frac)
    return round(total, 3)


def parse_time(
    value: Any,
    *,
    scale: float = 1.0,
    path: str | None = None,
    line: int | None = None,
    what: str = "time",
) -> float | None:
    """Seconds from a number, ``"1.5"``, ``"1,5"``, ``"1.5s"``, ``"1200ms"`` or a clock string.

    ``scale`` converts plain numbers (1/1000 for millisecond fields). ``None``/``""`` give None;
    anything else that is not a time raises :class:`InputError` naming ``path`` and ``line``.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InputError(f"malformed {what} {value!r}", path, line)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        raw = value.strip()
        if not raw:
            return None
        if _NUMBER.match(raw):
            number = float(raw.replace(",", "."))
        elif m := _DURATION.match(raw):
            number = float(m.group(1))
            return round(number / 1000 if m.group(2) == "ms" else number, 3)
        elif (clock := clock_seconds(raw)) is not None:
            return clock
        else:
            raise InputError(f"malformed {what} {value!r}", path, line)
    elif isinstance(value, dict) and ("seconds" in value or "nanos" in value):
        # protobuf Duration as JSON object
        seconds = parse_time(value.get("seconds", 0), path=path, line=line, what=what) or 0.0
        nanos = value.get("nanos", 0)
        if not isinstance(nanos, int | float) or isinstance(nanos, bool):
            raise InputError(f"malformed {what} {value!r}", path, line)
        return round(seconds + nanos / 1e9, 3)
    else:
        raise InputError(f"malformed {what} {value!r}", path, line)
    if not math.isfinite(number) or number < 0:
        raise InputError(f"malformed {what} {value!r}", path, line)
    return round(number * scale, 3)


def group_words(
    words: Iterable[tuple[float | None, float | None, str | None, str]],
) -> list[Segment]:
    """Consecutive words of one speaker as one segment: (start, end, speaker, word) in order.

    A word starting with whitespace is glued as it is (Whisper's " Tag"), others get a space.
    """
    out: list[Segment] = []
    parts: list[list[str]] = []
    for start, end, speaker, word in words:
        if out and out[-1].speaker == speaker:
            parts[-1].append(word if word[:1].isspace() else " " + word)
            if end is not None:
                out[-1].end = end
            if out[-1].start is None:
                out[-1].start = start
        else:
            out.append(Segment(text="", speaker=speaker, start=start, end=end))
            parts.append([word])
    for seg, words_of in zip(out, parts, strict=True):
        seg.text = "".join(words_of).strip()
    return out


def as_text(value: Any) -> str:
    """A JSON field as text: strings as they are, numbers as written, anything else empty."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def iso_timestamp(value: Any) -> float | None:
    """Seconds since the epoch from an ISO 8601 / RFC 3339 time ("2024-06-03T10:00:00Z")."""
    from datetime import datetime

    text = as_text(value)
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None

"""toneprobe's own JSON: one call object, a list of them, or JSON lines of them."""

from __future__ import annotations

from typing import Any

from toneprobe.dates import parse_date
from toneprobe.errors import InputError
from toneprobe.model import ENDED_BY
from toneprobe.readers.base import (
    RawCall,
    Reader,
    Segment,
    first_jsonl_object,
    json_document,
    json_error,
    jsonl_rows,
    parse_time,
)
from toneprobe.roles import role_from_word

_TOP_KEYS = frozenset(
    {
        "call_id",
        "agent",
        "customer",
        "ended_by",
        "turns",
        "metadata",
        "source",
        "date",
        "started_at",
    }
)


def _is_call(obj: Any) -> bool:
    """Any object with a "turns" key is ours: validation then says what is wrong with it."""
    return isinstance(obj, dict) and "turns" in obj


class ToneprobeJsonReader(Reader):
    name = "toneprobe"
    aliases = ("toneprobe-json", "json")
    description = (
        'toneprobe JSON: {"call_id", "turns": [{"role", "text", ...}]} (object, list or JSONL)'
    )
    example = "0042.json"

    def sniff(self, text: str, path: str | None = None) -> float:
        doc = json_document(text)
        if doc is not None:
            if _is_call(doc):
                return 1.0
            if isinstance(doc, list) and doc and all(_is_call(c) for c in doc[:5]):
                return 1.0
            return 0.0
        first = first_jsonl_object(text)
        return 0.95 if first is not None and _is_call(first) else 0.0

    def parse(self, text: str, path: str | None, call_id: str) -> list[RawCall]:
        doc = json_document(text)
        items: list[tuple[int | None, Any]]
        if doc is None:
            if first_jsonl_object(text) is None:
                raise json_error(text, path)
            items = list(jsonl_rows(text, path))
        elif isinstance(doc, list):
            items = [(None, c) for c in doc]
        else:
            items = [(None, doc)]
        calls = []
        many = len(items) > 1
        for n, (line, obj) in enumerate(items, 1):
            where = f"call #{n}: " if many else ""
            default_id = f"{call_id}-{n}" if many else call_id
            calls.append(_read_call(obj, path, line, where, default_id))
        if not calls:
            raise InputError("no calls in JSON list", path)
        return calls


def _read_call(
    obj: Any, path: str | None, line: int | None, where: str, default_id: str
) -> RawCall:
    if not isinstance(obj, dict):
        raise InputError(f"{where}expected a call object, got {type(obj).__name__}", path, line)
    turns = obj.get("turns")
    if not isinstance(turns, list):
        raise InputError(f"{where}'turns' must be a list", path, line)
    if not turns:
        raise InputError(f"{where}'turns' is empty: no recognisable turns", path, line)
    cid = obj.get("call_id")
    if cid is None or cid == "":
        cid = default_id
    elif not isinstance(cid, str | int) or isinstance(cid, bool):
        raise InputError(f"{where}'call_id' must be a string", path, line)
    ended = obj.get("ended_by")
    if ended is not None and ended not in ENDED_BY:
        raise InputError(
            f"{where}'ended_by' must be one of {', '.join(ENDED_BY)} or null (got {ended!r})",
            path,
            line,
        )
    names = {}
    for key in ("agent", "customer"):
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(f"{where}{key!r} must be a string or null", path, line)
        names[key] = value
    metadata = obj.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise InputError(f"{where}'metadata' must be an object", path, line)
    segments = []
    # a near miss without "role": the speaker says it ("AGENT", "Kunde") or, for every turn
    # without one, roles are inferred from what the speakers say like for any labelled source
    no_roles = all(isinstance(t, dict) and t.get("role") is None for t in turns)
    from_speaker = 0
    for i, turn in enumerate(turns):
        at = f"{where}turn {i}: "
        if not isinstance(turn, dict):
            raise InputError(f"{at}expected an object", path, line)
        text = turn.get("text")
        if not isinstance(text, str):
            raise InputError(f"{at}'text' must be a string", path, line)
        speaker = turn.get("speaker")
        if speaker is not None and not isinstance(speaker, str):
            speaker = str(speaker) if isinstance(speaker, int) else None
        raw_role = turn.get("role")
        role = raw_role if raw_role in ("agent", "customer") else None
        if raw_role == "system":
            role = "system"  # a chat tool's event ("Chat beendet"): an event, not a turn
        if role is None:
            role = role_from_word(raw_role) if isinstance(raw_role, str) else None
        if role is None and raw_role is None and speaker is not None:
            role = role_from_word(speaker)
            from_speaker += role is not None
        if role is None and not (no_roles and speaker):
            raise InputError(f"{at}unknown role {raw_role!r} (agent or customer)", path, line)
        start = parse_time(turn.get("start"), path=path, line=line, what=f"{at}start")
        end = parse_time(turn.get("end"), path=path, line=line, what=f"{at}end")
        segments.append(
            Segment(text=text, speaker=speaker, role=role, start=start, end=end, line=line)
        )
    day = None
    for key in ("date", "started_at"):  # "2026-11-23" or an ISO time ("...T09:15:00+01:00")
        if obj.get(key) is not None:
            try:
                day = parse_date(obj[key])
            except ValueError as err:
                raise InputError(f"{where}{key!r}: {err}", path, line) from None
            break
    extra = {k: v for k, v in obj.items() if k not in _TOP_KEYS}
    inferred = any(seg.role is None for seg in segments)
    raw = RawCall(
        call_id=str(cid),
        segments=segments,
        agent=names["agent"],
        customer=names["customer"],
        ended_by=ended,
        metadata=dict(metadata),
        keep_turns=not inferred,
        date=day,
    )
    if inferred:
        raw.warnings.append("no 'role' in the turns; roles inferred from the speakers' words")
    elif from_speaker:
        raw.warnings.append(
            f"no 'role' in {from_speaker} turn(s); taken from 'speaker' (AGENT, CUSTOMER ...)"
        )
    if extra:
        raw.warnings.append(f"ignored unknown top-level field(s): {', '.join(sorted(extra))}")
    return raw

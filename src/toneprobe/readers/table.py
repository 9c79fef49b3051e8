"""Per-turn tables: CSV/TSV (``;``, ``,``, tab or ``|``), JSON lines and JSON lists of rows.

A file may hold many calls: rows are split by the call id column and sorted by turn number
(or start time). Column names are matched case- and accent-insensitively against common
aliases (``Äußerung``, ``SegmentStartTime``, ``BeginOffsetMillis`` ...); ``3,9`` reads as 3.9.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from typing import Any

from toneprobe.dates import parse_day
from toneprobe.errors import InputError
from toneprobe.readers.base import (
    RawCall,
    Reader,
    Segment,
    SourceRole,
    as_text,
    first_jsonl_object,
    iso_timestamp,
    json_document,
    jsonl_rows,
    parse_time,
    require_json,
)
from toneprobe.readers.chat_events import looks_like_system_message
from toneprobe.readers.plaintext import parse_dialogue
from toneprobe.roles import ended_by_from, role_from_word


def column_key(name: str) -> str:
    """``Äußerung`` -> ``ausserung``; ``Anruf-ID`` -> ``anrufid``."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]", "", plain.casefold())


def _keys(words: str) -> frozenset[str]:
    return frozenset(column_key(w) for w in words.split())


# Chat exports (issue 13): the column names and values of the live-chat tools' documented
# exports and APIs, flattened to one row per message:
# - Zendesk Chat history: ``chat_id``, ``msg``, ``name``, ``sender_type``, ``type``
#   (``chat.msg``, ``chat.memberjoin``, ``chat.memberleave``; Fivetran's Zendesk Chat schema,
#   table ``chat_history``);
# - Freshchat messages: ``conversation_id``, ``actor_type`` ``user|agent|system``,
#   ``message_type`` ``normal|private|system`` (Freshchat webhook payload docs);
# - Intercom conversation parts: ``part_type`` (``comment``, ``note``, ``close``,
#   ``assignment`` ...), ``author.type`` ``user|admin|bot|team`` (intercom-client
#   ``ConversationPart``/``ConversationPartAuthor``);
# - Salesforce: ``ChatKey`` (LiveChatTranscript), ``ConversationEntry`` with ``ActorType``
#   ``Agent|Bot|EndUser|Supervisor|System``, ``ActorName``, ``EntryType`` (``Text`` or an event);
# - LiveChat (text.com): events of type ``message`` or ``system_message`` in a chat's threads;
# - Userlike: ``operator`` and ``contact`` (API add-on docs); German Excel logs: ``Chat-ID``,
#   ``Absender``, ``Besucher``.
ALIASES: dict[str, frozenset[str]] = {
    "call_id": _keys(
        "call_id callid call conversation_id conversationid contact_id ContactId interaction_id "
        "session_id Anruf-ID AnrufID Anruf Gesprächs-ID Gespräch Gespräch-Nr Vorgang "
        "Vorgangsnummer "
        "Anrufnummer CallReference chat_id Chat-ID ChatKey Chat-Nr Chatnummer "
        "LiveChatTranscriptId MessagingSessionId"
    ),
    "turn": _keys(
        "turn turn_id turn_index index idx nr no seq sequence position lfd_nr lfdnr Zeile"
    ),
    "start": _keys(
        "start start_time starttime start_s start_sec start_seconds begin beginn begin_time offset "
        "zeit time timestamp von SegmentStartTime startzeit start_offset created_time "
        "EntryTime Uhrzeit"
    ),
    "start_ms": _keys(
        "start_ms starttime_ms start_time_ms startTimeMs BeginOffsetMillis begin_offset_millis "
        "start_millis begin_ms offset_ms time_ms timestamp_ms start_msec"
    ),
    "end": _keys(
        "end end_time endtime end_s end_sec end_seconds ende bis SegmentEndTime endzeit stop"
    ),
    "end_ms": _keys(
        "end_ms end_time_ms endtime_ms endTimeMs EndOffsetMillis end_offset_millis end_millis "
        "end_msec stop_ms"
    ),
    "role": _keys(
        "role speaker_role participant_role ParticipantRole participantPurpose purpose Rolle "
        "Sprecherrolle Partei side sender_type actor_type ActorType author_type user_type "
        "Absendertyp Absender-Typ"
    ),
    "speaker": _keys(
        "speaker speaker_label speakerlabel participant participant_id ParticipantId Sprecher "
        "Sprecherin name speaker_name SegmentSpeaker from author sender sender_name "
        "ActorName author_name display_name nick Absender Verfasser Autor"
    ),
    "channel": _keys("channel channel_label channel_tag Kanal"),
    "agent": _keys(
        "agent agent_id agent_name Mitarbeiter Mitarbeiterin Bearbeiter Berater Sachbearbeiter"
    ),
    "customer": _keys("customer customer_name kunde kundin kundenname"),
    "date": _keys(
        "date call_date calldate datum anrufdatum gesprächsdatum started_at call_start "
        "conversation_date"
    ),
    "text": _keys(
        "text utterance transcript content message DisplayText Äußerung Aeusserung Inhalt Satz "
        "Nachricht body phrase sentence Transkript transcription Wortlaut msg "
        "Nachrichtentext"
    ),
    # what kind of row: a message, an internal note or a system event (see _KIND_WORDS)
    "kind": _keys(
        "type message_type event_type EntryType part_type msg_type Nachrichtentyp Typ Art"
    ),
    "ended_by": _keys(
        "ended_by endedby beendet_von disconnect_reason DisconnectReason aufgelegt_von"
    ),
}
#: values of a kind column (``column_key`` form): an internal note is not shown to the customer
#: (Freshchat ``private``, Intercom ``note``) and is left out; a system row is an event
_NOTE_KINDS = _keys("private note internal_note Notiz interne_Notiz whisper")
_SYSTEM_KINDS = _keys(
    "system system_message systemmessage Systemnachricht event Ereignis chat.memberjoin "
    "chat.memberleave chat.event chat.transfer memberjoin memberleave close open assignment "
    "transfer ChatEnd"
)
#: role or speaker values that mark a chat tool's own message (not "bot": a bot types answers)
_SYSTEM_WHO = _keys("system Systemnachricht System-Nachricht Chatsystem chat-system System_message")
#: columns whose value ``user`` means the agent (Genesys ``participantPurpose``); elsewhere
#: (Freshchat ``actor_type``, Intercom author types) ``user`` is the customer
_PURPOSE_COLUMNS = _keys("participantPurpose purpose")
_TEXT_KEYS = ALIASES["text"]
_WHO_KEYS = ALIASES["role"] | ALIASES["speaker"] | ALIASES["channel"]
_DELIMITERS = (";", ",", "\t", "|")


def map_columns(names: list[str]) -> dict[str, str]:
    """canonical field -> original column name (first match wins)."""
    found: dict[str, str] = {}
    for name in names:
        key = column_key(str(name))
        for field, aliases in ALIASES.items():
            if key in aliases and field not in found:
                found[field] = name
                break
    return found


def _header_info(text: str) -> tuple[str, int] | None:
    """(delimiter, header line index) when the first line is a table header we understand."""
    lines = text.lstrip("\n").split("\n", 3)
    skip = 0
    first = lines[0]
    m = re.match(r"^sep=(.)\s*$", first)
    if m and len(lines) > 1:
        skip, first = 1, lines[1]
        delimiter = m.group(1)
    else:
        counts = {d: first.count(d) for d in _DELIMITERS}
        delimiter = max(counts, key=lambda d: counts[d])
        if counts[delimiter] == 0:
            return None
    cells = next(csv.reader([first], delimiter=delimiter), [])
    keys = {column_key(c) for c in cells}
    if keys & _TEXT_KEYS and len(cells) >= 2:
        return delimiter, skip
    return None


def _row_like(obj: Any) -> bool:
    if not isinstance(obj, dict) or "turns" in obj:
        return False
    keys = {column_key(str(k)) for k in obj}
    # a row names who speaks, or the call (QA exports: the whole call in one text field)
    return bool(keys & _TEXT_KEYS) and bool(keys & (_WHO_KEYS | ALIASES["call_id"]))


class TableReader(Reader):
    name = "table"
    aliases = ("csv", "tsv", "jsonl")
    description = (
        "CSV/TSV/JSONL rows: call_id, role/speaker, text, start (aliases, ; or , or tab); "
        "Whisper TSV; a whole call in one cell"
    )
    example = "export.csv"

    def sniff(self, text: str, path: str | None = None) -> float:
        doc = json_document(text)
        if doc is not None:
            return 0.8 if isinstance(doc, list) and doc and _row_like(doc[0]) else 0.0
        first = first_jsonl_object(text)
        if first is not None:
            return 0.8 if _row_like(first) else 0.0
        if text.lstrip().startswith(("{", "[", "WEBVTT")):
            return 0.0
        info = _header_info(text)
        if info is None:
            return 0.0
        header = text.lstrip("\n").split("\n", info[1] + 1)[info[1]]
        cells = next(csv.reader([header], delimiter=info[0]), [])
        return 0.9 if {column_key(c) for c in cells} & _WHO_KEYS else 0.6

    def parse(self, text: str, path: str | None, call_id: str) -> list[RawCall]:
        rows: list[tuple[int | None, dict[str, Any]]]
        doc = require_json(text, path)
        if doc is not None:
            if not isinstance(doc, list):
                raise InputError("expected a JSON list of rows", path)
            rows = []
            for i, item in enumerate(doc):
                if not isinstance(item, dict):
                    raise InputError(f"row {i}: expected an object", path)
                rows.append((None, item))
        elif first_jsonl_object(text) is not None:
            rows = []
            for lineno, item in jsonl_rows(text, path):
                if not isinstance(item, dict):
                    raise InputError("expected one JSON object per line", path, lineno)
                rows.append((lineno, item))
        else:
            rows = _csv_rows(text, path)
        if not rows:
            raise InputError("no rows: no recognisable turns", path)
        return _calls_from_rows(rows, path, call_id)


def _csv_rows(text: str, path: str | None) -> list[tuple[int | None, dict[str, Any]]]:
    text = text.lstrip("\n")
    info = _header_info(text)
    if info is None:
        raise InputError("no table header with a text column", path, 1)
    delimiter, skip = info
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    out: list[tuple[int | None, dict[str, Any]]] = []
    header: list[str] | None = None
    try:
        last_line = 0
        for cells in reader:
            lineno = last_line + 1
            last_line = reader.line_num
            if skip:
                skip -= 1
                continue
            if header is None:
                header = [c.strip() for c in cells]
                continue
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header):
                extra = [c for c in cells[len(header) :] if c.strip()]
                if extra:
                    raise InputError(
                        f"row has {len(cells)} cells but the header has {len(header)}", path, lineno
                    )
            out.append((lineno, dict(zip(header, cells, strict=False))))
    except csv.Error as err:
        raise InputError(f"malformed CSV: {err}", path, reader.line_num) from None
    return out


def _speaker_of(row: dict[str, Any], cols: dict[str, str]) -> str | None:
    if "speaker" in cols:
        value = as_text(row.get(cols["speaker"])).strip()
        if value:
            return value
    if "channel" in cols:
        value = as_text(row.get(cols["channel"])).strip()
        if value:
            return f"ch_{value}" if value.isdigit() else value
    return None


def _time(
    row: dict[str, Any], cols: dict[str, str], which: str, path: str | None, line: int | None
):
    if f"{which}_ms" in cols:
        return parse_time(
            row.get(cols[f"{which}_ms"]), scale=0.001, path=path, line=line, what=which
        )
    if which in cols:
        value = row.get(cols[which])
        if isinstance(value, str) and _ISO_TIME.match(value.strip()):
            # a chat log's message time ("2026-11-12T14:02:05Z"): seconds since the epoch,
            # made relative to the call's first message in _from_epoch
            stamp = iso_timestamp(value.strip())
            if stamp is None:
                raise InputError(f"malformed {which} {value!r}", path, line)
            return stamp + _EPOCH_MARK
        return parse_time(value, path=path, line=line, what=which)
    return None


# ISO 8601 date and time, as chat tools write a message's time (Zendesk, Freshchat, Salesforce)
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# added to epoch times so that _from_epoch can tell them from offsets (no call lasts 300 years)
_EPOCH_MARK = 1e10


def _from_epoch(call: RawCall) -> None:
    """Times read from ISO date-times: seconds from the call's first message."""
    stamps = [t for s in call.segments for t in (s.start, s.end) if t is not None]
    if not stamps or min(stamps) < _EPOCH_MARK:
        return
    first = min(stamps)
    for seg in call.segments:
        seg.start = None if seg.start is None else round(seg.start - first, 3)
        seg.end = None if seg.end is None else round(seg.end - first, 3)


def _calls_from_rows(
    rows: list[tuple[int | None, dict[str, Any]]], path: str | None, default_id: str
) -> list[RawCall]:
    names: list[str] = []
    for _, row in rows:
        for key in row:
            if key not in names:
                names.append(key)
    cols = map_columns(names)
    if "text" not in cols:
        raise InputError("no text column (text, utterance, content, Äußerung ...)", path)
    has_who = any(k in cols for k in ("role", "speaker", "channel"))
    calls: dict[str, RawCall] = {}
    order_keys: dict[str, list[tuple[Any, ...]]] = {}
    unitless: set[str] = set()  # calls with times from plain numbers in unit-less columns
    cells: dict[str, dict[str, int | None]] = {}  # per call: dialogue cells/timed turns seen
    repeats: dict[str, list[int | None]] = {}  # per call: lines of rows that repeat one
    notes: dict[str, list[int | None]] = {}  # per call: lines of internal notes left out
    for n, (line, row) in enumerate(rows):
        cid = as_text(row.get(cols["call_id"])).strip() if "call_id" in cols else ""
        cid = cid or default_id
        call = calls.get(cid)
        if call is None:
            call = calls[cid] = RawCall(call_id=cid, segments=[], metadata={"format": "table"})
            order_keys[cid] = []
        text = as_text(row.get(cols["text"]))
        role: SourceRole | None = None
        if "role" in cols:
            raw_role = as_text(row.get(cols["role"])).strip()
            if raw_role:
                role = _table_role(raw_role, cols["role"])
                if role is None:
                    raise InputError(f"unknown role {raw_role!r}", path, line)
        if "kind" in cols:
            kind = column_key(as_text(row.get(cols["kind"])))
            if kind in _NOTE_KINDS:
                notes.setdefault(cid, []).append(line)
                continue  # an internal note: the customer never saw it
            if kind in _SYSTEM_KINDS:
                role = "system"
                if not text.strip():  # Zendesk "chat.memberjoin", Intercom "close": no text
                    text = as_text(row.get(cols["kind"])).strip()
        start = _time(row, cols, "start", path, line)
        end = _time(row, cols, "end", path, line)
        if _unitless(row, cols):
            unitless.add(cid)
        for field in ("agent", "customer"):
            if field in cols and getattr(call, field) is None:
                value = as_text(row.get(cols[field])).strip()
                if value and role_from_word(value) is None:
                    setattr(call, field, value)
        if "date" in cols and call.date is None:
            value = as_text(row.get(cols["date"])).strip()
            if value:
                call.date = parse_day(value)
                if call.date is None:
                    raise InputError(f"malformed date {value!r}", path, line)
        if "ended_by" in cols and call.ended_by is None:
            call.ended_by = ended_by_from(as_text(row.get(cols["ended_by"])))
        if not has_who and _INLINE_MARKER.search(text):
            text = _INLINE_MARKER.sub("\n", text)  # "... [turn=2 | 00:00:06 | CUSTOMER]: ..."
        if not has_who and "\n" in text.strip():
            key = " ".join(text.split())
            if key in cells.setdefault(cid, {}):
                repeats.setdefault(cid, []).append(line)
                continue  # the same call again (one row per QA question): read it once
            cells[cid][key] = line
            segs, info = parse_dialogue(text, path, line or 1)
            if not segs:  # no speaker markers: one segment per line, roles decided later
                segs = [
                    Segment(text=ln.strip(), line=(line or 1) + i)
                    for i, ln in enumerate(text.split("\n"))
                    if ln.strip()
                ]
            if segs:
                call.segments.extend(segs)
                order_keys[cid].extend((n, i) for i in range(len(segs)))
                continue
        speaker = _speaker_of(row, cols)
        if start is not None or end is not None:
            key = "\t".join(str(x) for x in (speaker, role, start, end, " ".join(text.split())))
            if key in cells.setdefault(cid, {}):
                repeats.setdefault(cid, []).append(line)
                continue  # the same turn at the same time again
            cells[cid][key] = line
        if role is None and speaker is not None:
            role = _table_role(speaker, "")  # a speaker column holding "Agent" / "Kunde"
        if role is None and speaker is None and has_who and looks_like_system_message(text):
            role = "system"  # "Chat beendet" in a row that names nobody
        call.segments.append(
            Segment(
                text=text,
                speaker=speaker,
                role=role,
                start=start,
                end=end,
                line=line,
            )
        )
        turn_no = _number(row.get(cols["turn"])) if "turn" in cols else None
        order_keys[cid].append((turn_no, n))
    for cid, call in calls.items():
        _sort(call, order_keys[cid])
        _from_epoch(call)
        # one row per message (no end time: a chat log, a turn table) stays one turn, as in
        # toneprobe JSON; rows with start and end are stretches of speech, joined per speaker
        call.keep_messages = all(seg.end is None for seg in call.segments)
        if cid in notes:
            lines = [str(x) for x in notes[cid] if x is not None]
            at = f" (line(s) {', '.join(lines[:10])})" if lines else ""
            call.warnings.append(
                f"left out {len(notes[cid])} internal note(s){at}: not shown to the customer"
            )
        if cid in unitless:
            _settle_unit(call)
        if cid in repeats:
            lines = [str(x) for x in repeats[cid] if x is not None]
            at = f" (line(s) {', '.join(lines[:10])})" if lines else ""
            call.warnings.append(
                f"{len(repeats[cid])} row(s) repeat a transcript already read{at}, e.g. one row "
                "per QA question; each transcript read once"
            )
    return list(calls.values())


def _table_role(value: str, column: str) -> SourceRole | None:
    """A role cell (or a speaker cell holding a role word): ``system`` for the chat tool's own
    messages; ``user`` by the column (Genesys purpose: the agent; chat tools: the customer)."""
    key = column_key(value)
    if key in _SYSTEM_WHO:
        return "system"
    if key == "user":
        return "agent" if column_key(column) in _PURPOSE_COLUMNS else "customer"
    return role_from_word(value)


def _number(value: Any) -> float | None:
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return None


def _sort(call: RawCall, keys: list[tuple[Any, ...]]) -> None:
    segs = call.segments
    if len(keys) != len(segs) or len(segs) < 2:
        return
    if all(k[0] is not None and len(k) == 2 and isinstance(k[0], float) for k in keys):
        order = sorted(range(len(segs)), key=lambda i: (keys[i][0], i))
    elif all(s.start is not None for s in segs):
        order = sorted(range(len(segs)), key=lambda i: (segs[i].start, i))
    else:
        return
    call.segments = [segs[i] for i in order]


# a speaker marker with "|"-separated fields inside one line of a cell: split the cell there
_INLINE_MARKER = re.compile(r"(?<=\S)[ \t]+(?=\[[^\]\n|]{0,40}\|[^\]\n]{1,80}\]:)")
_PLAIN_NUMBER = re.compile(r"^\s*\d+(?:[.,]\d+)?\s*$")


def _unitless(row: dict[str, Any], cols: dict[str, str]) -> bool:
    """Times given as plain numbers in columns whose name says no unit (``start``, not
    ``start_ms``): seconds or milliseconds, to be settled from the evidence."""
    if "start_ms" in cols or "end_ms" in cols:
        return False
    values = [row.get(cols[k]) for k in ("start", "end") if k in cols]
    return any(
        isinstance(v, int | float)
        and not isinstance(v, bool)
        or isinstance(v, str)
        and _PLAIN_NUMBER.match(v) is not None
        for v in values
    )


def _speech_rate(segments: list[Segment]) -> tuple[float, float] | None:
    """(characters of text per time unit, span of the call) from unit-less times."""
    times = [t for s in segments for t in (s.start, s.end) if t is not None]
    if len(times) < 2:
        return None
    span = max(times) - min(times)
    chars = sum(len(s.text.strip()) for s in segments)
    return (chars / span, span) if span > 0 and chars else None


def _settle_unit(call: RawCall) -> None:
    """Unit-less times: seconds or milliseconds, from how fast the call would be spoken.

    People say about 10-20 characters a second. Read as seconds, Whisper's TSV (``start end
    text`` in ms) gives a hundredth of a character a second and a 34-second call 9 hours long;
    read as milliseconds, a normal rate. Large numbers alone decide nothing (a long recording).
    """
    got = _speech_rate(call.segments)
    if got is None:
        if max((s.start or 0.0) for s in call.segments) > 10_000:
            call.warnings.append(
                "times above 10000 may be milliseconds; read as seconds (too little text to "
                "tell; name the column start_ms to read milliseconds)"
            )
        return
    rate, span = got
    if rate >= 1.0 or rate * 1000 > 100:
        return  # a plausible rate in seconds (or implausible in ms too): seconds
    for seg in call.segments:
        seg.start = None if seg.start is None else round(seg.start / 1000, 3)
        seg.end = None if seg.end is None else round(seg.end / 1000, 3)
    call.warnings.append(
        f"times read as milliseconds: as seconds the call would last {span / 3600:.1f} h at "
        f"{rate:.2f} characters per second, as milliseconds {span / 1000:.1f} s at "
        f"{rate * 1000:.1f} (name the column start_ms to say so)"
    )

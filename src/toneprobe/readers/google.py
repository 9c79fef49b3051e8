"""Google CCAI Insights conversation JSON (upload ``entries`` and exported
``transcript.transcriptSegments``) and Speech-to-Text ``results[].alternatives[].words``.

Roles: ``AGENT``/``HUMAN_AGENT`` agent, ``CUSTOMER``/``END_USER`` customer, ``AUTOMATED_AGENT``
bot (left out of agent turns). Entry timestamps are µs since the epoch: made relative.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from toneprobe.dates import date_from_epoch, date_from_iso_time
from toneprobe.errors import InputError
from toneprobe.readers.base import (
    RawCall,
    Reader,
    Segment,
    SourceRole,
    as_dict,
    as_list,
    as_text,
    group_words,
    iso_timestamp,
    json_document,
    parse_time,
    require_json,
)
from toneprobe.roles import role_from_word


def _role(value: Any, where: str, path: str | None) -> SourceRole | None:
    raw = as_text(value).strip()
    if not raw or raw.upper() in ("ROLE_UNSPECIFIED", "UNKNOWN"):
        return None
    role = role_from_word(raw)
    if role is None:
        raise InputError(f"{where}: unknown role {raw!r}", path)
    return role


def _shape(doc: Any) -> str | None:
    if not isinstance(doc, dict):
        return None
    entries = doc.get("entries")
    if (
        isinstance(entries, list)
        and entries
        and isinstance(entries[0], dict)
        and "text" in entries[0]
    ):
        return "entries"
    tr = as_dict(doc.get("transcript"))
    if isinstance(tr.get("transcriptSegments"), list) or isinstance(
        doc.get("transcriptSegments"), list
    ):
        return "segments"
    results = doc.get("results")
    if isinstance(results, list) and results and "alternatives" in as_dict(results[0]):
        return "stt"
    return None


class GoogleReader(Reader):
    name = "google-ccai"
    aliases = ("google", "ccai", "google-stt")
    description = "Google CCAI Insights entries[] / transcriptSegments[]; Speech-to-Text results[]"
    example = "ccai_conversation.json"

    def sniff(self, text: str, path: str | None = None) -> float:
        return 1.0 if _shape(json_document(text)) else 0.0

    def parse(self, text: str, path: str | None, call_id: str) -> list[RawCall]:
        doc = require_json(text, path)
        shape = _shape(doc)
        if shape == "entries":
            segments = _entries(doc["entries"], path)
        elif shape == "segments":
            segments = _transcript_segments(doc, path)
        elif shape == "stt":
            segments = _stt(doc["results"], path)
        else:
            raise InputError("not Google CCAI / Speech-to-Text JSON", path)
        if not any(s.text.strip() for s in segments):
            raise InputError("no text in the conversation: no recognisable turns", path)
        name = as_text(doc.get("name"))
        metadata: dict[str, Any] = {"format": self.name}
        if name:
            metadata["source_call_id"] = name.rsplit("/", 1)[-1]
        cats = [
            as_text(as_dict(c).get("display_name"))
            for c in as_list(as_dict(doc.get("conversation_info")).get("categories"))
        ]
        if any(cats):
            metadata["categories"] = [c for c in cats if c]
        raw = RawCall(call_id=call_id, segments=segments, metadata=metadata, date=_date(doc, shape))
        agent_id = as_text(doc.get("agentId")) or as_text(
            as_dict(doc.get("agent_info")).get("agent_id")
        )
        if agent_id:
            raw.agent = agent_id
        call_meta = as_dict(doc.get("callMetadata"))
        agent_ch = call_meta.get("agentChannel")
        cust_ch = call_meta.get("customerChannel")
        if isinstance(agent_ch, int):
            raw.channel_roles[f"ch_{agent_ch}"] = "agent"
        if isinstance(cust_ch, int):
            raw.channel_roles[f"ch_{cust_ch}"] = "customer"
        return [raw]


def _date(doc: dict[str, Any], shape: str) -> _dt.date | None:
    """Upload entries: the first epoch-µs timestamp (UTC day); exported conversations: their
    ``startTime`` (or ``createTime``, else the first ``messageTime``). Speech-to-Text: none."""
    if shape == "entries":
        stamps = [as_dict(e).get("start_timestamp_usec") for e in as_list(doc.get("entries"))]
        days = [d for d in (date_from_epoch(s, scale=1e-6) for s in stamps) if d is not None]
        return min(days) if days else None
    if shape == "segments":
        segs = as_dict(doc.get("transcript")).get("transcriptSegments")
        first = as_dict((as_list(segs) or as_list(doc.get("transcriptSegments")) or [{}])[0])
        for value in (doc.get("startTime"), doc.get("createTime"), first.get("messageTime")):
            if (day := date_from_iso_time(value)) is not None:
                return day
    return None


def _entries(entries: list[Any], path: str | None) -> list[Segment]:
    rows = []
    for i, e in enumerate(entries):
        e = as_dict(e)
        ts = e.get("start_timestamp_usec")
        t = parse_time(ts, scale=1e-6, path=path, what=f"entries[{i}].start_timestamp_usec")
        user = e.get("user_id")
        speaker = f"user_{user}" if user not in (None, "") else None
        role = _role(e.get("role"), f"entries[{i}]", path)
        rows.append(
            Segment(text=as_text(e.get("text")), speaker=speaker or role, role=role, start=t)
        )
    times = [s.start for s in rows if s.start is not None]
    base = min(times) if times else 0.0
    for s in rows:
        if s.start is not None:
            s.start = round(s.start - base, 3)
    for i, s in enumerate(rows):
        nxt = rows[i + 1].start if i + 1 < len(rows) else None
        s.end = nxt if nxt is not None and s.start is not None and nxt >= s.start else None
    return rows


def _transcript_segments(doc: dict[str, Any], path: str | None) -> list[Segment]:
    segs = as_dict(doc.get("transcript")).get("transcriptSegments")
    if not isinstance(segs, list):
        segs = doc.get("transcriptSegments") or []
    conv_start = iso_timestamp(doc.get("startTime"))
    out = []
    for i, seg in enumerate(segs):
        seg = as_dict(seg)
        part = as_dict(seg.get("segmentParticipant"))
        role = _role(part.get("role"), f"transcriptSegments[{i}]", path)
        ch = seg.get("channelTag")
        speaker = f"ch_{ch}" if isinstance(ch, int) else (as_text(part.get("userId")) or role)
        words = [as_dict(w) for w in as_list(seg.get("words"))]
        start = end = None
        if words:
            start = parse_time(words[0].get("startOffset"), path=path, what="startOffset")
            end = parse_time(words[-1].get("endOffset"), path=path, what="endOffset")
        if start is None and conv_start is not None:
            t = iso_timestamp(seg.get("messageTime"))
            start = round(t - conv_start, 3) if t is not None else None
        text = as_text(seg.get("text")) or " ".join(as_text(w.get("word")) for w in words)
        out.append(Segment(text=text, speaker=speaker, role=role, start=start, end=end))
    return out


def _stt(results: list[Any], path: str | None) -> list[Segment]:
    # with diarization the last result repeats every word with a speakerTag
    last_words = as_list(
        as_dict((as_list(as_dict(results[-1]).get("alternatives")) or [{}])[0]).get("words")
    )
    if last_words and all(
        "speakerTag" in as_dict(w) or "speakerLabel" in as_dict(w) for w in last_words
    ):
        tagged = []
        for w in last_words:
            w = as_dict(w)
            spk = as_text(w.get("speakerLabel")) or f"speaker_{as_text(w.get('speakerTag'))}"
            start = parse_time(
                w.get("startTime") or w.get("startOffset"), path=path, what="startTime"
            )
            end = parse_time(w.get("endTime") or w.get("endOffset"), path=path, what="endTime")
            tagged.append((start, end, spk, as_text(w.get("word")).strip()))
        return group_words(t for t in tagged if t[3])
    out = []
    for r in results:
        r = as_dict(r)
        alt = as_dict((as_list(r.get("alternatives")) or [{}])[0])
        words = [as_dict(w) for w in as_list(alt.get("words"))]
        ch = r.get("channelTag")
        start = (
            parse_time(words[0].get("startTime"), path=path, what="startTime") if words else None
        )
        end = (
            parse_time(r.get("resultEndTime"), path=path, what="resultEndTime")
            if r.get("resultEndTime")
            else None
        )
        out.append(
            Segment(
                text=as_text(alt.get("transcript")),
                speaker=f"ch_{ch}" if isinstance(ch, int) else None,
                start=start,
                end=end,
            )
        )
    out.sort(key=lambda s: s.start if s.start is not None else float("inf"))
    return out

"""Amazon Connect Contact Lens analysis JSON and Transcribe Call Analytics (TCA) output.

Contact Lens: ``Participants[{ParticipantId, ParticipantRole}]`` + ``Transcript[{ParticipantId,
Content, BeginOffsetMillis, EndOffsetMillis}]``. TCA puts ``ParticipantRole`` on each turn.
The real-time API wraps turns as ``Segments[{Transcript: {...}}]``. Roles are explicit.
"""

from __future__ import annotations

from typing import Any

from toneprobe.dates import date_from_iso_time, date_from_name
from toneprobe.errors import InputError
from toneprobe.readers.base import (
    RawCall,
    Reader,
    Segment,
    SourceRole,
    as_dict,
    as_list,
    as_text,
    iso_timestamp,
    json_document,
    parse_time,
    require_json,
)
from toneprobe.roles import ended_by_from, role_from_word


def _turns(doc: Any) -> list[dict[str, Any]] | None:
    if not isinstance(doc, dict):
        return None
    turns = doc.get("Transcript")
    if isinstance(turns, list):
        return [t for t in turns if isinstance(t, dict)]
    segs = doc.get("Segments")
    if isinstance(segs, list):
        out = [as_dict(s).get("Transcript") for s in segs]
        return [t for t in out if isinstance(t, dict)]
    return None


def _disconnect(doc: dict[str, Any]) -> str | None:
    for holder in (doc, as_dict(doc.get("ContactMetadata")), as_dict(doc.get("CustomerMetadata"))):
        reason = holder.get("DisconnectReason")
        if isinstance(reason, str):
            return ended_by_from(reason)
    return None


class ContactLensReader(Reader):
    name = "contact-lens"
    aliases = ("connect", "tca", "transcribe-call-analytics")
    description = (
        "Amazon Connect Contact Lens / Transcribe Call Analytics: Participants + Transcript[]"
    )
    example = "contact-lens-analysis.json"

    def sniff(self, text: str, path: str | None = None) -> float:
        turns = _turns(json_document(text))
        if not turns:
            return 0.0
        first = turns[0]
        ok = "Content" in first and ("ParticipantId" in first or "ParticipantRole" in first)
        return 1.0 if ok else 0.0

    def parse(self, text: str, path: str | None, call_id: str) -> list[RawCall]:
        doc = require_json(text, path)
        turns = _turns(doc)
        if turns is None:
            raise InputError("not Contact Lens JSON (no Transcript list)", path)
        roles: dict[str, str] = {}
        for p in as_list(doc.get("Participants")):
            p = as_dict(p)
            pid, prole = as_text(p.get("ParticipantId")), as_text(p.get("ParticipantRole"))
            if pid and prole:
                roles[pid] = prole
        for ch in as_list(doc.get("ChannelDefinitions")):
            ch = as_dict(ch)
            if "ChannelId" in ch and ch.get("ParticipantRole"):
                roles.setdefault(f"ch_{ch['ChannelId']}", as_text(ch["ParticipantRole"]))
        segments: list[Segment] = []
        absolute: list[tuple[int, float | None]] = []
        for i, turn in enumerate(turns):
            pid = as_text(turn.get("ParticipantId"))
            raw_role = as_text(turn.get("ParticipantRole")) or roles.get(pid, "")
            role: SourceRole | None = role_from_word(raw_role) if raw_role else None
            if raw_role and role is None:
                raise InputError(f"Transcript[{i}]: unknown ParticipantRole {raw_role!r}", path)
            if role is None and not pid:
                raise InputError(f"Transcript[{i}]: no ParticipantId or ParticipantRole", path)
            segments.append(
                Segment(
                    text=as_text(turn.get("Content")),
                    speaker=pid or raw_role,
                    role=role,
                    start=parse_time(
                        turn.get("BeginOffsetMillis"),
                        scale=0.001,
                        path=path,
                        what="BeginOffsetMillis",
                    ),
                    end=parse_time(
                        turn.get("EndOffsetMillis"), scale=0.001, path=path, what="EndOffsetMillis"
                    ),
                )
            )
            if segments[-1].start is None and isinstance(turn.get("AbsoluteTime"), str):
                absolute.append((len(segments) - 1, iso_timestamp(turn["AbsoluteTime"])))
        # chat analysis gives wall-clock AbsoluteTime instead of offsets: make them relative
        known = [t for _, t in absolute if t is not None]
        for n, t in absolute:
            if t is not None:
                segments[n].start = round(t - min(known), 3)
        meta = as_dict(doc.get("CustomerMetadata"))
        source_id = as_text(meta.get("ContactId")) or as_text(doc.get("JobName"))
        metadata: dict[str, Any] = {"format": self.name}
        if source_id:
            metadata["source_call_id"] = source_id
        for key in ("LanguageCode", "Channel", "Version"):
            if isinstance(doc.get(key), str):
                metadata[key] = doc[key]
        if as_dict(doc.get("ContentMetadata")).get("Output") == "Redacted":
            metadata["redacted"] = True
        raw = RawCall(
            call_id=call_id, segments=segments, ended_by=_disconnect(doc), metadata=metadata
        )
        # chat analysis has wall-clock times; voice files only the recording's S3 path
        # (.../CallRecordings/2026/11/23/...), else the file name decides (readers.read_text)
        first_time = next((t["AbsoluteTime"] for t in turns if "AbsoluteTime" in t), None)
        raw.date = date_from_iso_time(first_time) or date_from_name(
            as_text(meta.get("InputS3Uri")) or None
        )
        return [raw]

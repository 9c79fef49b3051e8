"""Genesys Cloud Speech & Text Analytics transcript JSON.

Phrase times are epoch ms: offsets are ``startTimeMs - conversationStartTime``. ``internal``
phrases are the agent unless they fall into an IVR/ACD/voicemail participant's interval and no
agent's; those are bot turns (left out). ``decoratedText`` (punctuated) is preferred to ``text``.
"""

from __future__ import annotations

from typing import Any

from toneprobe.dates import date_from_epoch
from toneprobe.errors import InputError
from toneprobe.readers.base import (
    RawCall,
    Reader,
    Segment,
    SourceRole,
    as_dict,
    as_list,
    as_text,
    json_document,
    parse_time,
    require_json,
)
from toneprobe.roles import role_from_word

_HUMAN_AGENT = frozenset({"agent", "user"})
_BOT = frozenset({"ivr", "acd", "voicemail", "workflow", "station", "bot"})
_PURPOSE_ROLE: dict[str, SourceRole] = {"internal": "agent", "external": "customer"}


def _is_genesys(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    ts = doc.get("transcripts")
    return isinstance(ts, list) and any(isinstance(t, dict) and "phrases" in t for t in ts)


def _intervals(participants: list[Any]) -> list[tuple[str, float, float, dict[str, Any]]]:
    out = []
    for p in participants:
        p = as_dict(p)
        purpose = as_text(p.get("participantPurpose")).lower()
        a, b = p.get("startTimeMs"), p.get("endTimeMs")
        if purpose and isinstance(a, int | float) and isinstance(b, int | float):
            out.append((purpose, float(a), float(b), p))
    return out


def _ended_by(participants: list[Any]) -> str | None:
    for p in participants:
        p = as_dict(p)
        kind = as_text(p.get("disconnectType")).lower()
        purpose = as_text(p.get("participantPurpose")).lower()
        if not kind:
            continue
        if kind in ("error", "system", "timeout", "spam"):
            return "dropped"
        if kind == "transfer":
            return "normal"
        own = (
            "agent"
            if purpose in _HUMAN_AGENT
            else "customer"
            if purpose in ("customer", "external")
            else None
        )
        if own is None:
            continue
        if kind in ("endpoint", "client"):
            return own
        if kind == "peer":
            return "customer" if own == "agent" else "agent"
    return None


class GenesysReader(Reader):
    name = "genesys"
    aliases = ("genesys-cloud",)
    description = (
        "Genesys Cloud transcript JSON: transcripts[].phrases[] (internal/external, epoch ms)"
    )
    example = "genesys_transcript.json"

    def sniff(self, text: str, path: str | None = None) -> float:
        return 1.0 if _is_genesys(json_document(text)) else 0.0

    def parse(self, text: str, path: str | None, call_id: str) -> list[RawCall]:
        doc = require_json(text, path)
        if not _is_genesys(doc):
            raise InputError("not Genesys transcript JSON (no transcripts[].phrases)", path)
        participants = as_list(doc.get("participants"))
        spans = _intervals(participants)
        phrases: list[dict[str, Any]] = []
        for t in as_list(doc.get("transcripts")):
            phrases.extend(as_dict(p) for p in as_list(as_dict(t).get("phrases")))
        starts: list[float] = [
            p["startTimeMs"] for p in phrases if isinstance(p.get("startTimeMs"), int | float)
        ]
        base = doc.get("conversationStartTime")
        if not isinstance(base, int | float) or isinstance(base, bool):
            base = min(starts) if starts else 0
        order = sorted(
            range(len(phrases)),
            key=lambda i: (
                phrases[i].get("startTimeMs")
                if isinstance(phrases[i].get("startTimeMs"), int | float)
                else 0,
                i,
            ),
        )
        segments = []
        for i in order:
            ph = phrases[i]
            purpose = as_text(ph.get("participantPurpose")).lower()
            role = _PURPOSE_ROLE.get(purpose)
            if role is None:  # some exports name the participant: agent, user, customer, ivr ...
                role = "agent" if purpose == "user" else role_from_word(purpose)
            if role is None:
                raise InputError(
                    f"phrase {i}: unknown participantPurpose {purpose or None!r}", path
                )
            abs_ms = ph.get("startTimeMs")
            if abs_ms is not None and (
                not isinstance(abs_ms, int | float) or isinstance(abs_ms, bool)
            ):
                raise InputError(f"phrase {i}: malformed startTimeMs {abs_ms!r}", path)
            start = end = None
            if abs_ms is not None:
                start = round((abs_ms - base) / 1000.0, 3)
                dur = as_dict(ph.get("duration")).get("milliseconds")
                dur_s = parse_time(dur, scale=0.001, path=path, what=f"phrase {i} duration")
                if dur_s is not None:
                    end = round(start + dur_s, 3)
            if role == "agent" and abs_ms is not None and spans:
                active = {purp for purp, a, b, _ in spans if a <= abs_ms <= b}
                if active & _BOT and not active & _HUMAN_AGENT:
                    role = "bot"
            text = as_text(ph.get("decoratedText")) or as_text(ph.get("text"))
            segments.append(Segment(text=text, speaker=purpose, role=role, start=start, end=end))
        if not any(s.text.strip() for s in segments):
            raise InputError("no phrases with text: no recognisable turns", path)
        metadata: dict[str, Any] = {"format": self.name}
        if as_text(doc.get("conversationId")):
            metadata["source_call_id"] = as_text(doc.get("conversationId"))
        for key in ("communicationId", "mediaType"):
            if isinstance(doc.get(key), str):
                metadata[key] = doc[key]
        raw = RawCall(
            call_id=call_id, segments=segments, ended_by=_ended_by(participants), metadata=metadata
        )
        raw.date = date_from_epoch(doc.get("conversationStartTime"), scale=0.001) or (
            date_from_epoch(min(starts), scale=0.001) if starts else None
        )
        for purp, _, _, p in spans:
            if purp in _HUMAN_AGENT:
                name = as_text(p.get("name")) or as_text(p.get("userName"))
                if name:
                    raw.agent = name
                    break
        return [raw]

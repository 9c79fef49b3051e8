"""Build the final Transcript: roles per segment, merged turns, bot segments, names."""

from __future__ import annotations

from typing import TYPE_CHECKING

from toneprobe.model import Transcript, Turn
from toneprobe.roles.decision import _match_speaker, _roles_per_segment, decide_roles
from toneprobe.roles.introduction import self_introduction
from toneprobe.roles.names import caller_surname, is_person_name
from toneprobe.textio import clean_text

if TYPE_CHECKING:  # roles must not import the readers package at run time (cycle)
    from toneprobe.readers.base import RawCall, Segment, SourceRole

# --- building the transcript -----------------------------------------------------------------


def _snippet(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def finalize(
    call: RawCall, *, agent_speaker: str | None = None, source: str | None = None
) -> tuple[Transcript | None, list[str]]:
    """Roles, merged turns and names for one raw call. Returns (None, warnings) if no turns."""
    where = f"call {call.call_id}: "
    warnings = [where + w for w in call.warnings]
    for seg in call.segments:
        seg.text = clean_text(seg.text)
    segments = [s for s in call.segments if s.text]
    empty = len(call.segments) - len(segments)
    if empty:
        warnings.append(where + f"left out {empty} segment(s) without text")
    # system messages ("Chat beendet") are events, never turns: note the message before each
    system: list[tuple[Segment, Segment | None]] = []
    before: Segment | None = None
    for seg in segments:
        if seg.role == "system":
            system.append((seg, before))
        elif seg.role != "bot":
            before = seg
    segments = [s for s in segments if s.role != "system"]

    if call.keep_turns:
        metadata = dict(call.metadata)
        labels = {s.speaker for s in segments if s.speaker is not None and s.role != "bot"}
        found = _match_speaker(agent_speaker, labels) if agent_speaker else None
        if found is not None:  # the override wins even over toneprobe JSON roles
            for seg in segments:
                if seg.speaker is not None and seg.role != "bot":
                    seg.role = "agent" if seg.speaker == found else "customer"
            metadata["roles"] = {"method": "override", "confidence": 1.0, "agent_speaker": found}
        elif agent_speaker:
            warnings.append(where + f"--agent-speaker {agent_speaker!r} is not a speaker here")
        spoken = [x for x in segments if x.role in ("agent", "customer")]
        turns = tuple(
            Turn(i, s.role, s.text, s.speaker, s.start, s.end)  # type: ignore[arg-type]
            for i, s in enumerate(spoken)
        )
        _report_bots(segments, where, warnings)
        if not turns:
            return None, warnings
        ended_by = _events(system, {id(s): i for i, s in enumerate(spoken)}, turns, call)
        if system:
            _note_events(call, ended_by, where, warnings)
            for key in ("events", "ended_by_event"):
                if key in call.metadata:
                    metadata[key] = call.metadata[key]
        return Transcript(
            call_id=call.call_id,
            turns=turns,
            agent=call.agent,
            customer=call.customer,
            ended_by=ended_by,  # type: ignore[arg-type]
            source=source,
            metadata=metadata,
            date=call.date,
        ), warnings

    if any(s.speaker is not None for s in segments):
        # a segment without a label continues the speaker before it (subtitles print on change)
        carried = 0
        last: str | None = None
        for seg in segments:
            if seg.speaker is None and seg.role is None and last is not None:
                seg.speaker = last
                carried += 1
            elif seg.speaker is not None:
                last = seg.speaker
        if carried:
            warnings.append(
                where + f"{carried} segment(s) without speaker joined to the speaker before"
            )
        # leading unlabelled segments without a role: give them a label of their own
        for seg in segments:
            if seg.speaker is None and seg.role is None:
                seg.speaker = "unknown"
        call.segments = segments
        decision = decide_roles(call, agent_speaker)
        override = decision.info.get("method") == "override"
        roles_of = [_segment_role(s, decision.roles, override) for s in segments]
        info = decision.info
        warnings.extend(where + w for w in decision.warnings)
    else:
        roles_of = _roles_per_segment(segments)
        info = {"method": "per_segment_text_cues", "confidence": 0.5}
        if len(segments) > 1:
            warnings.append(where + "no speaker labels in the source; roles guessed per segment")

    bots = [s for s, r in zip(segments, roles_of, strict=True) if r == "bot"]
    if bots:
        lines = [str(s.line) for s in bots if s.line]
        at = f" (lines {', '.join(lines[:10])})" if lines else ""
        warnings.append(
            where + f"left out {len(bots)} bot/IVR segment(s){at}, e.g. {_snippet(bots[0].text)!r}"
        )

    merged: list[list[object]] = []  # [role, speaker, texts, start, end]
    turn_of: dict[int, int] = {}  # id(segment) -> index of the turn it went into
    for seg, role in zip(segments, roles_of, strict=True):
        if role == "bot":
            continue
        turn_of[id(seg)] = len(merged) - 1
        if (
            merged
            and not call.keep_messages
            and merged[-1][0] == role
            and merged[-1][1] == seg.speaker
        ):
            cur = merged[-1]
            cur[2].append(seg.text)  # type: ignore[attr-defined]
            if seg.end is not None:
                cur[4] = seg.end
            if cur[3] is None and seg.start is not None:
                cur[3] = seg.start
        else:
            merged.append([role, seg.speaker, [seg.text], seg.start, seg.end])
            turn_of[id(seg)] = len(merged) - 1
    if not merged:
        return None, warnings
    turns = tuple(
        Turn(i, m[0], " ".join(m[2]), m[1], m[3], m[4])  # type: ignore[arg-type]
        for i, m in enumerate(merged)
    )

    agent_speakers = {t.speaker for t in turns if t.role == "agent"}
    customer_speakers = {t.speaker for t in turns if t.role == "customer"}
    agent = call.agent or _name_of(turns, agent_speakers, "agent")
    customer = call.customer or _name_of(turns, customer_speakers, "customer")
    ended_by = _events(system, turn_of, turns, call)
    if system:
        _note_events(call, ended_by, where, warnings)
    metadata = dict(call.metadata)
    roles_info = {k: v for k, v in info.items() if v is not None}
    metadata["roles"] = roles_info
    return Transcript(
        call_id=call.call_id,
        turns=turns,
        agent=agent,
        customer=customer,
        ended_by=ended_by,  # type: ignore[arg-type]
        source=source,
        metadata=metadata,
        date=call.date,
    ), warnings


def _events(
    system: list[tuple[Segment, Segment | None]],
    turn_of: dict[int, int],
    turns: tuple[Turn, ...],
    call: RawCall,
) -> str | None:
    """Record the system messages in ``call.metadata["events"]`` (kind, text, the turn they
    follow, line, time) and return ``ended_by``: the source's own, else what the last ending
    event says (a visitor who left: ``customer``; a timeout or a lost connection: ``dropped``;
    the agent closing: ``agent``), if at most one message follows it."""
    from toneprobe.readers.chat_events import ENDED_BY, event_kind, resolve_left

    if not system:
        return call.ended_by
    agents = {t.speaker for t in turns if t.role == "agent" and t.speaker} | {call.agent or ""}
    customers = {t.speaker for t in turns if t.role == "customer" and t.speaker}
    customers |= {call.customer or ""}
    events: list[dict[str, object]] = []
    ending: tuple[str, int | None, str] | None = None
    for seg, before in system:
        kind = event_kind(seg.text)
        if kind == "left":
            kind = resolve_left(seg.text, agents - {""}, customers - {""})
        after = turn_of.get(id(before)) if before is not None else None
        event: dict[str, object] = {"kind": kind, "text": seg.text, "after_turn": after}
        if seg.line is not None:
            event["line"] = seg.line
        if seg.start is not None:
            event["start"] = seg.start
        events.append(event)
        if kind in ENDED_BY:
            ending = (kind, after, seg.text)
    call.metadata["events"] = events
    if call.ended_by is not None or ending is None:
        return call.ended_by
    kind, after, text = ending
    if after is None or after < len(turns) - 2:
        return None  # the chat went on after it (a reconnect, a message to a new agent)
    call.metadata["ended_by_event"] = text
    return ENDED_BY[kind]


def _note_events(call: RawCall, ended_by: str | None, where: str, warnings: list[str]) -> None:
    events = call.metadata.get("events") or []
    lines = [str(e["line"]) for e in events if e.get("line") is not None]
    at = f" (line(s) {', '.join(lines[:10])})" if lines else ""
    text = _snippet(str(events[0]["text"])) if events else ""
    why = call.metadata.get("ended_by_event")
    said = f"; ended_by {ended_by} from {_snippet(str(why))!r}" if why else ""
    warnings.append(
        where + f"kept {len(events)} system message(s) as events, not turns{at}, "
        f"e.g. {text!r}{said}"
    )


def _segment_role(seg: Segment, roles: dict[str, SourceRole], override: bool) -> SourceRole:
    if seg.role == "bot":
        return "bot"
    if seg.speaker is None:
        return seg.role or "customer"
    if seg.role is not None and not override:
        return seg.role
    return roles.get(seg.speaker, seg.role or "customer")


def _name_of(turns: tuple[Turn, ...], speakers: set[str | None], role: str) -> str | None:
    names = [s for s in speakers if is_person_name(s)]
    if len(names) == 1:
        return names[0]
    texts = [t.text for t in turns if t.role == role][:4]
    name = self_introduction(texts, greeting=role == "agent")
    if name is None and role == "customer" and texts:
        name = caller_surname(texts[0], [t.text for t in turns if t.role == "agent"][:6])
    return name


def _report_bots(segments: list[Segment], where: str, warnings: list[str]) -> None:
    bots = [s for s in segments if s.role == "bot"]
    if bots:
        warnings.append(
            where + f"left out {len(bots)} bot/IVR turn(s), e.g. {_snippet(bots[0].text)!r}"
        )

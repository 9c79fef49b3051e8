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
        turns = tuple(
            Turn(i, s.role, s.text, s.speaker, s.start, s.end)  # type: ignore[arg-type]
            for i, s in enumerate(x for x in segments if x.role in ("agent", "customer"))
        )
        _report_bots(segments, where, warnings)
        if not turns:
            return None, warnings
        return Transcript(
            call_id=call.call_id,
            turns=turns,
            agent=call.agent,
            customer=call.customer,
            ended_by=call.ended_by,  # type: ignore[arg-type]
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
    for seg, role in zip(segments, roles_of, strict=True):
        if role == "bot":
            continue
        if merged and merged[-1][0] == role and merged[-1][1] == seg.speaker:
            cur = merged[-1]
            cur[2].append(seg.text)  # type: ignore[attr-defined]
            if seg.end is not None:
                cur[4] = seg.end
            if cur[3] is None and seg.start is not None:
                cur[3] = seg.start
        else:
            merged.append([role, seg.speaker, [seg.text], seg.start, seg.end])
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
    metadata = dict(call.metadata)
    roles_info = {k: v for k, v in info.items() if v is not None}
    metadata["roles"] = roles_info
    return Transcript(
        call_id=call.call_id,
        turns=turns,
        agent=agent,
        customer=customer,
        ended_by=call.ended_by,  # type: ignore[arg-type]
        source=source,
        metadata=metadata,
        date=call.date,
    ), warnings


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

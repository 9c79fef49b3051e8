"""Shared by the WebVTT and SRT readers: cue payload -> speaker segments.

Speakers come from ``<v Name>`` voice spans (parsed here, because generic subtitle parsers drop
them as markup), a ``Name:`` / ``Speaker 1:`` prefix (Zoom, ASR tools), or a name alone on the
first line. A person-name prefix counts only if it starts cues more than once, so speech such
as ``Kundennummer: 4711`` stays speech.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass

from toneprobe.errors import InputError
from toneprobe.readers.base import RawCall, Segment
from toneprobe.readers.plaintext import classify_label, hangup_marker
from toneprobe.roles import is_person_name

_NOTE = re.compile(r"^\s*(?:\[[^\]]*\]|\([^)]*\)|\*{1,3}[^*]+\*{1,3}|♪[^♪]*♪?)\s*$")

_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:\s+(?P<name>[^>]*))?>", re.IGNORECASE)
_VOICE_END = re.compile(r"</v\s*>", re.IGNORECASE)
_TAG = re.compile(
    r"</?(?:c|i|b|u|ruby|rt|lang|font|span)(?:[.\s][^>]*)?>|<\d[\d:.]*>", re.IGNORECASE
)
_ASS = re.compile(r"\{\\[^}]*\}")
_PREFIX = re.compile(
    r"^\s*(?:>>\s*)?\[?(?P<label>[^:<>\[\]\n]{1,60}?)\]?\s*:(?!\d|//)\s*(?P<text>.*)$", re.S
)
_DASH = re.compile(r"^\s*[-–]\s+")


def strip_markup(text: str) -> str:
    return html.unescape(_ASS.sub("", _TAG.sub("", text)))


@dataclass(slots=True)
class Cue:
    payload: str
    start: float | None
    end: float | None
    line: int | None


def _prefix_label(text: str) -> tuple[str, str] | None:
    m = _PREFIX.match(text)
    if not m:
        return None
    return m.group("label").strip(), m.group("text")


def _label_candidates(cue: Cue) -> list[str]:
    out = []
    plain = strip_markup(cue.payload)
    lines = [ln for ln in plain.split("\n") if ln.strip()]
    for ln in lines[:3] if any(_DASH.match(x) for x in lines) else lines[:1]:
        got = _prefix_label(_DASH.sub("", ln))
        if got:
            out.append(got[0])
    if len(lines) > 1 and ":" not in lines[0]:
        out.append(lines[0].strip())
    return out


def cues_to_call(cues: list[Cue], call_id: str, fmt: str, path: str | None, unit: str) -> RawCall:
    """One call from subtitle cues (WebVTT, SRT): speakers decided over the whole file,
    annotation-only cues reported. ``unit`` names the cues in messages ("cues", "blocks")."""
    speakers = CueSpeakers(cues)
    segments = [seg for cue in cues for seg in speakers.segments(cue)]
    if not segments:
        raise InputError(f"no {unit} with text: no recognisable turns", path)
    raw = RawCall(
        call_id=call_id, segments=segments, ended_by=speakers.ended_by, metadata={"format": fmt}
    )
    raw.warnings.extend(note_warnings(speakers))
    return raw


def note_warnings(speakers: CueSpeakers) -> list[str]:
    if not speakers.notes:
        return []
    shown = ", ".join(str(n) for n in speakers.notes[:10])
    return [f"cue(s) at line(s) {shown} hold only an annotation; not part of any turn"]


class CueSpeakers:
    """Decides which prefixes are speakers, using counts over the whole file."""

    def __init__(self, cues: list[Cue]):
        self.counts: Counter[str] = Counter()
        self.known: dict[str, str | None] = {}
        self.notes: list[int] = []  # cue lines that hold only an annotation ([Musik], [lacht])
        self.ended_by: str | None = None
        for cue in cues:
            for label in _label_candidates(cue):
                self.counts[label] += 1
        # lower-case display names ("anna m:") count only where they recur and start a fair
        # share of the cues, so a phrase that happens to end in a colon twice stays speech
        display = [
            lab
            for lab, n in self.counts.items()
            if n >= 2 and (p := classify_label(lab)) is not None and p.kind == "display"
        ]
        names = [lab for lab in self.counts if is_person_name(lab)]
        others = [
            lab
            for lab in self.counts
            if (p := classify_label(lab)) is not None and p.kind not in ("name", "display")
        ]
        fair_share = 3 * sum(self.counts[d] for d in display) >= len(cues)
        many = len(set(display) | {n for n in names if self.counts[n] >= 2}) >= 2
        self.display = set(display) if fair_share and many and not others else set()
        if len(names) >= 2 and 2 * sum(self.counts[n] for n in names) >= len(cues):
            for name in names:  # a short file where every name speaks once
                self.counts[name] = max(self.counts[name], 2)

    def speaker(self, label: str) -> tuple[str, str | None] | None:
        prefix = classify_label(label)
        if prefix is None:
            return None
        if prefix.kind == "name" and self.counts[label] < 2 and label not in self.known:
            return None
        if prefix.kind == "display" and label not in self.display:
            return None
        self.known.setdefault(prefix.speaker, prefix.role)
        return prefix.speaker, prefix.role or self.known.get(prefix.speaker)

    def segments(self, cue: Cue) -> list[Segment]:
        if _VOICE.search(cue.payload):
            return self._voice_segments(cue)
        plain = strip_markup(cue.payload)
        lines = [ln.strip() for ln in plain.split("\n") if ln.strip()]
        if not lines:
            return []
        if all(_NOTE.match(ln) for ln in lines):
            self.notes.append(cue.line or 0)
            for ln in lines:
                self.ended_by = hangup_marker(ln) or self.ended_by
            return []
        if len(lines) > 1 and all(_DASH.match(ln) for ln in lines):
            parts = [self._prefixed(_DASH.sub("", ln)) for ln in lines]
            if all(p[0] is not None for p in parts):
                return [self._seg(cue, spk, role, txt) for spk, role, txt in parts]
        if len(lines) > 1 and ":" not in lines[0]:
            got = self.speaker(lines[0])
            if got is not None:
                return [self._seg(cue, got[0], got[1], " ".join(lines[1:]))]
        spk, role, first = self._prefixed(_DASH.sub("", lines[0]))
        rest = [_DASH.sub("", ln) for ln in lines[1:]]
        return [self._seg(cue, spk, role, " ".join([first, *rest]))]

    def _prefixed(self, line: str) -> tuple[str | None, str | None, str]:
        got = _prefix_label(line)
        if got is not None:
            who = self.speaker(got[0])
            if who is not None:
                return who[0], who[1], got[1]
        return None, None, line

    def _voice_segments(self, cue: Cue) -> list[Segment]:
        out: list[Segment] = []
        payload = cue.payload
        matches = list(_VOICE.finditer(payload))
        lead = payload[: matches[0].start()] if matches else payload
        if strip_markup(lead).strip():
            out.append(self._seg(cue, None, None, strip_markup(lead)))
        for i, m in enumerate(matches):
            name = html.unescape((m.group("name") or "").strip()) or None
            stop = matches[i + 1].start() if i + 1 < len(matches) else len(payload)
            body = payload[m.end() : stop]
            end_tag = _VOICE_END.search(body)
            inside, after = (
                (body[: end_tag.start()], body[end_tag.end() :]) if end_tag else (body, "")
            )
            role = None
            if name is not None:
                prefix = classify_label(name)
                role = prefix.role if prefix is not None else None
            text = strip_markup(inside) + " " + strip_markup(after)
            if text.strip():
                out.append(self._seg(cue, name, role, text))
        return out

    @staticmethod
    def _seg(cue: Cue, speaker: str | None, role: str | None, text: str) -> Segment:
        return Segment(
            text=" ".join(text.split()),
            speaker=speaker,
            role=role,  # type: ignore[arg-type]
            start=cue.start,
            end=cue.end,
            line=cue.line,
        )

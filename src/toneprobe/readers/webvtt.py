"""WebVTT (Teams ``<v Name>`` voice spans, Zoom ``Name:`` payloads).

The cue parser is our own on purpose: webvtt-py 0.6 silently drops payload lines containing
``-->`` and cues with a malformed timing line, and gives no line numbers; we need all three
(no lost words, errors naming the line).
"""

from __future__ import annotations

import re

from toneprobe.errors import InputError
from toneprobe.readers._cues import Cue, cues_to_call
from toneprobe.readers.base import RawCall, Reader, clock_seconds

_TIME = r"(?:\d{1,3}:)?\d{1,2}:\d{1,2}[.,]\d{1,3}"
_TIMING = re.compile(rf"^\s*(?P<a>{_TIME})\s*-->\s*(?P<b>{_TIME})(?:\s+.*)?$")
_TIMING_LIKE = re.compile(r"^\s*\S*\d\S*\s*-->\s*\S*\d")


def parse_cues(text: str, path: str | None, first_line: int = 1) -> tuple[list[Cue], list[int]]:
    """Cues of a WebVTT text (without the header) plus line numbers that fit nowhere."""
    cues: list[Cue] = []
    unplaced: list[int] = []
    lines = text.split("\n")
    i = 0
    n = len(lines)
    in_header = True
    while i < n:
        line = lines[i]
        lineno = first_line + i
        if not line.strip():
            in_header = False
            i += 1
            continue
        if in_header and i == 0 and line.lstrip().startswith("WEBVTT"):
            # header: WEBVTT line and header metadata lines up to the first blank line
            while i < n and lines[i].strip():
                if _TIMING.match(lines[i]):
                    break
                i += 1
            in_header = False
            continue
        word = line.strip().split(" ", 1)[0]
        if word in ("NOTE", "STYLE", "REGION"):
            while i < n and lines[i].strip():
                i += 1
            continue
        # a cue: optional identifier line, then the timing line
        timing = _TIMING.match(line)
        if timing is None and i + 1 < n and _TIMING.match(lines[i + 1]):
            i += 1
            timing = _TIMING.match(lines[i])
        if timing is None:
            if _TIMING_LIKE.match(line) or (i + 1 < n and _TIMING_LIKE.match(lines[i + 1])):
                bad = lineno if _TIMING_LIKE.match(line) else lineno + 1
                raise InputError(
                    "malformed cue timing (expected 00:00:01.200 --> 00:00:04.800)", path, bad
                )
            unplaced.append(lineno)
            i += 1
            continue
        timing_line = first_line + i
        start = clock_seconds(timing.group("a"))
        end = clock_seconds(timing.group("b"))
        if start is None or end is None:
            raise InputError("malformed cue timestamp", path, timing_line)
        i += 1
        payload: list[str] = []
        while i < n and lines[i].strip():
            if _TIMING.match(lines[i]):
                break  # next cue without a blank line between
            payload.append(lines[i])
            i += 1
        cues.append(Cue("\n".join(payload), start, end, timing_line))
    return cues, unplaced


class WebVttReader(Reader):
    name = "webvtt"
    aliases = ("vtt",)
    description = "WebVTT: 'WEBVTT' header; speakers from <v Name> spans or 'Name:' payloads"
    example = "meeting.vtt"

    def sniff(self, text: str, path: str | None = None) -> float:
        return 1.0 if text.lstrip()[:6] == "WEBVTT" else 0.0

    def parse(self, text: str, path: str | None, call_id: str) -> list[RawCall]:
        cues, unplaced = parse_cues(text, path)
        raw = cues_to_call(cues, call_id, self.name, path, "cues")
        segments = raw.segments
        if unplaced:
            raw.unplaced_lines.extend(unplaced)
            shown = ", ".join(str(x) for x in unplaced[:10])
            raw.warnings.append(f"line(s) {shown}: not part of any cue; not placed")
        if all(s.speaker is None for s in segments):
            raw.warnings.append("no speaker names (voice spans or 'Name:' prefixes) in the cues")
        return [raw]

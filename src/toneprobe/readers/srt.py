"""SRT subtitles via the ``srt`` library; speakers from ``Speaker 1:`` / ``Name:`` prefixes.

ASR tools often print the speaker only when it changes: a cue without a prefix keeps the
speaker of the cue before it (done when the call is finalised).
"""

from __future__ import annotations

import re

from toneprobe.errors import InputError
from toneprobe.readers._cues import Cue, cues_to_call
from toneprobe.readers.base import RawCall, Reader

_SRT_TIMING = re.compile(
    r"^\s*\d{1,3}:\d{1,2}:\d{1,2}(?:[,.:]\d{1,3})?\s*-->\s*\d{1,3}:\d{1,2}:\d{1,2}(?:[,.:]\d{1,3})?",
)
_TIMING_LIKE = re.compile(r"^\s*\S*\d\S*\s*-->")
_BAD_TIMING = re.compile(r"^\s*\d{1,3}:\S*\s*-->\s*\S*\d")


def _timing_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.split("\n"), 1) if _SRT_TIMING.match(line)]


class SrtReader(Reader):
    name = "srt"
    aliases = ("subrip",)
    description = "SRT: numbered blocks with '00:00:01,200 --> ...'; 'Speaker 1:' / name prefixes"
    example = "call.srt"

    def sniff(self, text: str, path: str | None = None) -> float:
        head = text.lstrip().split("\n", 4)[:4]
        return 0.9 if any(_SRT_TIMING.match(line) for line in head) else 0.0

    def parse(self, text: str, path: str | None, call_id: str) -> list[RawCall]:
        import srt  # lazy: only SRT files need it

        warnings: list[str] = []
        try:
            subs = list(srt.parse(text))
        except srt.SRTParseError as err:
            line = text.count("\n", 0, err.actual_start) + 1
            junk = err.unmatched_content or ""
            if any(_TIMING_LIKE.match(x) for x in junk.split("\n")):
                raise InputError("malformed SRT timing line", path, line) from None
            warnings.append(f"line {line}: text outside any subtitle block not placed")
            subs = list(srt.parse(text, ignore_errors=True))
        except (ValueError, OverflowError) as err:
            raise InputError(f"malformed SRT: {err}", path) from None
        for sub in subs:
            for bad in (x for x in sub.content.split("\n") if _BAD_TIMING.match(x)):
                all_lines = text.split("\n")
                at = all_lines.index(bad) + 1 if bad in all_lines else None
                raise InputError("malformed SRT timing line", path, at)
        timing_at = _timing_lines(text)
        cues = [
            Cue(
                payload=sub.content,
                start=round(sub.start.total_seconds(), 3),
                end=round(sub.end.total_seconds(), 3),
                line=timing_at[i] if i < len(timing_at) else None,
            )
            for i, sub in enumerate(subs)
        ]
        raw = cues_to_call(cues, call_id, self.name, path, "subtitle blocks")
        segments = raw.segments
        raw.warnings.extend(warnings)
        if all(s.speaker is None for s in segments):
            raw.warnings.append("no speaker prefixes ('Speaker 1:', names) in the subtitles")
        return [raw]

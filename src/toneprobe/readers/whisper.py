"""OpenAI Whisper / WhisperX JSON: ``segments[{start, end, text, speaker?, words?}]``.

WhisperX may give words without times or speaker (digits, symbols): they keep the speaker of
the word before. A segment whose words change speaker is split there.
"""

from __future__ import annotations

from typing import Any

from toneprobe.errors import InputError
from toneprobe.readers.base import (
    RawCall,
    Reader,
    Segment,
    as_dict,
    as_list,
    as_text,
    group_words,
    json_document,
    parse_time,
    require_json,
)


def _segments(doc: Any) -> list[Any] | None:
    if isinstance(doc, dict) and isinstance(doc.get("segments"), list):
        return doc["segments"]
    if isinstance(doc, dict) and isinstance(doc.get("output"), dict):
        return _segments(doc["output"])
    if isinstance(doc, list) and doc and all(isinstance(s, dict) for s in doc[:5]):
        first = doc[0]
        if "text" in first and "start" in first and "end" in first and "role" not in first:
            return doc
    return None


def _speaker(value: Any) -> str | None:
    text = as_text(value).strip()
    return text or None


class WhisperReader(Reader):
    name = "whisper"
    aliases = ("whisperx",)
    description = "Whisper / WhisperX JSON: segments[{start, end, text, speaker, words}]"
    example = "call.whisperx.json"

    def sniff(self, text: str, path: str | None = None) -> float:
        segs = _segments(json_document(text))
        if not segs:
            return 0.0
        first = as_dict(segs[0])
        return 0.95 if "text" in first and ("start" in first or "words" in first) else 0.0

    def parse(self, text: str, path: str | None, call_id: str) -> list[RawCall]:
        doc = require_json(text, path)
        segs = _segments(doc)
        if segs is None:
            raise InputError("not Whisper JSON (no segments list)", path)
        out: list[Segment] = []
        for i, seg in enumerate(segs):
            if not isinstance(seg, dict):
                raise InputError(f"segments[{i}]: expected an object", path)
            out.extend(_split(seg, path, i))
        if not out:
            raise InputError("Whisper segments hold no text: no recognisable turns", path)
        metadata: dict[str, Any] = {"format": self.name}
        if isinstance(doc, dict) and isinstance(doc.get("language"), str):
            metadata["language"] = doc["language"]
        return [RawCall(call_id=call_id, segments=out, metadata=metadata)]


def _split(seg: dict[str, Any], path: str | None, i: int) -> list[Segment]:
    start = parse_time(seg.get("start"), path=path, what=f"segments[{i}].start")
    end = parse_time(seg.get("end"), path=path, what=f"segments[{i}].end")
    text = as_text(seg.get("text"))
    seg_speaker = _speaker(seg.get("speaker"))
    words = [as_dict(w) for w in as_list(seg.get("words"))]
    word_speakers = {_speaker(w.get("speaker")) for w in words} - {None}
    if len(word_speakers) <= 1 or not words:
        speaker = seg_speaker or (next(iter(word_speakers)) if word_speakers else None)
        return (
            [Segment(text=text.strip(), speaker=speaker, start=start, end=end)]
            if text.strip()
            else []
        )
    # words of two speakers in one segment: split at each change; a word without a speaker
    # (digits, symbols the aligner skipped) stays with the speaker before it
    tagged = []
    current = seg_speaker
    for w in words:
        word = as_text(w.get("word"))
        if not word.strip():
            continue
        current = _speaker(w.get("speaker")) or current
        w_start = parse_time(w.get("start"), path=path, what=f"segments[{i}].words.start")
        w_end = parse_time(w.get("end"), path=path, what=f"segments[{i}].words.end")
        tagged.append((w_start, w_end, current, word))
    pieces = group_words(tagged)
    if pieces:
        if pieces[0].start is None:
            pieces[0].start = start
        if pieces[-1].end is None:
            pieces[-1].end = end
    return pieces

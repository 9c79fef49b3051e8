"""AWS Transcribe batch JSON: ``results.audio_segments`` (preferred) or ``results.items``.

Items carry ``speaker_label`` (diarization) or ``channel_label`` (channel identification);
older files keep speakers only in ``speaker_labels.segments`` or items only under
``channel_labels.channels``. Punctuation items have no times and attach to the word before.
"""

from __future__ import annotations

import bisect
from typing import Any

from toneprobe.dates import date_from_name
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


def _results(doc: Any) -> dict[str, Any] | None:
    if not isinstance(doc, dict):
        return None
    res = doc.get("results")
    if isinstance(res, dict) and (
        "items" in res or "audio_segments" in res or "transcripts" in res
    ):
        return res
    return None


def _content(item: dict[str, Any]) -> str:
    alts = as_list(item.get("alternatives"))
    return as_text(as_dict(alts[0]).get("content")) if alts else ""


class AwsTranscribeReader(Reader):
    name = "aws-transcribe"
    aliases = ("aws", "transcribe")
    description = "AWS Transcribe JSON: results.items / audio_segments with spk_N or ch_N labels"
    example = "asrOutput.json"

    def sniff(self, text: str, path: str | None = None) -> float:
        res = _results(json_document(text))
        return 1.0 if res is not None and ("items" in res or "audio_segments" in res) else 0.0

    def parse(self, text: str, path: str | None, call_id: str) -> list[RawCall]:
        doc = require_json(text, path)
        res = _results(doc)
        if res is None:
            raise InputError("not AWS Transcribe JSON (no results.items)", path)
        segments = _from_audio_segments(res, path) or _from_items(res, path)
        if not segments:
            raise InputError("AWS Transcribe result has no words: no recognisable turns", path)
        metadata = {"format": self.name}
        if as_text(doc.get("jobName")):
            metadata["source_call_id"] = as_text(doc.get("jobName"))
        # the output file has no date of its own; a job name often carries one
        raw = RawCall(
            call_id=call_id,
            segments=segments,
            metadata=metadata,
            date=date_from_name(as_text(doc.get("jobName")).replace("/", "_")),
        )
        if doc.get("status") not in (None, "COMPLETED"):
            raw.warnings.append(f"job status is {doc.get('status')!r}")
        labels = {s.speaker for s in segments}
        if labels <= {"ch_0", "ch_1"} and len(labels) == 2:
            # Amazon Connect records the agent on the right channel (ch_1); a weak prior only
            raw.speaker_priors = {"ch_1": 1.0}
        return [raw]


def _from_audio_segments(res: dict[str, Any], path: str | None) -> list[Segment]:
    out = []
    for seg in as_list(res.get("audio_segments")):
        seg = as_dict(seg)
        text = as_text(seg.get("transcript"))
        if not text.strip():
            continue
        speaker = as_text(seg.get("speaker_label")) or as_text(seg.get("channel_label")) or None
        out.append(
            Segment(
                text=text,
                speaker=speaker,
                start=parse_time(seg.get("start_time"), path=path, what="start_time"),
                end=parse_time(seg.get("end_time"), path=path, what="end_time"),
            )
        )
    return out


def _speaker_spans(res: dict[str, Any], path: str | None) -> list[tuple[float, float, str]]:
    spans = []
    for seg in as_list(as_dict(res.get("speaker_labels")).get("segments")):
        seg = as_dict(seg)
        label = as_text(seg.get("speaker_label"))
        start = parse_time(seg.get("start_time"), path=path, what="start_time")
        end = parse_time(seg.get("end_time"), path=path, what="end_time")
        if label and start is not None and end is not None:
            spans.append((start, end, label))
    return spans


def _words(items: list[Any], default: str | None, path: str | None) -> list[list[Any]]:
    """[start, end, speaker, text] per word; punctuation glued to the word before."""
    words: list[list[Any]] = []
    for item in items:
        item = as_dict(item)
        content = _content(item)
        if not content:
            continue
        if item.get("type") == "punctuation":
            if words:
                words[-1][3] += content
            continue
        start = parse_time(item.get("start_time"), path=path, what="start_time")
        end = parse_time(item.get("end_time"), path=path, what="end_time")
        speaker = (
            as_text(item.get("speaker_label")) or as_text(item.get("channel_label")) or default
        )
        words.append([start, end, speaker, content])
    return words


def _from_items(res: dict[str, Any], path: str | None) -> list[Segment]:
    channels = as_list(as_dict(res.get("channel_labels")).get("channels"))
    items = as_list(res.get("items"))
    has_channel_items = any(isinstance(i, dict) and i.get("channel_label") for i in items)
    if channels and not has_channel_items:
        words = []
        for ch in channels:
            ch = as_dict(ch)
            words.extend(
                _words(as_list(ch.get("items")), as_text(ch.get("channel_label")) or None, path)
            )
        words.sort(key=lambda w: w[0] if w[0] is not None else float("inf"))
    else:
        words = _words(items, None, path)
    spans = sorted(_speaker_spans(res, path))
    if spans:
        starts = [a for a, _, _ in spans]
        for w in words:
            if w[2] is None and w[0] is not None:
                k = bisect.bisect_right(starts, w[0]) - 1
                if k >= 0 and spans[k][0] <= w[0] <= spans[k][1]:
                    w[2] = spans[k][2]
    return group_words((w[0], w[1], w[2], w[3]) for w in words)

"""Calls that were never split by speaker: one speaker label for the whole call, or none.

An ASR export without diarisation (WhisperX with one ``SPEAKER_00`` throughout, AWS Transcribe
with one ``spk_0``, Whisper segments without speakers) holds both parties' words under one
label. Scored as it is, the whole call becomes one long agent turn. Instead:

* where the segments can be told apart by what is said in them (at least half of them carry a
  clear role cue of their own, and the per-segment text cues of :func:`toneprobe.roles.finalize`
  give both an agent and a customer), the call is read with those roles, marked
  ``guessed_per_segment`` with low confidence and a warning;
* otherwise the call is skipped, with the reason and how to fix it.

``--agent-speaker LABEL`` naming the only speaker says the file holds the agent's side alone:
the call is read as it is. Sources with explicit roles (and toneprobe JSON) are never touched,
nor is a call of one utterance (one segment, one sentence): nothing says two people spoke.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, replace

from toneprobe.model import Transcript
from toneprobe.readers.base import RawCall

_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)")

#: the confidence recorded for roles guessed segment by segment in an undiarised call
GUESSED_CONFIDENCE = 0.3
#: the share of segments that must carry a clear role cue of their own before roles are guessed
#: segment by segment. Measured on the project's calls rendered as one-speaker WhisperX (120
#: calls): with fewer cues the guess got 58 % of the words' roles right, no better than
#: "everything is the agent"; so such calls are skipped rather than scored on a coin flip.
MIN_CUE_COVERAGE = 0.5
_CUE_MARGIN = 1.5  # the margin at which toneprobe.roles decides a segment without a label


@dataclass(frozen=True, slots=True)
class Undiarised:
    """What to do with an undiarised call: read ``transcript`` (roles guessed) or skip it."""

    reason: str
    transcript: Transcript | None  # None: skip the call
    warnings: tuple[str, ...] = ()


def _cue_coverage(texts: list[str]) -> float:
    """The share of segments whose own words say agent or customer (a clear cue margin)."""
    from toneprobe.roles import cue_scores

    decided = 0
    for text in texts:
        agent, customer, _ = cue_scores([text])
        decided += abs(agent - customer) >= _CUE_MARGIN
    return decided / len(texts) if texts else 0.0


def _fold(label: str) -> str:
    return " ".join(label.casefold().split())


def check_diarisation(
    raw: RawCall, *, agent_speaker: str | None = None, source: str | None = None
) -> Undiarised | None:
    """None for a call with two or more speakers (or explicit roles); else what to do."""
    from toneprobe.roles import finalize  # roles imports readers.base; import late

    if raw.keep_turns or raw.channel_roles:
        return None
    segments = [s for s in raw.segments if s.text.strip()]
    if not segments or any(s.role is not None for s in segments):
        return None
    labels = {s.speaker for s in segments if s.speaker is not None}
    if len(labels) > 1:
        return None
    if len(segments) == 1 and len(_SENTENCE_END.findall(segments[0].text.strip())) < 2:
        return None  # one utterance ("Guten Tag."): nothing says two people speak in it
    label = next(iter(labels), None)
    if label is not None and agent_speaker and _fold(agent_speaker) == _fold(label):
        return None  # the user says this one speaker is the agent: an agent-only file
    what = (
        f"one speaker label ({label}) for the whole call"
        if label is not None
        else "no speaker labels"
    )
    fix = (
        "use a diarised export (one speaker label per party, e.g. WhisperX with --diarize, "
        "AWS Transcribe with speaker or channel identification)"
        + (f", or --agent-speaker {label} if only the agent speaks in it" if label else "")
    )
    skip = Undiarised(f"not diarised: {what}; cannot tell agent from customer; {fix}", None)
    if _cue_coverage([s.text for s in segments]) < MIN_CUE_COVERAGE:
        return skip
    probe = copy.deepcopy(raw)
    for seg in probe.segments:
        seg.speaker = None
    transcript, warnings = finalize(probe, agent_speaker=None, source=source)
    roles = {t.role for t in transcript.turns} if transcript is not None else set()
    if transcript is None or not {"agent", "customer"} <= roles:
        return skip
    info = dict(transcript.metadata.get("roles") or {})
    info.update(method="guessed_per_segment", confidence=GUESSED_CONFIDENCE, reason=what)
    metadata = {**transcript.metadata, "roles": info}
    guessed = replace(transcript, metadata=metadata)
    note = (
        f"call {raw.call_id}: not diarised ({what}); roles guessed segment by segment from "
        f"what is said (confidence {GUESSED_CONFIDENCE}); {fix}"
    )
    kept = [w for w in warnings if "no speaker labels in the source" not in w]
    return Undiarised(what, guessed, (*kept, note))

"""toneprobe: German-first QA for call-center transcripts.

The public Python API is two functions; both are plain module-level functions (picklable, so
they can be shipped to Dask, Spark or a process pool) and import nothing heavy until called:

>>> import toneprobe
>>> calls = toneprobe.read("sample_transcripts/json/call_001.json")   # doctest: +SKIP
>>> record = toneprobe.score_transcript(calls[0])                     # doctest: +SKIP
>>> record["empathy_score"], record["hangup"]["outcome"]              # doctest: +SKIP

``score_transcript`` returns the call record of ``toneprobe score --format json``
(schema_version 1). Its models load once per process and are reused; the result depends only
on the transcript, the model and the rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from toneprobe.model import Transcript

__version__ = "0.1.0"
__all__ = ["read", "score_transcript", "__version__"]

_SCORERS: dict[tuple[Any, ...], Any] = {}


def score_transcript(
    transcript: Transcript,
    *,
    model: str | None = None,
    rules_dirs: Sequence[str | Path] = (),
) -> dict[str, Any]:
    """Score one call; returns its call record (dict, schema_version 1).

    ``model`` picks the sentiment model as ``--model`` does (default: the embedded model;
    ``"fake"`` for tests), ``rules_dirs`` adds rule directories as ``--rules`` does.
    """
    from toneprobe.pipeline import Scorer

    key = (model, tuple(str(d) for d in rules_dirs))
    scorer = _SCORERS.get(key)
    if scorer is None:
        scorer = _SCORERS[key] = Scorer(model=model, rules_dirs=tuple(rules_dirs))
    record: dict[str, Any] = scorer.score(transcript)
    return record


def read(
    path: str | Path,
    *,
    input_format: str | None = None,
    agent_speaker: str | None = None,
) -> list[Transcript]:
    """Read one transcript file (any supported format, ``"-"`` for stdin) into its calls.

    Raises ``toneprobe.errors.InputError`` (with the path and line) when it cannot be read.
    """
    from toneprobe.readers import read_path

    return read_path(path, input_format=input_format, agent_speaker=agent_speaker).transcripts

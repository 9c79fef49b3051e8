"""Batch scoring: expand inputs, read each file, score each call, and account for everything.

Nothing is lost silently: every file ends up either read (its calls scored) or skipped with an
error record naming it; counts of files, calls and turns are kept as the batch runs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toneprobe.errors import InputError, ToneprobeError

log = logging.getLogger(__name__)


@dataclass
class BatchOptions:
    input_format: str | None = None
    agent_speaker: str | None = None
    model: str | None = None
    rules_dirs: Sequence[str | Path] = ()


@dataclass
class Tally:
    files_read: int = 0
    files_skipped: int = 0
    calls: int = 0
    calls_failed: int = 0
    turns: int = 0
    warnings: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)

    def line(self) -> str:
        return (
            f"read {self.files_read} files ({self.files_skipped} skipped), "
            f"scored {self.calls} calls ({self.calls_failed} failed), {self.turns} turns"
        )


@dataclass
class Outcome:
    """One unit of batch output: a scored call record or an error record."""

    call: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)


def error_record(source: str, err: Exception) -> dict[str, Any]:
    if isinstance(err, InputError):
        return {"source": err.path or source, "line": err.line, "message": err.message}
    if isinstance(err, ToneprobeError):
        return {"source": source, "line": None, "message": str(err)}
    return {"source": source, "line": None, "message": f"{type(err).__name__}: {err}"}


def score_file(path: Path | str, scorer: Any, options: BatchOptions) -> list[Outcome]:
    """Read one file and score its calls; a failure becomes an error Outcome, never an exception."""
    from toneprobe.readers import read_path

    source = str(path)
    try:
        result = read_path(
            path, input_format=options.input_format, agent_speaker=options.agent_speaker
        )
    except ToneprobeError as err:
        return [Outcome(error=error_record(source, err))]
    except OSError as err:  # vanished or unreadable mid-run
        return [Outcome(error=error_record(source, InputError(f"cannot read file: {err}", source)))]
    outcomes: list[Outcome] = []
    for i, transcript in enumerate(result.transcripts):
        try:
            call = scorer.score(transcript)
        except ToneprobeError:
            raise  # a model or rule problem concerns every file: stop the run
        except Exception as err:  # noqa: BLE001 - one bad call must not stop the batch
            log.debug("scoring %s failed", transcript.call_id, exc_info=True)
            rec = error_record(source, err)
            rec["call_id"] = transcript.call_id
            outcomes.append(Outcome(error=rec))
            continue
        outcomes.append(Outcome(call=call, warnings=result.warnings if i == 0 else []))
    return outcomes


def iter_outcomes(
    files: Sequence[Path | str], scorer: Any, options: BatchOptions, tally: Tally
) -> Iterator[Outcome]:
    """Serial batch: one file after the other, updating ``tally`` as it goes."""
    for path in files:
        outcomes = score_file(path, scorer, options)
        yield from account(outcomes, tally)


def account(outcomes: list[Outcome], tally: Tally) -> Iterator[Outcome]:
    """Update the tally for one file's outcomes and pass them on."""
    file_failed = (
        len(outcomes) == 1
        and outcomes[0].call is None
        and "call_id" not in (outcomes[0].error or {})
    )
    if file_failed:
        tally.files_skipped += 1
    else:
        tally.files_read += 1
    for o in outcomes:
        if o.call is not None:
            tally.calls += 1
            tally.turns += o.call["n_turns"]
        elif not file_failed:
            tally.calls_failed += 1
        tally.warnings += len(o.warnings)
        yield o

"""Transcript readers: detect the format from content and read it into Transcripts.

Public API: :func:`read_path`, :func:`read_bytes`, :func:`read_text`, :func:`iter_input_files`,
:class:`ReadResult` and the explicit registry :data:`READERS` (detection-priority order).
"""

from __future__ import annotations

import glob
import json
import logging
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from toneprobe.dates import date_from_name
from toneprobe.errors import ConfigError, InputError
from toneprobe.model import Transcript
from toneprobe.readers.aws import AwsTranscribeReader
from toneprobe.readers.base import (
    RawCall,
    Reader,
    first_jsonl_object,
    json_document,
    json_error,
    jsonl_rows,
    looks_like_json,
    require_json,
)
from toneprobe.readers.contact_lens import ContactLensReader
from toneprobe.readers.diarisation import check_diarisation
from toneprobe.readers.genesys import GenesysReader
from toneprobe.readers.google import GoogleReader
from toneprobe.readers.plaintext import PlainTextReader
from toneprobe.readers.srt import SrtReader
from toneprobe.readers.table import TableReader
from toneprobe.readers.toneprobe_json import ToneprobeJsonReader
from toneprobe.readers.webvtt import WebVttReader
from toneprobe.readers.whisper import WhisperReader
from toneprobe.textio import decode_bytes, normalize_text

log = logging.getLogger(__name__)

#: Every reader, in detection-priority order (ties in ``sniff`` go to the earlier one).
READERS: tuple[Reader, ...] = (
    ToneprobeJsonReader(),
    AwsTranscribeReader(),
    ContactLensReader(),
    WhisperReader(),
    GoogleReader(),
    GenesysReader(),
    TableReader(),
    WebVttReader(),
    SrtReader(),
    PlainTextReader(),
)

__all__ = [
    "READERS",
    "ReadResult",
    "Reader",
    "combine_calls",
    "group_related_files",
    "read_related",
    "get_reader",
    "detect_reader",
    "iter_input_files",
    "read_bytes",
    "read_path",
    "read_text",
]

TRANSCRIPT_SUFFIXES = frozenset(
    {".json", ".jsonl", ".ndjson", ".txt", ".vtt", ".srt", ".csv", ".tsv", ""}
)
_SKIP_NAMES = frozenset({"labels.csv"})


@dataclass(slots=True)
class ReadResult:
    """What one input gave: its calls, warnings (with line numbers) and counts."""

    path: str
    format: str
    transcripts: list[Transcript] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unplaced_lines: list[int] = field(default_factory=list)
    #: (call id, reason) of calls left out because they cannot be scored as they are
    #: (undiarised: one speaker label, or none, for both parties)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def n_turns(self) -> int:
        return sum(len(t.turns) for t in self.transcripts)

    @property
    def n_calls(self) -> int:
        return len(self.transcripts)


def combine_calls(transcripts: list[Transcript]) -> tuple[list[Transcript], list[str]]:
    """Batch fix-ups across files of one contact (formats.md pitfalls).

    * Contact Lens raw and redacted twins of one contact: keep the raw one.
    * Genesys writes one file per communication: merge a conversation's files in time order.
    Calls without a ``source_call_id`` pass through unchanged, in their order.
    """
    groups: dict[tuple[str, str], list[int]] = {}
    for i, t in enumerate(transcripts):
        fmt, sid = t.metadata.get("format"), t.metadata.get("source_call_id")
        if fmt in ("contact-lens", "genesys") and isinstance(sid, str):
            groups.setdefault((fmt, sid), []).append(i)
    drop: set[int] = set()
    merged: dict[int, Transcript] = {}
    warnings: list[str] = []
    for (fmt, sid), idx in groups.items():
        if len(idx) < 2:
            continue
        calls = [transcripts[i] for i in idx]
        if fmt == "contact-lens":
            raw = [i for i in idx if not transcripts[i].metadata.get("redacted")]
            keep = raw[0] if raw else idx[0]
            drop.update(i for i in idx if i != keep)
            warnings.append(
                f"contact {sid}: {len(idx)} files (raw/redacted twins); kept {transcripts[keep].source}"
            )
            continue
        turns = sorted(
            (turn for call in calls for turn in call.turns),
            key=lambda turn: turn.start if turn.start is not None else float("inf"),
        )
        first = calls[0]
        merged[idx[0]] = replace(
            first,
            turns=tuple(replace(turn, index=n) for n, turn in enumerate(turns)),
            agent=next((c.agent for c in calls if c.agent), None),
            customer=next((c.customer for c in calls if c.customer), None),
            ended_by=next((c.ended_by for c in calls if c.ended_by), None),
        )
        drop.update(idx[1:])
        warnings.append(
            f"conversation {sid}: merged {len(idx)} Genesys files into call {first.call_id}"
        )
    out = [merged.get(i, t) for i, t in enumerate(transcripts) if i not in drop]
    return out, warnings


_PART_KEYS = re.compile(rb'"(?:ContentMetadata|CustomerMetadata|conversationId)"')


def _contact_key(path: Path | str) -> tuple[str, str] | None:
    """``("contact-lens", ContactId)`` or ``("genesys", conversationId)`` for a JSON file that
    holds one part of a contact; None for anything else (only such JSON files are parsed)."""
    name = str(path)
    if name == "-" or not name.lower().endswith(".json"):
        return None
    try:
        with open(name, "rb") as fh:
            head = fh.read(65536)
            if not _PART_KEYS.search(head):
                return None
            doc = json.loads(decode_bytes(head + fh.read(), name))
    except (OSError, ValueError, InputError, RecursionError):
        return None  # the reader reports it when the file itself is read
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("transcripts"), list) and isinstance(doc.get("conversationId"), str):
        return ("genesys", doc["conversationId"])
    if isinstance(doc.get("Transcript"), list):
        meta = doc.get("CustomerMetadata")
        contact = meta.get("ContactId") if isinstance(meta, dict) else None
        contact = contact if isinstance(contact, str) else doc.get("JobName")
        if isinstance(contact, str) and contact:
            return ("contact-lens", contact)
    return None


def group_related_files(files: Sequence[Path | str]) -> list[list[Path | str]]:
    """``files`` in input order, with the files of one contact in one group (at the place of the
    first): Contact Lens raw/redacted twins, Genesys files of one conversation. Every other file
    is a group of its own. Read a group with :func:`read_related`."""
    groups: list[list[Path | str]] = []
    by_key: dict[tuple[str, str], list[Path | str]] = {}
    for f in files:
        key = _contact_key(f)
        if key is None:
            groups.append([f])
        elif key in by_key:
            by_key[key].append(f)
        else:
            by_key[key] = [f]
            groups.append(by_key[key])
    return groups


def read_related(
    paths: Sequence[Path | str],
    *,
    input_format: str | None = None,
    agent_speaker: str | None = None,
    allow_skipped: bool = False,
) -> ReadResult:
    """Read a group from :func:`group_related_files` and combine it (:func:`combine_calls`).

    A part that cannot be read becomes a warning; InputError only if no part could be read.
    """
    opts = {
        "input_format": input_format,
        "agent_speaker": agent_speaker,
        "allow_skipped": allow_skipped,
    }
    if len(paths) == 1:
        return read_path(paths[0], **opts)  # type: ignore[arg-type]
    results: list[ReadResult] = []
    errors: list[InputError] = []
    for p in paths:
        try:
            results.append(read_path(p, **opts))  # type: ignore[arg-type]
        except InputError as err:
            errors.append(err)
    if not results:
        raise errors[0]
    combined, notes = combine_calls([t for r in results for t in r.transcripts])
    out = ReadResult(path=str(paths[0]), format=results[0].format, transcripts=combined)
    for r in results:
        out.warnings.extend(r.warnings)
        out.unplaced_lines.extend(r.unplaced_lines)
        out.skipped.extend(r.skipped)
    out.warnings.extend(f"skipped part of this contact: {err}" for err in errors)
    out.warnings.extend(notes)
    return out


def get_reader(name: str) -> Reader:
    """The reader called ``name`` (``--input-format``); ConfigError lists the valid names."""
    key = name.strip().lower().replace("_", "-")
    for reader in READERS:
        if key == reader.name or key in getattr(reader, "aliases", ()):
            return reader
    names = ", ".join(r.name for r in READERS)
    raise ConfigError(f"unknown input format {name!r}; choose one of: {names}")


def detect_reader(text: str, path: str | None = None) -> Reader:
    """The reader whose ``sniff`` is most certain; InputError if none recognises the text.

    A text that opens like JSON but does not parse (and is not JSON lines) is never read as
    plain text: the InputError names the JSON error with its line and column.
    """
    require_json(text, path)
    best: Reader | None = None
    best_score = 0.0
    for reader in READERS:
        score = float(reader.sniff(text, path))
        if score > best_score:
            best, best_score = reader, score
            if score >= 1.0:
                break
    if best is not None:
        return best
    if looks_like_json(text):
        doc = json_document(text)
        if doc is None:
            first = first_jsonl_object(text)
            if first is not None and "\n" in text.strip():
                jsonl_rows(text, path)  # names the first broken line, if any
                from toneprobe.records import is_call_record

                if is_call_record(first):
                    raise InputError(
                        "saved scores, not transcripts: `score` and `report` read them (as a "
                        "file, not stdin) without scoring; other commands need the transcripts",
                        path,
                        1,
                    )
                keys = ", ".join(list(first)[:6])
                raise InputError(f"JSON lines of unknown shape (first keys: {keys})", path, 1)
            raise json_error(text, path)
        keys = ", ".join(list(doc)[:6]) if isinstance(doc, dict) else type(doc).__name__
        raise InputError(
            f"JSON of unknown shape (top level: {keys}); no reader recognises it", path
        )
    raise InputError("no recognisable turns (not a known transcript format)", path)


def _stem(path: str | None) -> str:
    if not path or path == "-":
        return "stdin"
    return Path(path).stem or Path(path).name


def read_text(
    text: str,
    path: str | None = None,
    *,
    input_format: str | None = None,
    agent_speaker: str | None = None,
    allow_skipped: bool = False,
) -> ReadResult:
    """Read decoded text. ``path`` names the source in messages and gives the default call id.

    An undiarised call that cannot be split by what is said is left out and listed in
    ``skipped``; if no call is left, InputError gives the reason, unless ``allow_skipped``
    (the batch reports skipped calls itself).
    """
    from toneprobe.roles import finalize  # roles imports readers.base; import late

    text = normalize_text(text)
    if not text.strip():
        raise InputError("empty file", path)
    reader = get_reader(input_format) if input_format else detect_reader(text, path)
    result = ReadResult(path=path or "<input>", format=reader.name)
    prefix = f"{path}: " if path else ""
    try:
        raw_calls: list[RawCall] = reader.parse(text, path, _stem(path))
        for raw in raw_calls:
            undiarised = check_diarisation(raw, agent_speaker=agent_speaker, source=path)
            if undiarised is not None and undiarised.transcript is None:
                result.skipped.append((raw.call_id, undiarised.reason))
                result.unplaced_lines.extend(raw.unplaced_lines)
                continue
            if undiarised is not None:
                transcript, warnings = undiarised.transcript, list(undiarised.warnings)
            else:
                transcript, warnings = finalize(raw, agent_speaker=agent_speaker, source=path)
            result.warnings.extend(prefix + w for w in warnings)
            result.unplaced_lines.extend(raw.unplaced_lines)
            if transcript is None:
                result.warnings.append(f"{prefix}call {raw.call_id}: no turns left; skipped")
                continue
            if transcript.date is None and (named := date_from_name(path)) is not None:
                transcript = replace(transcript, date=named)
            result.transcripts.append(transcript)
    except InputError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as err:
        # a reader bug must still end as one clear line for the user (details in the debug log)
        log.debug("reader %s failed on %s", reader.name, path, exc_info=True)
        raise InputError(
            f"cannot read as {reader.name}: {type(err).__name__}: {err}", path
        ) from None
    if result.skipped and not allow_skipped:
        if not result.transcripts:
            cid, reason = result.skipped[0]
            raise InputError(f"call {cid}: {reason}", path)
        result.warnings.extend(f"{prefix}call {cid}: skipped: {why}" for cid, why in result.skipped)
    if not result.transcripts and not result.skipped:
        raise InputError(f"no recognisable turns ({reader.name})", path)
    return result


def read_bytes(
    data: bytes,
    path: str | None = None,
    *,
    input_format: str | None = None,
    agent_speaker: str | None = None,
    allow_skipped: bool = False,
) -> ReadResult:
    """Decode (UTF-8/UTF-16/cp1252, BOM, CRLF) and read; every failure is an InputError."""
    text = decode_bytes(data, path)
    return read_text(
        text,
        path,
        input_format=input_format,
        agent_speaker=agent_speaker,
        allow_skipped=allow_skipped,
    )


def read_path(
    path: str | Path,
    *,
    input_format: str | None = None,
    agent_speaker: str | None = None,
    allow_skipped: bool = False,
) -> ReadResult:
    """Read one file (or ``"-"`` for stdin) into a :class:`ReadResult`."""
    name = str(path)
    if name == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(name).read_bytes()
        except FileNotFoundError:
            raise InputError("no such file", name) from None
        except IsADirectoryError:
            raise InputError("is a directory", name) from None
        except OSError as err:
            raise InputError(f"cannot read file: {err.strerror or err}", name) from None
    return read_bytes(
        data,
        name,
        input_format=input_format,
        agent_speaker=agent_speaker,
        allow_skipped=allow_skipped,
    )


def _wanted(path: Path, root: Path) -> bool:
    rel = path.relative_to(root).parts
    if any(part.startswith(".") or part == "__pycache__" for part in rel):
        return False
    name = path.name.lower()
    if name in _SKIP_NAMES or name.startswith("readme") or name.startswith("license"):
        return False
    return path.suffix.lower() in TRANSCRIPT_SUFFIXES


def iter_input_files(paths: list[str]) -> list[Path | str]:
    """Expand files, directories (recursive, transcript extensions only), globs and ``-``."""
    out: list[Path | str] = []
    seen: set[str] = set()

    def add(item: Path | str) -> None:
        key = str(item)
        if key not in seen:
            seen.add(key)
            out.append(item)

    def add_dir(directory: Path) -> None:
        found = sorted(p for p in directory.rglob("*") if p.is_file() and _wanted(p, directory))
        if not found:
            log.warning("%s: no transcript files in directory", directory)
        for p in found:
            add(p)

    for raw in paths:
        if raw == "-":
            add("-")
            continue
        path = Path(raw)
        if path.is_dir():
            add_dir(path)
        elif path.exists():
            add(path)
        elif glob.has_magic(raw):
            matches = [Path(m) for m in sorted(glob.glob(raw, recursive=True))]
            if not matches:
                raise InputError("no files match this pattern", raw)
            for match in matches:
                if match.is_dir():
                    add_dir(match)
                else:
                    add(match)
        else:
            raise InputError("no such file or directory", raw)
    return out

"""``toneprobe convert`` and ``toneprobe formats``: the output layer for reading.

stdout gets only data (one JSON object for one call, else JSON lines); every message goes to
stderr. A broken file in a batch is reported in one line and skipped.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from toneprobe.errors import InputError
from toneprobe.model import Transcript


def _say(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


def render_records(records: list[dict[str, Any]], *, single: bool) -> str:
    """One pretty JSON object when ``single``, else one compact object per line."""
    if single and len(records) == 1:
        return json.dumps(records[0], ensure_ascii=False, indent=2) + "\n"
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def write_atomic(path: Path, data: str) -> None:
    """Write via a temp file in the same directory and rename it over ``path``."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual file mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_convert(
    paths: list[str],
    *,
    output: Path | None = None,
    input_format: str | None = None,
    agent_speaker: str | None = None,
    config_path: str | None = None,
) -> None:
    """Read every input and write toneprobe JSON; raise InputError if nothing could be read.

    Speaker labels configured under ``[roles]`` count as agent or customer.
    """
    from toneprobe.config import load_config
    from toneprobe.readers import combine_calls, get_reader, iter_input_files, read_path
    from toneprobe.roles import use_role_words

    roles = load_config(config_path).roles
    use_role_words(roles.agent, roles.customer)

    if input_format:
        get_reader(input_format)  # fail early on an unknown name
    files = iter_input_files(paths)
    if not files:
        raise InputError("no transcript files found", " ".join(paths))
    transcripts: list[Transcript] = []
    skipped = 0
    for f in files:
        try:
            result = read_path(f, input_format=input_format, agent_speaker=agent_speaker)
        except InputError as err:
            if len(files) == 1:
                raise
            _say(f"skipped {err}")
            skipped += 1
            continue
        for warning in result.warnings:
            _say(f"warning: {warning}")
        transcripts.extend(result.transcripts)
    transcripts, notes = combine_calls(transcripts)
    for note in notes:
        _say(f"warning: {note}")
    records = [t.to_dict() for t in transcripts]
    turns = sum(len(t.turns) for t in transcripts)
    read = len(files) - skipped
    if len(files) > 1:
        _say(f"read {read} files, skipped {skipped}, {turns} turns")
    if read == 0:
        raise InputError(f"none of the {len(files)} inputs could be read")
    data = render_records(records, single=len(files) == 1)
    if output is not None:
        write_atomic(output, data)
    else:
        sys.stdout.buffer.write(data.encode("utf-8"))
        sys.stdout.flush()


def run_formats() -> None:
    """Print the readers as a rich table on stdout."""
    from rich.console import Console
    from rich.table import Table

    from toneprobe.readers import READERS

    table = Table(title="toneprobe transcript readers (detection order)")
    table.add_column("format", style="bold")
    table.add_column("detects")
    table.add_column("example file")
    for reader in READERS:
        table.add_row(reader.name, reader.description, reader.example)
    Console().print(table)

"""The README stays true: every `$ toneprobe ...` line runs, and every command is documented."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from cli import run_toneprobe

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = [line[2:].strip() for line in README.splitlines() if line.startswith("$ toneprobe ")]


def test_readme_commands_were_collected():
    assert len(COMMANDS) >= 8


def producers(command: str) -> list[str]:
    """The earlier README commands that write (``--output``) the files ``command`` reads
    (``toneprobe diff before.jsonl after.jsonl`` reads what two ``score`` lines wrote)."""
    args = shlex.split(command)[1:]
    out = []
    for arg in args[1:]:
        for earlier in reversed(COMMANDS[: COMMANDS.index(command)]):
            words = shlex.split(earlier)
            if "--output" in words and words[words.index("--output") + 1] == arg:
                out.append(earlier)
                break
    return out


def test_readme_diff_reads_files_written_by_earlier_lines():
    diffs = [c for c in COMMANDS if c.startswith("toneprobe diff ")]
    assert diffs and all(len(producers(c)) == 2 for c in diffs)


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_runs(command, tmp_path):
    (tmp_path / "sample_transcripts").symlink_to(ROOT / "sample_transcripts")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = {**os.environ, "TONEPROBE_MODELS_DIR": str(ROOT / "models")}
    for earlier in producers(command):
        made = run_toneprobe(*shlex.split(earlier)[1:], cwd=tmp_path, env=env)
        assert made.returncode == 0, made.stderr[-2000:]
    args = shlex.split(command)[1:]
    proc = run_toneprobe(*args, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert proc.stdout.strip() or "--output" in args


def test_readme_mentions_every_command():
    from toneprobe.cli import app

    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert len(names) >= 7
    for name in names:
        assert re.search(rf"toneprobe {name}\b", README), f"README does not show `toneprobe {name}`"


def test_readme_gives_the_two_setup_commands():
    assert "make demo" in README and "make test" in README

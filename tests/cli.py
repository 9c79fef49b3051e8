"""Run the toneprobe CLI as a user does: its own process, ``python -m toneprobe``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def run_toneprobe(
    *args: str,
    stdin: str | bytes | None = None,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    text: bool = True,
    timeout: float = 300,
) -> subprocess.CompletedProcess[Any]:
    """``toneprobe ARGS`` in a subprocess; output captured (str, or bytes with ``text=False``).

    Without ``stdin`` the process reads an empty standard input, never the test runner's.
    """
    if stdin is None:
        stdin = "" if text else b""
    return subprocess.run(
        [sys.executable, "-m", "toneprobe", *args],
        input=stdin,
        capture_output=True,
        text=text,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        timeout=timeout,
    )

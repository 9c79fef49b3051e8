"""Plain functions behind the CLI commands (imported lazily by ``toneprobe.cli``)."""

from __future__ import annotations

from toneprobe.commands.convert import run_convert, run_formats
from toneprobe.commands.sentiment import run_sentiment, run_train

__all__ = ["run_convert", "run_formats", "run_sentiment", "run_train"]

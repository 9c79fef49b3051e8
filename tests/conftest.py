"""Shared by every test folder: ``tests/`` is on ``sys.path`` (``from cli import run_toneprobe``)."""

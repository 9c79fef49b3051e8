"""Helpers for the reader tests: read a fixture given as text or bytes."""

from __future__ import annotations

import pytest

from toneprobe.readers import ReadResult, read_bytes


def _read(data: str | bytes, name: str = "call.txt", **kwargs) -> ReadResult:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return read_bytes(raw, name, **kwargs)


@pytest.fixture
def read():
    """read(text_or_bytes, name="call.txt", **options) -> ReadResult"""
    return _read


def words(text: str) -> list[str]:
    return text.split()

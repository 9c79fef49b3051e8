"""Sentiment backends behind one interface, loaded lazily.

``load_backend(None)`` gives the embedded default model shipped under ``models/``;
``load_backend("fake")`` a keyword backend for tests; a directory path a Hugging Face model.
"""

from __future__ import annotations

from toneprobe.sentiment.base import LABELS, NEUTRAL_EMPTY, Sentiment, SentimentBackend

__all__ = ["LABELS", "NEUTRAL_EMPTY", "Sentiment", "SentimentBackend", "load_backend"]


def load_backend(name_or_path: str | None = None, **options: object) -> SentimentBackend:
    """Return a backend (not yet loaded). Implemented in ``toneprobe.sentiment.registry``."""
    from toneprobe.sentiment.registry import get_backend

    return get_backend(name_or_path, **options)

"""Sentiment backends behind one interface, loaded lazily.

``load_backend(None)`` gives the embedded default model shipped under ``models/``;
``load_backend("fake")`` a keyword backend for tests; a directory path a Hugging Face model.
"""

from __future__ import annotations

from toneprobe.sentiment.base import LABELS, NEUTRAL_EMPTY, Sentiment, SentimentBackend

__all__ = [
    "LABELS",
    "NEUTRAL_EMPTY",
    "Sentiment",
    "SentimentBackend",
    "load_backend",
    "load_offense_classifier",
]


def load_backend(name_or_path: str | None = None, **options: object) -> SentimentBackend:
    """Return a backend (not yet loaded). Implemented in ``toneprobe.sentiment.registry``."""
    from toneprobe.sentiment.registry import get_backend

    return get_backend(name_or_path, **options)


def load_offense_classifier(path: str | None = None):  # type: ignore[no-untyped-def]
    """The embedded OFFENSE-vs-OTHER classifier (not yet loaded); see ``sentiment.offense``."""
    from toneprobe.sentiment.offense import load_offense_classifier as _load

    return _load(path)

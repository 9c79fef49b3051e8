"""The sentiment interface shared by every backend.

A backend loads lazily: never at import, never in the constructor, only on the first
``predict`` (or an explicit ``load()``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Literal

Label = Literal["positive", "negative", "neutral"]
LABELS: tuple[str, str, str] = ("positive", "negative", "neutral")


@dataclass(frozen=True, slots=True)
class Sentiment:
    """One prediction: a label and the probability of each of the three labels."""

    label: Label
    scores: dict[str, float] = field(hash=False)
    empty: bool = False

    @property
    def polarity(self) -> float:
        """positive minus negative probability, in -1..1 (used for trajectories)."""
        return float(self.scores.get("positive", 0.0) - self.scores.get("negative", 0.0))

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "label": self.label,
            "scores": {k: round(float(self.scores[k]), 4) for k in LABELS},
        }
        if self.empty:
            out["empty"] = True
        return out


NEUTRAL_EMPTY = Sentiment("neutral", {"positive": 0.0, "negative": 0.0, "neutral": 1.0}, empty=True)


class SentimentBackend(ABC):
    """A sentiment model. Subclasses implement ``_load`` and ``_predict_nonempty``."""

    name: str = "base"

    def __init__(self) -> None:
        self._loaded = False

    def load(self) -> None:
        if not self._loaded:
            self._load()
            self._loaded = True

    @abstractmethod
    def _load(self) -> None: ...

    @abstractmethod
    def _predict_nonempty(self, texts: list[str]) -> list[Sentiment]: ...

    def predict(self, texts: list[str]) -> list[Sentiment]:
        """One Sentiment per input text, in order; blank texts give a neutral row marked empty."""
        self.load()
        idx = [i for i, t in enumerate(texts) if t and t.strip()]
        out: list[Sentiment] = [NEUTRAL_EMPTY] * len(texts)
        if idx:
            preds = self._predict_nonempty([texts[i] for i in idx])
            for i, p in zip(idx, preds, strict=True):
                out[i] = p
        return out

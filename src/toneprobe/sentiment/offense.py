"""The embedded offensive-language classifier (GermEval 2018, OFFENSE vs OTHER).

Same model family and file format as the embedded sentiment model (``embedded.py``); loaded
lazily on the first ``predict_proba``. Used by the respect detector on agent turns.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from toneprobe.errors import ModelError
from toneprobe.sentiment.embedded import LinearModel, default_model_path, load_linear

log = logging.getLogger(__name__)

DEFAULT_OFFENSE = "offense-de"


class OffenseClassifier:
    """``predict_proba(texts)`` gives P(OFFENSE) per text; ``is_offensive`` applies the threshold.

    The threshold was chosen by cross-validation on the training data and is stored in the
    model's ``model.json``.
    """

    name = "embedded-offense"

    def __init__(self, path: str | Path | None = None, batch_size: int = 512) -> None:
        self.path = Path(path) if path is not None else default_model_path(DEFAULT_OFFENSE)
        self.batch_size = batch_size
        self._model: LinearModel | None = None
        self._col = 1
        self.threshold = 0.5

    def load(self) -> None:
        if self._model is not None:
            return
        model, config = load_linear(self.path)
        if config.get("task") != "offense" or "OFFENSE" not in model.labels:
            raise ModelError(
                f"{self.path}: not an offensive-language model "
                f"(labels found: {', '.join(model.labels)})"
            )
        self._col = model.labels.index("OFFENSE")
        self.threshold = float(config.get("threshold", 0.5))  # type: ignore[arg-type]
        self._model = model
        log.debug("loaded offense classifier from %s", self.path)

    def predict_proba(self, texts: list[str]) -> list[float]:
        """Probability of OFFENSE for each text (0.0 for blank texts)."""
        self.load()
        assert self._model is not None
        out = np.zeros(len(texts))
        idx = [i for i, t in enumerate(texts) if t and t.strip()]
        for start in range(0, len(idx), self.batch_size):
            chunk = idx[start : start + self.batch_size]
            probs = self._model.predict_proba([texts[i] for i in chunk])[:, self._col]
            out[chunk] = probs
        return [float(p) for p in out]

    def is_offensive(self, texts: list[str]) -> list[bool]:
        """Whether P(OFFENSE) reaches the model's threshold, per text."""
        probs = self.predict_proba(texts)
        return [p >= self.threshold for p in probs]


def load_offense_classifier(path: str | Path | None = None) -> OffenseClassifier:
    """The offense classifier (not yet loaded): the shipped ``models/offense-de`` by default."""
    return OffenseClassifier(path)

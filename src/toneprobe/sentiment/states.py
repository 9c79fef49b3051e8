"""The embedded customer-state classifier: what state a customer sentence shows.

Five states (``data/customer_states/GUIDE.md``): ``anger_frustration``, ``worry``,
``problem_report`` (a calm description of what is broken), ``relief_satisfaction`` and
``none``. Same model family and file format as the embedded sentiment model
(``embedded.py``, ``toneprobe-linear``), a softmax over the five states; shipped in
``models/customer-states-de`` and loaded lazily on the first ``predict_proba``.

The pipeline runs it on each sentence of every customer turn; a turn's state is the
aggregate of its sentences (:func:`turn_state`): each state's probability is its highest
over the sentences (one angry sentence makes an angry turn), ``none`` its lowest (a turn is
``none`` only when every sentence is), and the turn's label is the state with the highest
aggregated probability.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toneprobe.errors import ModelError
from toneprobe.sentiment.embedded import LinearModel, default_model_path, load_linear

log = logging.getLogger(__name__)

DEFAULT_STATES = "customer-states-de"
TASK = "customer_states"
STATES: tuple[str, ...] = (
    "anger_frustration",
    "worry",
    "problem_report",
    "relief_satisfaction",
    "none",
)
#: short names for narrow displays (explain, the report)
SHORT = {
    "anger_frustration": "anger",
    "worry": "worry",
    "problem_report": "problem",
    "relief_satisfaction": "relief",
    "none": "none",
}


@dataclass(frozen=True, slots=True)
class TurnState:
    """A customer turn's state: the aggregated probability of each state and the label."""

    label: str
    scores: Mapping[str, float]

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "scores": {k: round(v, 3) for k, v in self.scores.items()}}


def turn_state(sentence_probs: np.ndarray) -> TurnState:
    """Aggregate the (n_sentences, 5) probabilities of one turn's sentences (STATES order):
    max over sentences per state, min for ``none``; the label is the highest of these."""
    probs = np.asarray(sentence_probs, dtype=np.float64).reshape(-1, len(STATES))
    if len(probs) == 0:
        return TurnState("none", {s: (1.0 if s == "none" else 0.0) for s in STATES})
    agg = probs.max(axis=0)
    none = STATES.index("none")
    agg[none] = probs[:, none].min()
    scores = {s: float(v) for s, v in zip(STATES, agg, strict=True)}
    return TurnState(STATES[int(agg.argmax())], scores)


class CustomerStateClassifier:
    """``predict_proba(texts)`` gives one row of state probabilities per text (STATES order)."""

    name = "embedded-customer-states"

    def __init__(self, path: str | Path | None = None, batch_size: int = 512) -> None:
        self.path = Path(path) if path is not None else default_model_path(DEFAULT_STATES)
        self.batch_size = batch_size
        self._model: LinearModel | None = None
        self._order: list[int] = []

    def load(self) -> None:
        if self._model is not None:
            return
        model, config = load_linear(self.path)
        if config.get("task") != TASK or set(model.labels) != set(STATES):
            raise ModelError(
                f"{self.path}: not a customer-state model (labels found: {', '.join(model.labels)})"
            )
        self._order = [model.labels.index(s) for s in STATES]
        self._model = model
        log.debug("loaded customer-state classifier from %s", self.path)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities (n, 5) in STATES order; a blank text is ``none`` with certainty."""
        self.load()
        assert self._model is not None
        out = np.zeros((len(texts), len(STATES)))
        out[:, STATES.index("none")] = 1.0
        idx = [i for i, t in enumerate(texts) if t and t.strip()]
        for start in range(0, len(idx), self.batch_size):
            chunk = idx[start : start + self.batch_size]
            probs = self._model.predict_proba([texts[i] for i in chunk])
            out[chunk] = probs[:, self._order]
        return out

    def turn_states(self, turns: Sequence[Sequence[str]]) -> list[TurnState]:
        """One :class:`TurnState` per turn, from the turn's sentences (one batch for all)."""
        flat = [s for sents in turns for s in sents]
        probs = self.predict_proba(flat) if flat else np.zeros((0, len(STATES)))
        out: list[TurnState] = []
        pos = 0
        for sents in turns:
            out.append(turn_state(probs[pos : pos + len(sents)]))
            pos += len(sents)
        return out


def load_state_classifier(path: str | Path | None = None) -> CustomerStateClassifier:
    """The customer-state classifier (not yet loaded): ``models/customer-states-de`` by default."""
    return CustomerStateClassifier(path)

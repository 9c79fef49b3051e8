"""The embedded customer-state classifier: what state a customer sentence shows.

Five states (``data/customer_states/GUIDE.md``): ``anger_frustration``, ``worry``,
``problem_report`` (a calm description of what is broken), ``relief_satisfaction`` and
``none``. Same model family and file format as the embedded sentiment model
(``embedded.py``, ``toneprobe-linear``), a softmax over the five states; shipped in
``models/customer-states-de`` and loaded lazily on the first ``predict_proba``.

The pipeline runs it on each sentence of every customer turn (:func:`turn_sentences`: a
sentence longer than ``MAX_WORDS`` words, as speech recognition writes a whole turn without
punctuation, is read in pieces of ``CHUNK_WORDS`` words). A turn's state is the aggregate of
its sentences (:func:`turn_state`): each state's probability is ``MAX_SHARE`` times its
highest over the sentences (one angry sentence makes an angry turn) plus the rest times its
mean weighted by the sentences' words (a one-word "Wirklich?" weighs little), and the turn's
label is the state with the highest aggregated probability.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from toneprobe.errors import ModelError
from toneprobe.sentiment.embedded import LinearModel, default_model_path, load_linear

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc

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


MAX_WORDS = 30  # a longer sentence is read in pieces
CHUNK_WORDS = 15
MAX_SHARE = 0.5  # a turn's state: this share from its strongest sentence, the rest the mean


def turn_sentences(doc: Doc) -> list[str]:
    """The pieces of a turn the model reads: its sentences, long ones cut into chunks."""
    out: list[str] = []
    for sent in doc.sents:
        words = [t for t in sent if not t.is_space]
        if not sent.text.strip():
            continue
        n_words = sum(1 for t in words if not t.is_punct)
        if n_words <= MAX_WORDS:
            out.append(sent.text.strip())
            continue
        n_chunks = -(-n_words // CHUNK_WORDS)
        size = -(-len(words) // n_chunks)
        for i in range(0, len(words), size):
            piece = words[i : i + size]
            out.append(doc[piece[0].i : piece[-1].i + 1].text)
    return out


@dataclass(frozen=True, slots=True)
class TurnState:
    """A customer turn's state: the aggregated probability of each state and the label."""

    label: str
    scores: Mapping[str, float]

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "scores": {k: round(v, 3) for k, v in self.scores.items()}}


def turn_state(sentence_probs: np.ndarray, words: Sequence[int] | None = None) -> TurnState:
    """Aggregate the (n_sentences, 5) probabilities of one turn's sentences (STATES order)
    with their word counts: ``MAX_SHARE`` of the highest plus the rest of the word-weighted
    mean per state (for ``none`` the lowest instead of the highest); the label is the state
    with the highest aggregate."""
    probs = np.asarray(sentence_probs, dtype=np.float64).reshape(-1, len(STATES))
    if len(probs) == 0:
        return TurnState("none", {s: (1.0 if s == "none" else 0.0) for s in STATES})
    w = np.ones(len(probs)) if words is None else np.maximum(np.asarray(words, float), 1.0)
    peak = probs.max(axis=0)
    none = STATES.index("none")
    peak[none] = probs[:, none].min()
    agg = MAX_SHARE * peak + (1.0 - MAX_SHARE) * (w @ probs) / w.sum()
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
            words = [len(s.split()) for s in sents]
            out.append(turn_state(probs[pos : pos + len(sents)], words))
            pos += len(sents)
        return out


def load_state_classifier(path: str | Path | None = None) -> CustomerStateClassifier:
    """The customer-state classifier (not yet loaded): ``models/customer-states-de`` by default."""
    return CustomerStateClassifier(path)

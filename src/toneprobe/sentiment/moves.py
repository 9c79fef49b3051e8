"""The embedded agent-move classifier (issue 13): which moves an agent sentence makes.

Multi-label: one sigmoid per move (``acknowledge_feeling``, ``apology_ownership``, ...,
``blame``, ``insult``, ``refusing_help``), in the ``toneprobe-linear`` format of the sentiment
and offense models with ``"activation": "sigmoid"``. Loaded lazily on first use, numpy only.

``top_words`` explains one probability: the linear model's logit is a sum of per-feature terms
(word n-grams, character n-grams, pooled word vectors); each term is given to the words it came
from, and the words with the largest share toward the move are named.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from toneprobe.errors import ModelError
from toneprobe.sentiment.embedded import LinearModel, default_model_path, load_linear

log = logging.getLogger(__name__)

DEFAULT_MOVES = "agent-moves-de"


@dataclass(frozen=True)
class SentenceMoves:
    """One agent sentence: its span in the turn's text and the probability of each move."""

    start: int
    end: int
    text: str
    probs: Mapping[str, float]
    #: what the model read: ``text`` with quoted and reported words blanked
    read: str = ""


@dataclass(frozen=True)
class TurnMoves:
    """The model's reading of one agent turn, sentence by sentence (``CallContext.moves``)."""

    sentences: tuple[SentenceMoves, ...]
    model: AgentMoveClassifier = field(compare=False, repr=False)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))


class AgentMoveClassifier:
    """``predict_proba(texts)`` gives (n, n_moves) probabilities in the order of ``labels``."""

    name = "embedded-agent-moves"

    def __init__(self, path: str | Path | None = None, batch_size: int = 512) -> None:
        self.path = Path(path) if path is not None else default_model_path(DEFAULT_MOVES)
        self.batch_size = batch_size
        self._model: LinearModel | None = None
        self.labels: tuple[str, ...] = ()
        self.thresholds: dict[str, float] = {}

    def load(self) -> None:
        if self._model is not None:
            return
        model, config = load_linear(self.path)
        if config.get("task") != "agent_moves" or config.get("activation") != "sigmoid":
            raise ModelError(f"{self.path}: not an agent-move model (task {config.get('task')!r})")
        raw = config.get("thresholds") or {}
        if not isinstance(raw, dict) or set(raw) != set(model.labels):
            raise ModelError(f"{self.path}: model.json: thresholds must name every move")
        self.thresholds = {str(k): float(v) for k, v in raw.items()}
        self.labels = model.labels
        self._model = model
        log.debug("loaded agent-move classifier from %s", self.path)

    @property
    def model(self) -> LinearModel:
        self.load()
        assert self._model is not None
        return self._model

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities (n, n_moves); a blank text gets zeros."""
        model = self.model
        out = np.zeros((len(texts), len(self.labels)))
        idx = [i for i, t in enumerate(texts) if t and t.strip()]
        for a in range(0, len(idx), self.batch_size):
            chunk = idx[a : a + self.batch_size]
            out[chunk] = _sigmoid(model.final_logits([texts[i] for i in chunk]))
        return out

    def contributions(self, text: str, label: str) -> list[tuple[str, float]]:
        """Each word of ``text`` (as the featurizer writes it) with its share of the move's
        logit, largest first (words that occur twice are summed)."""
        model = self.model
        col = self.labels.index(label)
        feat = model.featurizer
        coef = model.coef[:, col]
        indptr, indices, values, tokens = feat.transform([text])
        toks = tokens[0]
        if not toks:
            return []
        share = np.zeros(len(toks))
        n_word = len(feat.word_vocab)
        # character n-grams: each occurrence in a word takes an equal part of the n-gram's term
        char_owner: dict[int, list[int]] = {}
        cids, per_tok = feat._char_flat(toks)  # one batch look-up for the sentence's words
        owner_of = np.repeat(np.arange(len(toks)), per_tok).tolist()
        for pos, cid in zip(owner_of, cids.tolist(), strict=True):
            char_owner.setdefault(cid + n_word, []).append(pos)
        for fid, val in zip(indices.tolist(), values.tolist(), strict=True):
            term = float(coef[fid]) * val
            if fid >= n_word:
                owners = char_owner.get(fid, [])
            else:
                owners = _word_owners(feat.word_vocab.key(fid), toks)
            for pos in owners:
                share[pos] += term / len(owners)
        emb = model.embedding
        if emb is not None:
            w_emb = coef[feat.n_features :] * model.emb_weight
            rows = emb.index.ids(toks).tolist()
            found = [(pos, i) for pos, i in enumerate(rows) if i >= 0]
            if found:
                vecs = emb.vectors[[i for _, i in found]].astype(np.float64)
                for p, pool in enumerate(emb.pooling):
                    w = w_emb[p * emb.dim : (p + 1) * emb.dim]
                    if pool == "mean":
                        total = vecs.sum(axis=0)
                        norm = np.linalg.norm(total) or 1.0
                        for (pos, _), v in zip(found, vecs, strict=True):
                            share[pos] += float(v @ w) / norm
                    else:
                        arg = vecs.argmax(axis=0) if pool == "max" else vecs.argmin(axis=0)
                        pooled = vecs[arg, np.arange(emb.dim)]
                        norm = np.linalg.norm(pooled) or 1.0
                        terms = pooled * w / norm
                        for r, (pos, _) in enumerate(found):
                            share[pos] += float(terms[arg == r].sum())
        by_word: dict[str, float] = {}
        for tok, s in zip(toks, share.tolist(), strict=True):
            by_word[tok] = by_word.get(tok, 0.0) + s
        return sorted(by_word.items(), key=lambda kv: -kv[1])

    def top_words(self, text: str, label: str, k: int = 5) -> list[str]:
        """Up to ``k`` words that weighed most toward ``label`` (at least 3 when the sentence
        has them; only word tokens, never punctuation)."""
        words = [(w, s) for w, s in self.contributions(text, label) if any(c.isalnum() for c in w)]
        top = [w for w, s in words[:k] if s > 0]
        return top if len(top) >= 3 else [w for w, _ in words[: min(3, len(words))]]


def _word_owners(name: str, toks: list[str]) -> list[int]:
    """Positions of the words a word feature (``w:a``, ``w:a b``, ``n:a``) was made of."""
    body = name[2:]
    parts = body.split(" ")
    n = len(parts)
    out: list[int] = []
    for i in range(len(toks) - n + 1):
        if toks[i : i + n] == parts:
            out.extend(range(i, i + n))
    return out


_DEFAULT: dict[str, AgentMoveClassifier] = {}


def load_move_classifier(path: str | Path | None = None) -> AgentMoveClassifier:
    """The agent-move classifier (not yet loaded): ``models/agent-moves-de`` by default."""
    key = str(path or "")
    if key not in _DEFAULT:
        _DEFAULT[key] = AgentMoveClassifier(path)
    return _DEFAULT[key]

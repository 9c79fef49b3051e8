"""The embedded default sentiment model: numpy inference over weights shipped in ``models/``.

The model directory holds ``model.json`` (config), ``vocab.json`` (featurizer vocabularies and
the embedding-table words) and ``weights.npz`` (arrays, read with ``allow_pickle=False``).
No scikit-learn, no pickle, no download: the featurizer in ``features.py`` and a few matrix
products (the linear model, then the optional head of ``head.py``) are all that runs.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from toneprobe.errors import ModelError
from toneprobe.sentiment.base import LABELS, Sentiment, SentimentBackend
from toneprobe.sentiment.features import EmbeddingTable, Featurizer, shared_table
from toneprobe.sentiment.head import Head, surface_features
from toneprobe.sentiment.longtext import LongText, long_text_logits
from toneprobe.sentiment.vocab import Lexicon
from toneprobe.sentiment.weights import load_weights

log = logging.getLogger(__name__)

MODELS_ENV = "TONEPROBE_MODELS_DIR"
DEFAULT_SENTIMENT = "sentiment-de"
MODEL_FILES: tuple[str, ...] = ("model.json", "vocab.json", "weights.npz")


def models_dir() -> Path:
    """``$TONEPROBE_MODELS_DIR`` if set, else ``models/`` at the repository root."""
    env = os.environ.get(MODELS_ENV)
    if env:
        return Path(env).expanduser()
    # src/toneprobe/sentiment/embedded.py -> repository root is three levels above the package
    return Path(__file__).resolve().parents[3] / "models"


def default_model_path(name: str) -> Path:
    return models_dir() / name


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def head_inputs(z: np.ndarray, n_classes: int, n_experts: int, temperature: float) -> np.ndarray:
    """What the head reads of the linear outputs ``z``: the model's logits and those of the
    ``n_experts`` per-source experts divided by the temperature, then the source gate as
    log-probabilities over the sources."""
    k = n_classes * (1 + n_experts)
    out = z / temperature
    if n_experts:
        gate = z[:, k:]
        gate = gate - gate.max(axis=1, keepdims=True)
        out[:, k:] = gate - np.log(np.exp(gate).sum(axis=1, keepdims=True))
    return out


def linear_parts(
    feat: Featurizer,
    coef: np.ndarray,
    intercept: np.ndarray,
    emb: EmbeddingTable | None,
    emb_weight: float,
    texts: Sequence[str],
) -> tuple[np.ndarray, list[list[str]], np.ndarray | None]:
    """Logits of the linear model (sparse TF-IDF rows times ``coef``, plus the embedding part),
    the tokens of each text and its pooled word vectors (None without a table)."""
    indptr, indices, values, tokens = feat.transform(texts)
    n = len(texts)
    n_cls = coef.shape[1]
    out = np.zeros((n, n_cls), dtype=np.float64)
    if len(indices):
        contrib = coef[indices] * values[:, None]
        nonempty = np.flatnonzero(np.diff(indptr))
        out[nonempty] = np.add.reduceat(contrib, indptr[nonempty], axis=0)
    vecs = None
    if emb is not None:
        vecs = emb.embed(texts, tokens, feat.tokenizer)
        out += (emb_weight * vecs) @ coef[feat.n_features :]
    out += intercept
    return out, tokens, vecs


@dataclass
class LinearModel:
    """Featurizer + weights of one linear classifier (sentiment or offense)."""

    featurizer: Featurizer
    coef: np.ndarray  # (n_features [+ embedding dim], n_classes) float32 or float16
    intercept: np.ndarray  # (n_classes,)
    labels: tuple[str, ...]
    embedding: EmbeddingTable | None = None
    emb_weight: float = 1.0
    temperature: float = 1.0
    bias: np.ndarray | None = None  # added to logits / temperature (class-prior adjustment)
    head: Head | None = None  # non-linear correction of logits / temperature (stacking)
    # sources with an expert model: coef/intercept then hold, after the model's own columns,
    # each expert's class logits and a gate over these sources (read by the head only)
    experts: tuple[str, ...] = ()
    # long multi-sentence texts: sentence scores combined with the whole text's (longtext.py)
    long_text: LongText | None = None
    meta: dict[str, object] = field(default_factory=dict)

    @property
    def n_outputs(self) -> int:
        """Columns of coef: the classes, plus each expert's classes and the gate's sources."""
        return len(self.labels) * (1 + len(self.experts)) + len(self.experts)

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """Logits of the linear part alone (before temperature, offsets and head)."""
        return self.parts(texts)[0][:, : len(self.labels)]

    def parts(self, texts: Sequence[str]) -> tuple[np.ndarray, list[list[str]], np.ndarray | None]:
        """Linear logits, each text's tokens and its pooled word vectors (what the head reads)."""
        return linear_parts(
            self.featurizer, self.coef, self.intercept, self.embedding, self.emb_weight, texts
        )

    def final_logits(self, texts: Sequence[str]) -> np.ndarray:
        """Logits the probabilities come from: scaled, then corrected by the head or offsets."""
        z, tokens, vecs = self.parts(texts)
        z = head_inputs(z, len(self.labels), len(self.experts), self.temperature)
        if self.head is not None:
            z = self.head.apply(z, vecs, surface_features(texts, tokens))
        else:
            z = z[:, : len(self.labels)]
        if self.bias is not None:
            z = z + self.bias
        return z

    def text_logits(self, texts: Sequence[str]) -> np.ndarray:
        """:meth:`final_logits`, with long multi-sentence texts read sentence by sentence."""
        z = self.final_logits(texts)
        if self.long_text is not None and "neutral" in self.labels:
            z = long_text_logits(
                texts, z, self.final_logits, self.labels.index("neutral"), self.long_text
            )
        return z

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return softmax(self.text_logits(texts))


def load_linear(path: Path) -> tuple[LinearModel, dict[str, object]]:
    """Load a model directory (numpy + JSON only). Raises ModelError with the reason."""
    path = Path(path)
    if not path.is_dir():
        raise ModelError(f"model directory not found: {path}")
    missing = [f for f in MODEL_FILES if not (path / f).is_file()]
    if missing:
        raise ModelError(f"{path}: not an embedded toneprobe model (missing {', '.join(missing)})")
    try:
        config = json.loads((path / "model.json").read_text(encoding="utf-8"))
        vocab = json.loads((path / "vocab.json").read_text(encoding="utf-8"))
        # large arrays memory-mapped: shared through the page cache, read when first used
        arrays = load_weights(path / "weights.npz")
        if config.get("format") != "toneprobe-linear":
            raise ModelError(f"{path}: unknown model format {config.get('format')!r}")
        feat = Featurizer.from_saved(
            config["featurizer"], vocab, arrays["word_idf"], arrays["char_idf"]
        )
        if "uc_indptr" in arrays:
            feat.load_char_index(vocab["word"], arrays)
        emb = None
        if config.get("embedding"):
            # one object per process for the same table (sentiment, moves, states share it)
            emb = shared_table(
                vocab["emb_words"],
                arrays["emb_vectors"],
                pooling=tuple(config.get("emb_pooling", ("mean",))),
            )
        coef = arrays["coef"]
        if coef.dtype not in (np.float32, np.float16):  # half precision stays mapped as it is
            coef = coef.astype(np.float32)
        expected = feat.n_features + (emb.n_out if emb is not None else 0)
        if coef.shape[0] != expected:
            raise ModelError(f"{path}: weights have {coef.shape[0]} rows, expected {expected}")
        model = LinearModel(
            feat,
            coef,
            arrays["intercept"].astype(np.float64),
            tuple(config["labels"]),
            emb,
            float(config.get("emb_weight", 1.0)),
            float(config.get("temperature", 1.0)),
            np.asarray(config["bias"], dtype=np.float64) if config.get("bias") else None,
            Head.from_arrays(arrays),
            tuple(config.get("experts", ())),
            LongText.from_dict(config.get("long_text")),  # type: ignore[arg-type]
        )
        if coef.shape[1] != model.n_outputs or model.intercept.shape != (model.n_outputs,):
            raise ModelError(
                f"{path}: weights have {coef.shape[1]} columns, expected {model.n_outputs}"
            )
        if model.experts and model.head is None:
            raise ModelError(f"{path}: the model has experts but no head to read them")
        if model.head is not None:
            problem = model.head.check(
                len(model.labels), emb.n_out if emb is not None else 0, model.n_outputs
            )
            if problem:
                raise ModelError(f"{path}: {problem}")
    except ModelError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ModelError(f"{path}: cannot load model ({type(err).__name__}: {err})") from err
    return model, config


class EmbeddedBackend(SentimentBackend):
    """The default German sentiment model shipped in ``models/sentiment-de``."""

    name = "embedded"

    def __init__(self, path: str | Path | None = None, batch_size: int = 512) -> None:
        super().__init__()
        self.path = Path(path) if path is not None else default_model_path(DEFAULT_SENTIMENT)
        self.batch_size = batch_size
        self._model: LinearModel | None = None
        self._order: list[int] = []

    def _load(self) -> None:
        model, config = load_linear(self.path)
        if config.get("task") != "sentiment" or set(model.labels) != set(LABELS):
            raise ModelError(
                f"{self.path}: not a sentiment model (labels found: {', '.join(model.labels)})"
            )
        self._model = model
        log.debug("loaded embedded sentiment model from %s", self.path)

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Probabilities (n, 3) in the order of ``LABELS`` (positive, negative, neutral)."""
        self.load()
        assert self._model is not None
        order = [self._model.labels.index(lab) for lab in LABELS]
        parts = [
            self._model.predict_proba(texts[i : i + self.batch_size])
            for i in range(0, len(texts), self.batch_size)
        ]
        if not parts:
            return np.zeros((0, len(LABELS)))
        return np.vstack(parts)[:, order]

    def _predict_nonempty(self, texts: list[str]) -> list[Sentiment]:
        probs = self.predict_proba(texts)
        out = []
        for row in probs.tolist():
            scores = dict(zip(LABELS, row, strict=True))
            best = max(range(len(LABELS)), key=row.__getitem__)
            out.append(Sentiment(LABELS[best], scores))  # type: ignore[arg-type]
        return out


def lexicon_of(*classifiers: object) -> Lexicon | None:
    """The word forms of the largest word-vector table among the loaded embedded models in
    ``classifiers`` (the sentiment backend, the customer-state and agent-move classifiers);
    None when none has one (a Hugging Face model, the models switched off)."""
    tables = [
        model.embedding
        for model in (getattr(clf, "_model", None) for clf in classifiers)
        if isinstance(model, LinearModel) and model.embedding is not None
    ]
    if not tables:
        return None
    return max(tables, key=lambda t: len(t.index)).lexicon

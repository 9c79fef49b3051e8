"""A Hugging Face sequence-classification model loaded from a local directory.

``HFDirectoryBackend(path)`` loads ``AutoTokenizer`` and ``AutoModelForSequenceClassification``
from ``path`` with ``local_files_only=True`` and ``trust_remote_code=False`` (nothing is
downloaded, no code from the directory runs), on the CPU. ``transformers`` and ``torch`` are
imported inside ``_load`` only, so importing this module costs nothing.

The model's ``config.json`` ``id2label`` is mapped onto positive/negative/neutral: names such
as ``POSITIVE``, ``pos``, ``positiv``, ``négatif`` or ``neu`` are recognised in any case;
generic names (``LABEL_0``) need a mapping, e.g. ``"LABEL_0=negative,LABEL_1=neutral,
LABEL_2=positive"``. Several model labels may map onto one of ours (their probabilities are
added); a model without a neutral label gives neutral probability 0.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from toneprobe.errors import ConfigError, ModelError
from toneprobe.sentiment.base import LABELS, Sentiment, SentimentBackend

log = logging.getLogger(__name__)

# Normalised label name (lowercase, accents and non-letters removed) -> our label.
LABEL_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(
        ["positive", "pos", "positiv", "positif", "positivo", "positief", "positieve", "good"],
        "positive",
    ),
    **dict.fromkeys(
        ["negative", "neg", "negativ", "negatif", "negativo", "negatief", "negatieve", "bad"],
        "negative",
    ),
    **dict.fromkeys(
        ["neutral", "neu", "neutr", "neutre", "neutro", "neutrale", "neutraal"],
        "neutral",
    ),
}

# Model families whose position ids start after the padding index (two fewer usable positions).
_OFFSET_POSITIONS = ("roberta", "xlm-roberta", "camembert", "xlm-roberta-xl", "longformer")


def _normalise(label: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(label).casefold())
    return re.sub(r"[^a-z]", "", "".join(c for c in decomposed if not unicodedata.combining(c)))


def parse_label_map(spec: str | Mapping[str, str] | None) -> dict[str, str]:
    """Parse ``"LABEL_0=negative,LABEL_1=positive"`` (or a dict) into ``{model_label: ours}``.

    Keys are model label names or ids (``"0=negative"``); values must name one of our labels
    (synonyms such as ``neg`` are accepted). Raises ``ConfigError`` on bad syntax.
    """
    if spec is None:
        return {}
    if isinstance(spec, Mapping):
        pairs = [(str(k), str(v)) for k, v in spec.items()]
    else:
        pairs = []
        for part in filter(None, (p.strip() for p in str(spec).split(","))):
            key, sep, value = part.partition("=")
            if not sep or not key.strip() or not value.strip():
                raise ConfigError(
                    f"label map: expected MODEL_LABEL=positive|negative|neutral, got {part!r}"
                )
            pairs.append((key.strip(), value.strip()))
    out: dict[str, str] = {}
    for key, value in pairs:
        ours = LABEL_SYNONYMS.get(_normalise(value))
        if ours is None:
            raise ConfigError(
                f"label map: {key}={value}: value must be positive, negative or neutral"
            )
        out[key] = ours
    if not out:
        raise ConfigError("label map is empty")
    return out


def map_labels(id2label: Mapping[int, str], user_map: Mapping[str, str] | None = None) -> list[str]:
    """Return our label for each class index ``0..n-1`` of a model, or raise ``ModelError``.

    ``user_map`` entries win (keyed by label name, case-insensitive, or by class id); the
    other labels are recognised by name. The result must cover positive and negative.
    """
    user = {k.casefold(): v for k, v in (user_map or {}).items()}
    n = len(id2label)
    found = [str(id2label[i]) for i in range(n)]
    known = {f.casefold() for f in found} | {str(i) for i in range(n)}
    unknown_keys = [k for k in (user_map or {}) if k.casefold() not in known]
    if unknown_keys:
        raise ModelError(
            f"label map names {', '.join(unknown_keys)}, but the model's labels are: "
            f"{', '.join(found)}"
        )
    mapped: list[str | None] = []
    for i, name in enumerate(found):
        mapped.append(
            user.get(name.casefold()) or user.get(str(i)) or LABEL_SYNONYMS.get(_normalise(name))
        )
    missing = [name for name, ours in zip(found, mapped, strict=True) if ours is None]
    if missing:
        example = ",".join(f"{name}=..." for name in found)
        raise ModelError(
            f"cannot map model labels to positive/negative/neutral: found {', '.join(found)} "
            f"(unmapped: {', '.join(missing)}); pass a label map such as --label-map '{example}'"
        )
    result = [m for m in mapped if m is not None]
    if not {"positive", "negative"} <= set(result):
        raise ModelError(
            f"model labels {', '.join(found)} map to {', '.join(sorted(set(result)))} only; "
            "a sentiment model needs at least positive and negative"
        )
    return result


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class HFDirectoryBackend(SentimentBackend):
    """A local Hugging Face model directory (``config.json`` + weights + tokenizer), CPU only."""

    def __init__(
        self,
        path: str | Path,
        label_map: str | Mapping[str, str] | None = None,
        batch_size: int = 32,
        max_length: int = 256,
        threads: int | None = None,
    ) -> None:
        super().__init__()
        if batch_size < 1:
            raise ConfigError(f"batch size must be at least 1 (got {batch_size})")
        if max_length < 2:
            raise ConfigError(f"max length must be at least 2 (got {max_length})")
        if threads is not None and threads < 1:
            raise ConfigError(f"threads must be at least 1 (got {threads})")
        self.path = Path(path)
        self.name = f"hf:{self.path}"
        self.user_map = parse_label_map(label_map)
        self.batch_size = batch_size
        self.max_length = max_length
        self.threads = threads
        self._tokenizer: Any = None
        self._model: Any = None
        self._torch: Any = None
        self._targets: list[str] = []
        self._limit = max_length

    def _load(self) -> None:
        if not (self.path / "config.json").is_file():
            raise ModelError(f"model '{self.path}': no config.json (not a Hugging Face model)")
        import torch
        import transformers
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        transformers.utils.logging.disable_progress_bar()
        from toneprobe.threads import current_limit

        # a scoring process has its limit (one thread per worker by default); else all cores
        torch.set_num_threads(self.threads or current_limit() or _cpu_count())
        try:
            tokenizer = AutoTokenizer.from_pretrained(
                self.path, local_files_only=True, trust_remote_code=False
            )
            model = AutoModelForSequenceClassification.from_pretrained(
                self.path, local_files_only=True, trust_remote_code=False
            )
        except Exception as err:  # a broken directory fails in many library-specific ways
            first = str(err).strip().splitlines()[0] if str(err).strip() else ""
            raise ModelError(
                f"model '{self.path}': cannot load: {type(err).__name__}: {first}"
            ) from err
        model.to("cpu")
        model.eval()
        id2label = {int(k): v for k, v in (model.config.id2label or {}).items()}
        if sorted(id2label) != list(range(model.config.num_labels)):
            raise ModelError(
                f"model '{self.path}': config id2label {id2label} does not match "
                f"num_labels={model.config.num_labels}"
            )
        try:
            self._targets = map_labels(id2label, self.user_map)
        except ModelError as err:
            raise ModelError(f"model '{self.path}': {err}") from None
        self._limit = self._max_tokens(tokenizer, model.config)
        self._tokenizer, self._model, self._torch = tokenizer, model, torch
        log.info(
            "loaded %s (%s, labels %s -> %s, max %d tokens, %d threads)",
            self.path,
            model.config.model_type,
            [id2label[i] for i in sorted(id2label)],
            self._targets,
            self._limit,
            torch.get_num_threads(),
        )

    def _max_tokens(self, tokenizer: Any, config: Any) -> int:
        limit = self.max_length
        model_max = getattr(tokenizer, "model_max_length", None)
        if isinstance(model_max, int) and 0 < model_max < 1_000_000:
            limit = min(limit, model_max)
        positions = getattr(config, "max_position_embeddings", None)
        if isinstance(positions, int) and positions > 0:
            if getattr(config, "model_type", "") in _OFFSET_POSITIONS:
                positions -= 2
            limit = min(limit, positions)
        return limit

    def _predict_nonempty(self, texts: list[str]) -> list[Sentiment]:
        torch = self._torch
        # Batches of similar length waste less work on padding; results go back in input order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[Sentiment | None] = [None] * len(texts)
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                chunk = order[start : start + self.batch_size]
                enc = self._tokenizer(
                    [texts[i] for i in chunk],
                    padding=True,
                    truncation=True,
                    max_length=self._limit,
                    return_tensors="pt",
                )
                probs = torch.softmax(self._model(**enc).logits.float(), dim=-1).tolist()
                for i, row in zip(chunk, probs, strict=True):
                    out[i] = self._to_sentiment(row)
        return [s for s in out if s is not None]

    def _to_sentiment(self, probs: list[float]) -> Sentiment:
        scores = dict.fromkeys(LABELS, 0.0)
        for target, p in zip(self._targets, probs, strict=True):
            scores[target] += p
        label = max(LABELS, key=lambda k: scores[k])
        return Sentiment(label, scores)  # type: ignore[arg-type]

"""The one list of sentiment backends, and how a ``--model`` value picks one.

``get_backend(name_or_path)`` resolves, in this order:

1. ``None``, ``"default"`` or ``"embedded"``: the embedded model shipped under ``models/``;
2. another name in ``BACKENDS`` (``"fake"``; ``"hf"`` needs ``path=...``);
3. an existing directory with ``config.json``: a Hugging Face model (``HFDirectoryBackend``);
4. an existing directory with the embedded model's files: ``EmbeddedBackend(path)``;
5. anything else: ``ModelError`` with one line that says what was expected.

Backends are imported only when chosen and load their weights only on first ``predict``.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from toneprobe.errors import ConfigError, ModelError
from toneprobe.sentiment.base import SentimentBackend

log = logging.getLogger(__name__)

# name -> "module:class"; imported lazily so that choosing "fake" never imports numpy or torch.
BACKENDS: dict[str, str] = {
    "embedded": "toneprobe.sentiment.embedded:EmbeddedBackend",
    "fake": "toneprobe.sentiment.fake:FakeBackend",
    "hf": "toneprobe.sentiment.hf:HFDirectoryBackend",
}
DEFAULT = "embedded"
ALIASES: dict[str, str] = {"default": DEFAULT}

# Options that only make sense for one backend: an error if another backend is chosen.
# Other options a backend does not take (batch_size, threads) are dropped with a debug log.
_STRICT_OPTIONS = frozenset({"label_map", "max_length"})

# The files of an embedded model directory, if ``embedded.MODEL_FILES`` cannot be imported.
_EMBEDDED_FILES: tuple[str, ...] = ("model.json", "vocab.json", "weights.npz")


def _import(spec: str) -> Callable[..., SentimentBackend]:
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name != module_name:
            raise
        raise ModelError(f"backend {module_name.rsplit('.', 1)[-1]!r} is not available") from err
    cls: Callable[..., SentimentBackend] = getattr(module, attr)
    return cls


def _construct(
    name: str, factory: Callable[..., SentimentBackend], **options: Any
) -> SentimentBackend:
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins only
        params = {}  # type: ignore[assignment]
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    accepted: dict[str, Any] = {}
    for key, value in options.items():
        if value is None:
            continue
        if takes_any or key in params:
            accepted[key] = value
        elif key in _STRICT_OPTIONS:
            flag = "--" + key.replace("_", "-")
            raise ConfigError(f"{flag} applies to Hugging Face model directories, not to {name!r}")
        else:
            log.debug("backend %s ignores option %s=%r", name, key, value)
    return factory(**accepted)


def is_embedded_dir(path: Path) -> bool:
    """True if ``path`` holds the files of an embedded toneprobe model (``MODEL_FILES``)."""
    try:
        from toneprobe.sentiment.embedded import MODEL_FILES as required
    except ImportError:
        required = _EMBEDDED_FILES
    return all((path / name).is_file() for name in required)


def get_backend(name_or_path: str | Path | None = None, **options: Any) -> SentimentBackend:
    """Return the backend for a ``--model`` value (not yet loaded). See the module docstring."""
    if name_or_path is None:
        key: str | None = DEFAULT
    else:
        raw = str(name_or_path)
        key = ALIASES.get(raw, raw) if raw in BACKENDS or raw in ALIASES else None
    if key is not None:
        if key == "hf" and options.get("path") is None:
            raise ConfigError("backend 'hf' needs path=... (or pass the model directory itself)")
        return _construct(key, _import(BACKENDS[key]), **options)

    path = Path(str(name_or_path)).expanduser()
    if not path.exists():
        known = ", ".join(sorted(BACKENDS))
        raise ModelError(
            f"model '{name_or_path}': no such file or directory (and not a backend name: {known})"
        )
    if not path.is_dir():
        raise ModelError(
            f"model '{name_or_path}': not a directory (a model is a directory with config.json "
            "or the embedded model's files)"
        )
    if (path / "config.json").is_file():
        return _construct("hf", _import(BACKENDS["hf"]), path=path, **options)
    if is_embedded_dir(path):
        return _construct("embedded", _import(BACKENDS["embedded"]), path=path, **options)
    raise ModelError(
        f"model '{name_or_path}': directory has no usable model (expected config.json for a "
        "Hugging Face model, or model.json, vocab.json and weights.npz for a toneprobe model)"
    )

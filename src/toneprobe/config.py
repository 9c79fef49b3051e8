"""User configuration: ``toneprobe.toml`` or ``[tool.toneprobe]`` in ``pyproject.toml``.

The file is found from the working directory upward (the first ``toneprobe.toml``, or the
first ``pyproject.toml`` that has a ``[tool.toneprobe]`` table), or given with
``--config FILE``. It is validated on load: an unknown key or a wrong type raises one
:class:`~toneprobe.errors.ConfigError` that names the file and the dotted key, e.g.
``toneprobe.toml: thresholds.deescalation_f1: Input should be a valid number``.

Example::

    [thresholds]
    deescalation_f1 = 0.75
    agent_spearman = 0.8

    [weights]
    deescalation = 0.3
    respect = 0.3

    [aliases]
    "J. Krüger" = "Jana Krüger"

    [roles]
    agent = ["Serviceberater"]
    customer = ["Anruferin"]

    [redaction]
    address = false

    [respect]
    address = "du"      # house style: mirror (default) | Sie | du
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from toneprobe.errors import ConfigError
from toneprobe.redact import KINDS, RedactOptions

CONFIG_NAME = "toneprobe.toml"
PYPROJECT = "pyproject.toml"

THRESHOLD_NAMES: tuple[str, ...] = (
    "deescalation_f1",
    "hangup_f1",
    "disrespect_f1",
    "empathy_spearman",
    "agent_spearman",
)

#: How the agent is expected to address the customer (``[respect] address``, ``--address``):
#: ``mirror`` - the agent's "du" is a finding only when the customer says "Sie";
#: ``Sie`` - every "du" is a finding; ``du`` - the house style is "du": never a finding, and
#: the courtesy share does not expect "Sie".
AddressStyle = Literal["mirror", "Sie", "du"]
ADDRESS_STYLES: tuple[str, ...] = ("mirror", "Sie", "du")

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)
#: a TOML array of strings (strict mode would refuse a list where a tuple is declared)
Words = Annotated[tuple[str, ...], Field(strict=False)]


class Thresholds(BaseModel):
    """Minimum values for ``toneprobe evaluate`` (unset = not checked)."""

    model_config = _STRICT

    deescalation_f1: float | None = Field(default=None, ge=0.0, le=1.0)
    hangup_f1: float | None = Field(default=None, ge=0.0, le=1.0)
    disrespect_f1: float | None = Field(default=None, ge=0.0, le=1.0)
    empathy_spearman: float | None = Field(default=None, ge=-1.0, le=1.0)
    agent_spearman: float | None = Field(default=None, ge=-1.0, le=1.0)

    def as_dict(self) -> dict[str, float]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class Weights(BaseModel):
    """Score weights per component (unset = the packaged default)."""

    model_config = _STRICT

    deescalation: float | None = Field(default=None, ge=0.0, le=1.0)
    hangup: float | None = Field(default=None, ge=0.0, le=1.0)
    respect: float | None = Field(default=None, ge=0.0, le=1.0)
    empathy: float | None = Field(default=None, ge=0.0, le=1.0)
    warmth: float | None = Field(default=None, ge=0.0, le=1.0)
    tone: float | None = Field(default=None, ge=0.0, le=1.0)

    def as_dict(self) -> dict[str, float]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class Roles(BaseModel):
    """Extra speaker labels that mean agent or customer (besides the built-in words)."""

    model_config = _STRICT

    agent: Words = ()
    customer: Words = ()


class Redaction(BaseModel):
    """Redaction in ``examples`` and ``report``: on by default, each kind switchable."""

    model_config = _STRICT

    enabled: bool = True
    phone: bool = True
    email: bool = True
    iban: bool = True
    card: bool = True
    number: bool = True
    address: bool = True
    birthdate: bool = True
    name: bool = True
    keep_names: Words = ()

    def options(self) -> RedactOptions:
        kinds = frozenset(k for k in KINDS if getattr(self, k))
        return RedactOptions(kinds=kinds, keep_names=frozenset(self.keep_names))


class RespectStyle(BaseModel):
    """House style for the respect detector."""

    model_config = _STRICT

    address: AddressStyle = "mirror"


class Config(BaseModel):
    """The whole configuration; every section is optional."""

    model_config = _STRICT

    thresholds: Thresholds = Field(default_factory=Thresholds)
    weights: Weights = Field(default_factory=Weights)
    aliases: dict[str, str] = Field(default_factory=dict)
    roles: Roles = Field(default_factory=Roles)
    redaction: Redaction = Field(default_factory=Redaction)
    respect: RespectStyle = Field(default_factory=RespectStyle)

    _source: str | None = PrivateAttr(default=None)

    @property
    def source(self) -> str | None:
        """The file this configuration came from (None for the defaults)."""
        return self._source

    def canonical_agent(self, name: str | None) -> str | None:
        """The canonical agent name for a variant spelling (aliases), else the name itself."""
        if name is None:
            return None
        if name in self.aliases:
            return self.aliases[name]
        folded = {k.casefold(): v for k, v in self.aliases.items()}
        return folded.get(name.casefold(), name)


def _display(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return rel if not rel.startswith("../../..") else str(path)


def find_config(start: Path | None = None) -> tuple[Path, str] | None:
    """The config file nearest to ``start`` (default: cwd), upward: (path, table prefix)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate, ""
        pyproject = folder / PYPROJECT
        if pyproject.is_file():
            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            if isinstance(data.get("tool"), dict) and "toneprobe" in data["tool"]:
                return pyproject, "tool.toneprobe"
    return None


def _format_errors(err: ValidationError, where: str, prefix: str) -> str:
    parts = []
    for item in err.errors():
        key = ".".join(str(p) for p in item["loc"])
        if prefix:
            key = f"{prefix}.{key}"
        msg = item["msg"]
        if item["type"] == "extra_forbidden":
            msg = "unknown key"
            parent = item["loc"][:-1]
            allowed = _allowed_keys(parent)
            if allowed:
                msg += f" (allowed: {', '.join(allowed)})"
        parts.append(f"{where}: {key}: {msg}")
    return "; ".join(parts)


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = Config
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def parse_config(data: dict[str, Any], where: str, prefix: str = "") -> Config:
    """Validate a parsed TOML table; ``where`` names the file in errors."""
    try:
        config = Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_format_errors(err, where, prefix)) from None
    config._source = where
    return config


def load_config(path: str | Path | None = None, *, start: Path | None = None) -> Config:
    """Load ``path``, or the nearest config file from ``start`` upward, or the defaults."""
    prefix = ""
    if path is not None:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"{file}: config file not found")
        if file.name == PYPROJECT:
            prefix = "tool.toneprobe"
    else:
        found = find_config(start)
        if found is None:
            return Config()
        file, prefix = found
    where = str(path) if path is not None else _display(file)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:
        raise ConfigError(f"{where}: not UTF-8 text ({err.reason})") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{where}: invalid TOML: {err}") from None
    except OSError as err:
        raise ConfigError(f"{where}: cannot read: {err.strerror}") from None
    if prefix:
        data = data.get("tool", {}).get("toneprobe", {})
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: {prefix}: must be a table")
    return parse_config(data, where, prefix)


def parse_min_options(values: list[str] | None) -> dict[str, float]:
    """``--min name=value`` options into a dict; an unknown name or a bad value is an error."""
    out: dict[str, float] = {}
    for raw in values or ():
        name, sep, value = raw.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ConfigError(f"--min {raw}: expected NAME=VALUE, e.g. deescalation_f1=0.75")
        if name not in THRESHOLD_NAMES:
            raise ConfigError(
                f"--min {raw}: unknown threshold {name!r} (known: {', '.join(THRESHOLD_NAMES)})"
            )
        try:
            number = float(value)
        except ValueError:
            raise ConfigError(f"--min {raw}: {value!r} is not a number") from None
        if not -1.0 <= number <= 1.0:
            raise ConfigError(f"--min {raw}: must lie between -1 and 1")
        out[name] = number
    return out

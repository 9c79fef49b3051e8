"""Reading the project's YAML data files (rules, role cues, the behavioural suite).

Two things every such file needs: a YAML error names the file and line, and a validation error
names the file, the item (its ``id`` or ``capability``) and the field.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from pydantic import ValidationError


def load_yaml(text: str, path: str, error: type[Exception]) -> Any:
    """The parsed YAML of ``text``; a syntax error raises ``error`` naming ``path:line``."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        line = getattr(getattr(err, "problem_mark", None), "line", None)
        at = f":{line + 1}" if line is not None else ""
        raise error(f"{path}{at}: not valid YAML: {getattr(err, 'problem', err)}") from None


def validation_message(path: str, data: Any, err: ValidationError) -> str:
    """``file: item-id: field: message`` for the first error of a pydantic validation.

    The item is the innermost mapping on the error's path that has an ``id`` (or a
    ``capability``); the sections passed on the way ("decision") are named too.
    """
    first = err.errors()[0]
    loc = list(first["loc"])
    where: list[str] = []
    node = data
    while loc and isinstance(node, (dict, list)):
        key = loc[0]
        try:
            child = node[key]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(child, dict) and ("id" in child or "capability" in child):
            where = [str(child.get("id") or child.get("capability"))]
            loc = loc[1:]
            node = child
            continue
        if isinstance(child, (dict, list)):
            node = child
            loc = loc[1:]
            if isinstance(key, str):
                where.append(key)
            continue
        break
    field = ".".join(str(p) for p in loc) or (where.pop() if where else "(file)")
    return f"{path}: {': '.join([*where, field])}: {first['msg']}"


def check_regexes(values: tuple[str, ...]) -> tuple[str, ...]:
    """``values`` unchanged when every pattern compiles (a pydantic field validator's body);
    else ValueError naming the pattern."""
    for value in values:
        try:
            re.compile(value)
        except re.error as err:
            raise ValueError(f"regex {value!r} does not compile: {err}") from err
    return values

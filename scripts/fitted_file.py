"""Is a shipped fitted file what its fit script would write? (the scripts' ``--check``)

A fit re-run on another machine, or with another patch release of numpy, scipy or scikit-learn,
can move a coefficient by one unit in its last written digit (a sum taken in another order, a
solver stopping one iteration earlier). Comparing the files byte by byte then fails a CI run on a
model that is, for every answer it gives, the same. The check compares what the files say
instead: the same keys, lists, strings and integers, and every number within ``ABS_TOL`` or
``REL_TOL`` of the shipped one. A fit on other data, other features or another
hyperparameter still fails: the chosen C or threshold, the set names or a feature differ, and
refitted coefficients move far more than the tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

ABS_TOL = 2e-3
REL_TOL = 1e-3


def same_fit(shipped: Any, written: Any, path: str = "") -> str | None:
    """``None`` if the two parsed files agree, else the first place where they differ."""
    if isinstance(shipped, bool) or isinstance(written, bool):
        return None if shipped is written else f"{path or '/'}: {shipped!r} != {written!r}"
    if isinstance(shipped, (int, float)) and isinstance(written, (int, float)):
        if isinstance(shipped, int) and isinstance(written, int):
            return None if shipped == written else f"{path}: {shipped} != {written}"
        if math.isclose(shipped, written, rel_tol=REL_TOL, abs_tol=ABS_TOL):
            return None
        return f"{path}: {shipped} != {written}"
    if isinstance(shipped, dict) and isinstance(written, dict):
        if list(shipped) != list(written):
            return f"{path or '/'}: keys differ ({sorted(set(shipped) ^ set(written))[:5]})"
        for key in shipped:
            diff = same_fit(shipped[key], written[key], f"{path}/{key}")
            if diff:
                return diff
        return None
    if isinstance(shipped, list) and isinstance(written, list):
        if len(shipped) != len(written):
            return f"{path or '/'}: {len(shipped)} != {len(written)} entries"
        for i, (a, b) in enumerate(zip(shipped, written, strict=True)):
            diff = same_fit(a, b, f"{path}/{i}")
            if diff:
                return diff
        return None
    return None if shipped == written else f"{path or '/'}: {shipped!r} != {written!r}"


def check(current: str | None, written: str, load: Callable[[str], Any]) -> str | None:
    """``None`` if ``current`` (the shipped text, ``None`` if missing) says what ``written``
    says, else why not."""
    if current is None:
        return "the file is missing"
    if current == written:
        return None
    return same_fit(load(current), load(written))

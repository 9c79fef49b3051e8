"""scripts/fitted_file.py: a shipped fit is in sync when it says what the script writes, to the
last digit that another library patch release can move, and stale when the fit changed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from fitted_file import check  # noqa: E402

SHIPPED = {
    "sets": ["dev2", "dev3"],
    "penalty_C": 3.0,
    "min_prob": 0.55,
    "examples": 1276,
    "balanced": False,
    "coef": {"max_blame": [0.0, 1.2345], "share_alternative_offered": [0.0, -0.155]},
    "mean": {"max_blame": 0.15495},
}


def written(**change: object) -> str:
    model = json.loads(json.dumps(SHIPPED))
    for path, value in change.items():
        *keys, last = path.split("__")
        node = model
        for k in keys:
            node = node[int(k)] if isinstance(node, list) else node[k]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return json.dumps(model, indent=1)


def test_fitted_file_last_digit_moved_by_a_library_release_is_in_sync():
    shipped = json.dumps(SHIPPED, indent=1)
    assert check(shipped, shipped, json.loads) is None
    assert check(shipped, written(mean__max_blame=0.1549), json.loads) is None
    assert check(shipped, written(coef__max_blame__1=1.2346), json.loads) is None


def test_fitted_file_a_changed_fit_is_stale_and_the_place_is_named():
    shipped = json.dumps(SHIPPED, indent=1)
    assert check(shipped, written(coef__max_blame__1=1.31), json.loads) == (
        "/coef/max_blame/1: 1.2345 != 1.31"
    )
    assert "min_prob" in (check(shipped, written(min_prob=0.6), json.loads) or "")
    assert "examples" in (check(shipped, written(examples=1300), json.loads) or "")
    assert "sets" in (check(shipped, written(sets=["dev2", "dev4"]), json.loads) or "")
    assert "balanced" in (check(shipped, written(balanced=True), json.loads) or "")
    assert check(None, shipped, json.loads) == "the file is missing"


def test_fitted_file_a_new_feature_is_stale_and_yaml_is_compared_by_content():
    shipped = json.dumps(SHIPPED, indent=1)
    more = json.loads(shipped)
    more["coef"]["max_insult"] = [0.0, 0.5]
    assert "keys differ" in (check(shipped, json.dumps(more), json.loads) or "")
    weights = "# fitted\nweights:\n  tone: 0.564\n  deescalation: 0.192\n"
    same = "# fitted on other cores\nweights:\n  tone: 0.5641\n  deescalation: 0.192\n"
    assert check(weights, same, yaml.safe_load) is None
    assert check(weights, same.replace("0.5641", "0.60"), yaml.safe_load) is not None

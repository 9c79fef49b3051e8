"""scripts/fit_composite.py: the fit recovers known weights, its fast score equals the
scoring path, and ``--check`` tells whether a weights file is what the script writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from toneprobe.scoring import default_weights, parse_weights

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import fit_composite as fc  # noqa: E402


def synthetic_records(n: int, seed: int = 5) -> list[tuple[str, dict, int, str]]:
    """Call records with the fields the score is built from, drawn at random."""
    rng = np.random.default_rng(seed)
    warm = np.random.default_rng(seed + 1)  # its own stream: the other draws stay as they were
    rules = ["respect.du_switch.v1", "respect.blame.v1", "respect.dismissal.v1"]
    out = []
    for i in range(n):
        findings = [
            {"detector": "respect", "polarity": "negative", "rule_id": rule, "weight": w}
            for rule, w in zip(rules, (0.7, 0.8, 0.7), strict=True)
            for _ in range(int(rng.integers(0, 4)) if rng.random() < 0.4 else 0)
        ]
        findings.append(
            {"detector": "empathy", "polarity": "negative", "rule_id": "x", "weight": 0.9}
        )  # not a respect finding: never counts
        deesc = ["not_needed", "achieved", "failed"][int(rng.integers(0, 3))]
        call = {
            "call_id": f"s{i}",
            "agent": f"Agent {i % 6}",
            "findings": findings,
            "respect": {"courtesy": float(rng.integers(0, 6)) / 5, "apology": rng.random() < 0.3},
            "deescalation": {
                "outcome": deesc,
                "credit": None if deesc == "not_needed" else float(rng.random()),
                "escalating_turns": list(range(int(rng.integers(0, 3)))),
            },
            "hangup": {
                "outcome": ["none", "customer", "agent", "dropped"][int(rng.integers(0, 4))]
            },
            "empathy": {
                "score": None if rng.random() < 0.3 else float(rng.integers(0, 101)),
                "agent_turns": (agent_turns := int(warm.integers(0, 8))),
                "warm_turns": list(range(int(warm.integers(0, agent_turns + 1)))),
            },
        }
        out.append((f"set{i % 3}", call, 3, f"Agent {i % 6}"))
    return out


def test_fit_composite_recovers_known_weights_on_a_synthetic_set():
    calls = fc.calls_from_records(synthetic_records(240))
    truth = {
        **fc.hand_set(),
        "components.deescalation": 0.35,
        "components.hangup": 0.1,
        "components.respect": 0.3,
        "components.empathy": 0.15,
        "components.warmth": 0.1,
        "respect.base": 30.0,
        "respect.courtesy": 70.0,
        "respect.apology_bonus": 12.0,
        "respect.per_negative_weight": 60.0,
        "respect.repeat_decay": 0.3,
    }
    targets = fc.predict(truth, calls)
    got = fc.fit(calls, fc.VARIANTS["weights+respect"], prior=1e-9, targets=targets)
    for name in fc.WEIGHT_NAMES:
        assert got[name] == pytest.approx(truth[name], abs=0.02), name
    assert got["respect.base"] == pytest.approx(30.0, abs=2.0)
    assert got["respect.courtesy"] == pytest.approx(100.0 - got["respect.base"])
    assert got["respect.per_negative_weight"] == pytest.approx(60.0, abs=3.0)
    assert got["respect.repeat_decay"] == pytest.approx(0.3, abs=0.05)
    assert got["respect.apology_bonus"] == pytest.approx(12.0, abs=2.0)
    # parameters that are not free keep their values
    assert got["deescalation.failed_base"] == fc.HAND_SET["deescalation.failed_base"]
    # the prior pulls towards the hand-set values when it is strong
    pulled = fc.fit(calls, fc.VARIANTS["weights"], prior=1e6, targets=targets)
    for name in fc.WEIGHT_NAMES:
        assert pulled[name] == pytest.approx(fc.HAND_SET[name], abs=0.01), name


def test_fit_composite_rounded_weights_sum_to_one():
    values = {
        **fc.hand_set(),
        **dict(zip(fc.WEIGHT_NAMES, (0.33349, 0.0451, 0.28751, 0.1339, 0.1, 0.1), strict=True)),
    }
    out = fc.rounded(values)
    assert sum(out[n] for n in fc.WEIGHT_NAMES) == pytest.approx(1.0, abs=1e-12)
    assert all(round(out[n], 3) == out[n] for n in fc.WEIGHT_NAMES)


def test_fit_composite_fast_score_equals_the_scoring_path():
    records = fc.score_sets(
        [("samples", str(ROOT / "sample_transcripts"), str(ROOT / "sample_transcripts/labels.csv"))]
    )
    assert len(records) == 44
    calls = fc.calls_from_records(records)
    shipped = {
        f"{section}.{key}": value
        for section, data in default_weights().model_dump().items()
        if isinstance(data, dict)
        for key, value in data.items()
        if section != "agents"
    }
    # the records were scored by the pipeline with the shipped weights; the pipeline rounds
    # the components and the score to 0.1, the fast score does not
    by_pipeline = np.array([call["empathy_score"] for _, call, _, _ in records])
    tone = default_weights().tone  # the shipped tone is the fitted move profile
    assert tone.moves
    tuned = fc.with_tone(calls, fc.ToneFit(tone.intercept, tone.moves))
    fast = fc.predict(shipped, tuned)
    # the record keeps disrespect_p to three decimals, so the penalty (rounded to 0.1) can land
    # on the other side of a rounding edge: the weighted means before it agree within 0.1
    pen_fast = fc.disrespect_penalty(shipped, tuned)
    pen_pipe = np.array([call["respect"]["disrespect_penalty"] for _, call, _, _ in records])
    live = (by_pipeline > 0) & (fast > 0)
    assert np.abs((fast + pen_fast - by_pipeline - pen_pipe)[live]).max() <= 0.1
    assert np.abs(fast - by_pipeline).max() <= 0.2
    assert np.abs(fc.predict(shipped, calls) - by_pipeline).max() > 1  # the balance differs
    # and scoring.score_summaries with other values agrees with the fast score as well
    other = {**fc.HAND_SET, "respect.repeat_decay": 0.3, "components.empathy": 0.6}
    again = np.array([c["empathy_score"] for c in fc.rescored(records, other)])
    assert np.abs(fc.predict(other, calls) - again).max() <= 0.1
    assert np.abs(again - by_pipeline).max() > 1  # the values do change the score


def run_fit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "fit_composite.py"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )


def test_fit_composite_writes_weights_and_check_tells_whether_they_are_in_sync(tmp_path):
    target = tmp_path / "weights.yaml"
    small = [
        "--only",
        "sample_transcripts/json:sample_transcripts/labels.csv",
        "--variant",
        "weights",
        "--prior",
        "1",
        "--bootstrap",
        "20",
        "--weights",
        str(target),
    ]
    wrote = run_fit(*small)
    assert wrote.returncode == 0, wrote.stderr
    assert "14 labelled calls" in wrote.stdout and "hand-set weights" in wrote.stdout
    text = target.read_text(encoding="utf-8")
    assert "Fitted to the human 1-5 empathy grades of 14 labelled calls" in text
    weights = parse_weights(yaml.safe_load(text), str(target))
    assert sum(weights.components.model_dump().values()) == pytest.approx(1.0)
    assert "# fitted: weight of the respect component" in text
    assert "# hand-set: subtracted per unit of disrespect weight" in text  # not free here

    same = run_fit(*small, "--check")
    assert same.returncode == 0, same.stderr
    assert "in sync" in same.stderr

    target.write_text(text.replace("respect: 0.", "respect: 0.0"), encoding="utf-8")
    edited = target.read_text(encoding="utf-8")
    differs = run_fit(*small, "--check")
    assert differs.returncode == 1
    assert "re-run" in differs.stderr
    assert target.read_text(encoding="utf-8") == edited  # --check writes nothing


def test_fit_composite_shipped_file_is_rendered_by_the_script():
    # the values and comments of weights.yaml are the script's: rendering its own values
    # with its own header gives the file back (a hand edit of a value or comment shows here;
    # `make fit-composite` / `--check` compare with a new fit)
    text = fc.WEIGHTS_FILE.read_text(encoding="utf-8")
    header = "\n".join(
        line[2:] for line in text.splitlines()[1:4]
    )  # the three lines after the title
    assert header.startswith("Fitted to the human 1-5 empathy grades of ")
    data = yaml.safe_load(text)
    values = {
        f"{section}.{key}": value
        for section, items in data.items()
        if isinstance(items, dict) and section not in ("agents", "tone")
        for key, value in items.items()
    }
    tone = data.get("tone") or {}
    fitted_tone = fc.ToneFit(tone.get("intercept", 3.0), tone.get("moves") or {})
    free_line = text.splitlines()[2]
    variant = free_line.split("Free: ", 1)[1].split(",", 1)[0]
    if variant.startswith("none"):
        variant = "hand-set"
    assert fc.render_weights(values, fc.VARIANTS[variant], header, fitted_tone) == text


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        # a fit that is not better than the hand-set values by more than TIE changes nothing
        ([(0.780, 0, 3.0, "hand-set"), (0.784, 4, 0.3, "weights")], ("hand-set", 3.0)),
        ([(0.780, 0, 3.0, "hand-set"), (0.790, 4, 0.3, "weights")], ("weights", 0.3)),
        # within TIE: fewer parameters, then the stronger prior
        (
            [
                (0.780, 0, 3.0, "hand-set"),
                (0.824, 8, 1.0, "weights+respect"),
                (0.827, 8, 0.3, "weights+respect"),
                (0.828, 14, 0.3, "weights+respect+deescalation+hangup"),
            ],
            ("weights+respect", 1.0),
        ),
    ],
)
def test_fit_composite_chooses_fewest_parameters_within_the_tie(table, expected):
    assert fc.choose(table) == expected


def test_fit_composite_tone_profile_recovers_known_move_weights():
    """fit_tone: the ridge regression of the grade on the agent's move profile finds the
    weights that made the grades (and no weight where a move does not matter)."""
    rng = np.random.default_rng(3)
    records = synthetic_records(300)
    moves = rng.random((300, len(fc.MOVE_LABELS)))
    j_re, j_di = fc.MOVE_LABELS.index("reassurance"), fc.MOVE_LABELS.index("dismissal")
    grades = 2.0 + 3.0 * moves[:, j_re] - 2.0 * moves[:, j_di]
    for (_, call, _, _), row in zip(records, moves, strict=True):
        profile = dict(zip(fc.MOVE_LABELS, row, strict=True))
        call["empathy"]["tone"] = {"balance": 0.0, "moves": profile}
    calls = fc.calls_from_records(records)
    calls = fc.replace(calls, grade=grades)
    tone = fc.fit_tone(calls)
    assert tone.moves["reassurance"] == pytest.approx(3.0, abs=0.15)
    assert tone.moves["dismissal"] == pytest.approx(-2.0, abs=0.15)
    assert abs(tone.moves["insult"]) < 0.15
    tuned = fc.with_tone(calls, tone)
    assert np.corrcoef(tuned.tone, grades)[0, 1] > 0.99
    # too few profiles: no fit, the tone stays the balance
    assert fc.fit_tone(fc.calls_from_records(synthetic_records(10))).moves == {}

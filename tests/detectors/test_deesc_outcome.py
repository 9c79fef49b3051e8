"""The learned de-escalation outcome (detectors/outcome.py, data/deesc_outcome.json): what
it decides on real German calls, how it explains itself, and how its file is read and fitted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.cli import run_toneprobe
from toneprobe.detectors import outcome
from toneprobe.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

CALMED = """\
Agent: Guten Tag, Stadtwerke Lindenau, Sie sprechen mit Jana Krüger. Was kann ich für Sie tun?
Kunde: Das ist doch nicht zu fassen! Zum dritten Mal buchen Sie mir den Abschlag doppelt ab, ich bin echt sauer!
Agent: Das verstehe ich gut, das ist wirklich ärgerlich. Das tut mir leid, da ist bei uns etwas schiefgelaufen.
Kunde: Und was passiert jetzt? Ich will mein Geld zurück.
Agent: Ich habe die doppelte Abbuchung gerade storniert, das Geld ist spätestens Freitag wieder auf Ihrem Konto.
Kunde: Ah, okay. Na dann bin ich beruhigt, vielen Dank, das ging ja schnell.
Agent: Gern geschehen. Einen schönen Tag noch!
Kunde: Danke, Ihnen auch, tschüss.
"""

REPORT = """\
Agent: Guten Tag, Kundenservice Nordnetz, mein Name ist Paul Brenner. Wie kann ich helfen?
Kunde: Guten Tag. Mein Router zeigt seit gestern Abend ein rotes Licht, und das Internet geht nicht.
Agent: Das schaue ich mir an. Nennen Sie mir bitte Ihre Kundennummer.
Kunde: Die ist 448812.
Agent: Danke. Ich sehe eine Störung in Ihrem Bereich, bis morgen früh sollte es wieder laufen.
Kunde: Alles klar, dann warte ich das ab. Danke für die Auskunft.
Agent: Sehr gern. Auf Wiederhören!
"""

LEFT_ANGRY = """\
Agent: Kundenservice Paketblitz, Brenner.
Kunde: Mein Paket ist seit zwei Wochen verschwunden und keiner kann mir sagen wo es ist! Das ist eine Frechheit!
Agent: Da kann ich nichts machen, das liegt beim Zusteller.
Kunde: Das ist doch wohl ein Witz! Ich zahle für den Versand und Sie sagen mir, das ist nicht Ihr Problem?
Agent: Ich sag nur, wie es ist. Sie können ja einen Nachforschungsantrag stellen.
Kunde: Unglaublich. Ich werde nie wieder bei Ihnen bestellen. Ich bin fertig mit Ihnen.
"""


def _call(tmp_path: Path, name: str, text: str) -> dict:
    path = tmp_path / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    proc = run_toneprobe("score", str(path), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["calls"][0]


def _deescalation(tmp_path: Path, name: str, text: str) -> dict:
    return _call(tmp_path, name, text)["deescalation"]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("calmed", CALMED, "achieved"),
        ("report", REPORT, "not_needed"),
        ("angry", LEFT_ANGRY, "failed"),
    ],
)
def test_score_reports_the_learned_outcome_with_its_evidence(tmp_path, name, text, expected):
    d = _deescalation(tmp_path, name, text)
    assert d["outcome"] == expected
    assert d["rule_outcome"] in ("achieved", "failed", "not_needed")
    learned = d["learned"]
    assert (learned["p_upset"] >= 0.5) == (expected != "not_needed")
    if expected == "not_needed":
        assert learned["p_calmed"] is None
        assert d["reason"].startswith("learned: not upset")
    else:
        assert (learned["p_calmed"] >= 0.5) == (expected == "achieved")
    # every answer names the evidence that weighed most, in words and with the call's value
    assert learned["weighed"]
    for w in learned["weighed"]:
        assert w["feature"] in outcome.FEATURES and w["what"] == outcome.FEATURES[w["feature"]]
        assert w["weight"] > 0
        assert f"{w['what']}: {w['shown']}" in d["reason"]


def test_relief_at_the_end_is_what_says_calmed(tmp_path):
    d = _deescalation(tmp_path, "calmed", CALMED)
    features = {w["feature"] for w in d["learned"]["weighed"]}
    assert features & {"end_relief_satisfaction", "calm_end", "end_anger_frustration", "last"}
    assert d["recovery_turn"] is not None and d["recovery_turn"] > d["peak_turn"]


def test_a_customer_who_breaks_off_was_never_calmed(tmp_path):
    text = LEFT_ANGRY.replace("Ich bin fertig mit Ihnen.", "Tschüss.") + "[Kunde legt auf]\n"
    call = _call(tmp_path, "broke_off", text)
    assert call["hangup"]["outcome"] == "customer"
    assert call["deescalation"]["outcome"] == "failed"
    assert call["deescalation"]["learned"]["p_calmed"] < 0.5


def test_explain_prints_the_learned_reason(tmp_path):
    path = tmp_path / "angry.txt"
    path.write_text(LEFT_ANGRY, encoding="utf-8")
    proc = run_toneprobe("explain", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "learned: upset" in " ".join(proc.stdout.split())


def _stage(**coef: float) -> outcome.Stage:
    names = list(outcome.FEATURES)
    full = {k: coef.get(k, 0.0) for k in names}
    return outcome.Stage("upset", -1.0, full, {k: 0.5 for k in names})


def test_stage_weighs_features_by_their_pull_toward_the_answer():
    st = _stage(peak=4.0, end_relief_satisfaction=-2.0)
    x = {k: 0.5 for k in outcome.FEATURES} | {"peak": 0.9, "end_relief_satisfaction": 0.1}
    assert st.probability(x) == pytest.approx(
        1 / (1 + np.exp(-(-1 + 4 * 0.9 - 2 * 0.1 + 0))), rel=1e-6
    )
    toward_yes = [w["feature"] for w in st.weighed(x, toward=True)]
    assert toward_yes == ["peak", "end_relief_satisfaction"]  # 1.6 then 0.8 log-odds
    assert st.weighed(x, toward=False) == []  # nothing here argues for "no"


def test_counts_and_flags_are_shown_as_a_user_reads_them():
    assert outcome.shown("upset_turns", 2 / 3) == "2"
    assert outcome.shown("credited_turns", 1.0) == "3+"
    assert outcome.shown("calm_end", 1.0) == "yes"
    assert outcome.shown("peak", 0.876) == "0.88"


def test_the_agents_answers_to_upset_are_counted_sentence_by_sentence():
    """An agent answers upset with acknowledgement, apology, a next step: the model counts the
    agent sentences the move model reads so (p >= 0.5), shown as counts; without the move
    model's reading the counts are 0."""
    from tests.detectors.conftest import dialogue
    from toneprobe.pipeline import Scorer

    lines = [
        ("A: " if line.startswith("Agent:") else "K: ") + line.split(": ", 1)[1]
        for line in CALMED.splitlines()
    ]
    ctx = Scorer().analyse(dialogue(*lines))
    res = ctx.results["deescalation"]
    cues = [f for f in res.findings if f.role == "customer"]
    x = outcome.outcome_features(res.summary, cues, "none", ctx.moves)
    # "Das verstehe ich gut, das ist wirklich ärgerlich." / "Das tut mir leid, ..." /
    # "Ich habe die doppelte Abbuchung gerade storniert, das Geld ist ... wieder auf Ihrem Konto."
    assert x["agent_acknowledge_feeling"] >= 0.33 and x["agent_apology_ownership"] >= 0.33
    assert x["agent_alternative_offered"] == 0.0
    without = outcome.outcome_features(res.summary, cues, "none")
    assert all(without[f"agent_{m}"] == 0.0 for m in outcome.AGENT_MOVES)
    assert {k: v for k, v in without.items() if not k.startswith("agent_")} == {
        k: v for k, v in x.items() if not k.startswith("agent_")
    }
    assert outcome.shown("agent_apology_ownership", 1 / 3) == "1"
    assert (
        outcome.FEATURES["agent_apology_ownership"] == "agent sentences: apologising (move model)"
    )


def test_a_model_file_with_an_unknown_feature_is_a_config_error():
    good = json.loads((ROOT / "src/toneprobe/data/deesc_outcome.json").read_text(encoding="utf-8"))
    outcome.parse_model(good, "deesc_outcome.json")  # the shipped file reads
    bad = json.loads(json.dumps(good))
    bad["stages"]["calmed"]["coef"]["shoe_size"] = 1.0
    with pytest.raises(ConfigError, match=r"deesc_outcome.json: stages.calmed: unknown features"):
        outcome.parse_model(bad, "deesc_outcome.json")
    del bad["stages"]["upset"]["intercept"]
    with pytest.raises(ConfigError, match=r"stages.upset: malformed"):
        outcome.parse_model(bad, "deesc_outcome.json")


def _fit_script():
    sys.path.insert(0, str(ROOT / "scripts"))
    import fit_deesc_outcome

    return fit_deesc_outcome


def test_newton_logistic_regression_recovers_a_known_model():
    fit = _fit_script()
    rng = np.random.default_rng(5)
    x = rng.normal(size=(4000, 3))
    true_w, true_b = np.array([2.0, -1.0, 0.0]), 0.5
    y = (rng.random(4000) < 1 / (1 + np.exp(-(x @ true_w + true_b)))).astype(float)
    b, w = fit.logistic(x, y, c=1e6)
    assert b == pytest.approx(true_b, abs=0.15)
    assert w == pytest.approx(true_w, abs=0.15)
    _, shrunk = fit.logistic(x, y, c=1e-3)  # a strong penalty pulls every weight to 0
    assert np.all(np.abs(shrunk) < 0.3 * np.abs(w) + 1e-6)


def test_shipped_model_is_what_the_fit_script_writes():
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts/fit_deesc_outcome.py"), "--check", *FIT_SETS],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "chosen: C_upset=" in proc.stdout


sys.path.insert(0, str(ROOT / "scripts"))
from labelled_sets import TUNING_NAMES  # noqa: E402

FIT_SETS = [f"data/{name}" for name in TUNING_NAMES]  # make's FIT_SETS


def test_a_hang_up_overrides_a_calmed_reading_and_the_reason_says_so():
    model = outcome.OutcomeModel(
        outcome.Stage(
            "upset", 5.0, {k: 0.0 for k in outcome.FEATURES}, {k: 0.0 for k in outcome.FEATURES}
        ),
        _stage(end_relief_satisfaction=6.0),
    )
    calm_end = {k: 0.5 for k in outcome.FEATURES} | {"end_relief_satisfaction": 0.9}
    for how, expected in (("none", "achieved"), ("agent", "failed"), ("customer", "failed")):
        x = calm_end | {f"hangup_{h}": float(h == how) for h in ("agent", "customer", "dropped")}
        verdict = model.decide(x)
        assert verdict.outcome == expected, how
        assert verdict.reason().endswith("but the call ended with a hang-up") == (how != "none")

"""Issue 13 item 5: de-escalation starts at the customer's real upset (the customer-state
model), and explain, the JSON trajectory and the HTML report show the customer's state.

The calls are written for these tests and scored by the CLI in its own process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli import run_toneprobe

from tests.detectors.conftest import dialogue
from toneprobe.detectors.deescalation import FROM_SENTIMENT, state_thresholds
from toneprobe.pipeline import Scorer

CALM_REPORT = """\
Agent: Guten Tag, Netzwelt Kundenservice, hier spricht Tobias Reimann. Was kann ich für Sie tun?
Kunde: Hallo, hier ist Sabine Vogt. Mein Router blinkt seit gestern rot und ich habe kein Internet.
Agent: Das schaue ich mir gleich an. Nennen Sie mir bitte Ihre Kundennummer?
Kunde: Die Kundennummer ist 4471 2209.
Agent: Danke. Ich sehe eine Störung in Ihrem Ort, die Technik arbeitet daran, morgen früh sollte alles wieder laufen.
Kunde: Alles klar, dann warte ich bis morgen. Danke, auf Wiederhören.
Agent: Sehr gern, Frau Vogt, auf Wiederhören.
"""

POLITE_ANGRY = """\
Agent: Guten Tag, Stadtwerke Lindenau, mein Name ist Jana Krüger. Was kann ich für Sie tun?
Kunde: Guten Tag, Köhler hier. Ich muss schon sagen, ich bin von Ihrem Service sehr enttäuscht, das ist jetzt das dritte Mal.
Agent: Das tut mir wirklich leid, Herr Köhler, dass Sie schon wieder anrufen müssen. Worum geht es denn?
Kunde: Seit März wird mein Abschlag falsch berechnet, und jedes Mal verspricht man mir eine Korrektur, die nie kommt.
Agent: Das ist ärgerlich, das verstehe ich gut. Ich korrigiere den Abschlag jetzt sofort und schicke Ihnen noch heute die neue Übersicht per E-Mail.
Kunde: Gut, das beruhigt mich. Vielen Dank, dass Sie sich so schnell darum kümmern.
Agent: Gern geschehen, Herr Köhler. Einen schönen Tag noch, auf Wiederhören.
Kunde: Auf Wiederhören.
"""

# the same calm report told over two customer turns: two negative turns must not add up to a
# sustained upset (negative sentiment alone would read both as upset)
CALM_REPORT_TWO_TURNS = """\
Agent: Guten Tag, Netzwelt Kundenservice, hier spricht Tobias Reimann. Was kann ich für Sie tun?
Kunde: Hallo, hier ist Sabine Vogt. Mein Router blinkt seit gestern rot und ich habe kein Internet.
Agent: Das schaue ich mir gleich an. Haben Sie den Router schon neu gestartet?
Kunde: Ja, zweimal schon, das hat leider nichts geändert, die Lampe bleibt rot.
Agent: Danke. Ich sehe eine Störung in Ihrem Ort, die Technik arbeitet daran, morgen früh sollte alles wieder laufen.
Kunde: Alles klar, dann warte ich bis morgen. Danke, auf Wiederhören.
Agent: Sehr gern, Frau Vogt, auf Wiederhören.
"""


@pytest.fixture(scope="module")
def calls(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("state_calls")
    (base / "calm_report.txt").write_text(CALM_REPORT, encoding="utf-8")
    (base / "polite_angry.txt").write_text(POLITE_ANGRY, encoding="utf-8")
    (base / "calm_two_turns.txt").write_text(CALM_REPORT_TWO_TURNS, encoding="utf-8")
    return base


def _score(path: Path) -> dict:
    proc = run_toneprobe("score", str(path), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["calls"][0]


def test_customer_states_calm_problem_report_needs_no_deescalation(calls: Path) -> None:
    call = _score(calls / "calm_report.txt")
    d = call["deescalation"]
    assert d["outcome"] == "not_needed"
    assert call["components"]["deescalation"] is None
    first = d["trajectory"][0]
    assert first["turn"] == 1 and first["state"] == "problem_report"
    assert first["upset"] < 0.2
    assert set(first["states"]) == {
        "anger_frustration", "worry", "problem_report", "relief_satisfaction", "none",
    }  # fmt: skip


def test_customer_states_calm_report_over_two_turns_is_not_sustained_upset(calls: Path) -> None:
    d = _score(calls / "calm_two_turns.txt")["deescalation"]
    assert d["outcome"] == "not_needed"
    reports = [p for p in d["trajectory"] if p["state"] == "problem_report"]
    assert [p["turn"] for p in reports] == [1, 3]
    th = state_thresholds()
    assert all(p["upset"] < min(th.upset, th.sustained) for p in reports)


def test_customer_states_polite_angry_customer_calmed_is_achieved(calls: Path) -> None:
    call = _score(calls / "polite_angry.txt")
    d = call["deescalation"]
    assert d["outcome"] == "achieved"
    assert d["peak_turn"] == 1
    assert 2 in d["credited_turns"] and 4 in d["credited_turns"]
    states = {p["turn"]: p["state"] for p in d["trajectory"]}
    assert states[1] == "anger_frustration"
    assert states[5] == "relief_satisfaction"
    assert call["hangup"]["outcome"] == "none"


def test_customer_states_without_model_trajectory_keeps_old_fields() -> None:
    """Without the state model the upset comes from sentiment, and the trajectory entries
    have exactly the fields they had before (the contract of schema_version 1)."""
    call = dialogue(*(("A: " if ln.startswith("Agent") else "K: ") + ln.split(": ", 1)[1]
                      for ln in POLITE_ANGRY.splitlines()))  # fmt: skip
    off = Scorer(model="fake", use_offense_model=False, use_state_model=False).score(call)
    assert off["deescalation"]["trajectory"]
    assert all(set(p) == {"turn", "upset"} for p in off["deescalation"]["trajectory"])
    on = Scorer(model="fake", use_offense_model=False).score(call)
    assert all({"turn", "upset", "state", "states"} == set(p)
               for p in on["deescalation"]["trajectory"])  # fmt: skip


def test_customer_states_angry_customer_hanging_up_is_still_a_hangup() -> None:
    scorer = Scorer(model="fake", use_offense_model=False)
    call = scorer.score(
        dialogue(
            "A: Guten Tag, Paketdienst Nordstern, Sie sprechen mit Kai Brandt.",
            "K: Mein Paket ist zum vierten Mal nicht gekommen, ich bin es wirklich leid mit Ihnen.",
            "A: Da kann ich nichts machen, das liegt am Zusteller.",
            "K: Wissen Sie was, vergessen Sie es einfach, ich lege jetzt auf. Tschüss!",
        )
    )
    assert call["hangup"]["outcome"] == "customer"
    assert call["deescalation"]["outcome"] == "failed"


def test_customer_states_thresholds_are_data() -> None:
    th = state_thresholds()
    raw = json.loads(
        (Path(__file__).resolve().parents[2] / "src/toneprobe/data/upset.json").read_text()
    )["thresholds"]
    assert {k: getattr(th, k) for k in raw} == raw
    assert th != FROM_SENTIMENT  # fitted, not the sentiment-era values


def test_customer_states_explain_shows_state_per_customer_turn(calls: Path) -> None:
    proc = run_toneprobe("explain", str(calls / "polite_angry.txt"))
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("[")]
    customer = [ln for ln in lines if "customer" in ln]
    agent = [ln for ln in lines if " agent " in ln]
    assert "state: anger" in customer[0]
    assert "state: relief" in customer[2]
    assert all("state:" in ln for ln in customer)
    assert not any("state:" in ln for ln in agent)


def test_customer_states_report_draws_state_line(calls: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    proc = run_toneprobe("report", str(calls), "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    page = out.read_text(encoding="utf-8")
    assert "Customer state per call" in page
    assert "customer sentiment by turn" not in page
    assert "customer state by turn (anger, worry, relief)" in page
    # the state words per customer turn: the angry call's line starts with anger
    assert '<span class="st anger_frustration" title="turn 1">anger</span>' in page
    assert '<span class="st problem_report" title="turn 1">problem</span>' in page


MIXED = dialogue(
    "A: Guten Tag, Energie Südwest, Sie sprechen mit Lena Hofmann.",
    "K: Die Rechnung ist falsch, da stehen 80 statt 40 Euro, das ist ein Fehler.",
    "A: Das prüfe ich sofort für Sie.",
    "K: Ich muss schon sagen, ich bin sehr enttäuscht, das ist jetzt mein dritter Anruf.",
    "A: Ich korrigiere den Betrag jetzt und schicke Ihnen die neue Rechnung.",
    "K: Ok, dann passt das ja, danke.",
)


def test_customer_states_sentiment_mix_blends_the_two_readings() -> None:
    """upset.json's sentiment_mix is a weighted mean of the state model's upset and
    negative sentiment's; sentiment_floor lets sentiment's reading count when it is higher;
    report_discount takes the problem-report probability off sentiment's part; at 0 (the
    default) the state model reads alone."""
    from dataclasses import replace

    from toneprobe.detectors.deescalation import upset_levels

    ctx = Scorer(model="fake", use_offense_model=False).context(MIXED)
    assert ctx.states  # the state model ran
    state_only = upset_levels(ctx, [], replace(FROM_SENTIMENT, worry_weight=0.0))
    customer = [t.index for t in MIXED.turns if t.role == "customer"]
    sentiment = {
        i: min(1.0, max(0.0, s.scores.get("negative", 0.0) - 0.3 * s.scores.get("positive", 0.0)))
        for i, s in enumerate(ctx.sentiments)
        if i in customer
    }
    assert set(state_only) == set(customer)
    assert state_only[3] > state_only[1]  # the polite complaint is angrier than the report
    # the two readings differ on this call, so the blend is a real test
    assert any(abs(state_only[i] - sentiment[i]) > 0.05 for i in customer)

    def levels(**kw: float) -> dict[int, float]:
        return upset_levels(ctx, [], replace(FROM_SENTIMENT, worry_weight=0.0, **kw))

    assert levels(sentiment_mix=1.0) == {i: round(v, 3) for i, v in sentiment.items()}
    half = levels(sentiment_mix=0.5)
    for i in customer:
        assert half[i] == pytest.approx((state_only[i] + sentiment[i]) / 2, abs=2e-3)
    floor = levels(sentiment_floor=1.0)
    for i in customer:
        assert floor[i] == pytest.approx(max(state_only[i], sentiment[i]), abs=2e-3)
    # report_discount: sentiment's part shrinks by the problem-report probability, so the
    # calm report (turn 1) loses most of its negative sentiment, the polite anger (3) keeps it
    report = {i: ctx.states[i].scores["problem_report"] for i in customer}  # type: ignore[union-attr]
    assert report[1] > 0.5 > report[3]
    discounted = levels(sentiment_mix=1.0, report_discount=1.0)
    for i in customer:
        assert discounted[i] == pytest.approx(max(0.0, sentiment[i] * (1 - report[i])), abs=2e-3)

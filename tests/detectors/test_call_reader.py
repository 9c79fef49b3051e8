"""The learned call reader (detectors/call_reader.py, data/call_reader.json): a polite
stonewall (refusal after refusal, no way forward), its helpful twin, an angry caller who does not
make a polite agent rude, clear rule findings deciding alone, the features and their words,
how the file is read and that it is what the fit script writes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.detectors.conftest import dialogue
from toneprobe.detectors import call_reader
from toneprobe.detectors.linear_reader import packaged_json
from toneprobe.errors import ConfigError
from toneprobe.pipeline import Scorer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import fit_call_reader  # noqa: E402

CUSTOMER = (
    "K: Guten Tag, mir sind 89 Euro zweimal abgebucht worden, für denselben Monat.",
    "K: Und wer kann das dann zurückbuchen?",
    "K: Aber ich sehe doch zweimal 89 Euro auf meinem Konto!",
    "K: Das heißt, ich bleibe jetzt auf dem Geld sitzen?",
    "K: Das ist ja unglaublich.",
)
# an agent who never says a rude word and never helps: refusal after refusal, no way forward
STONEWALL = (
    "A: Guten Tag. Eine Rückbuchung kann ich telefonisch nicht veranlassen.",
    "A: Das ist so nicht vorgesehen. Die Buchung ist im System korrekt hinterlegt.",
    "A: Das kann ich von hier aus nicht beurteilen. Dazu kann ich Ihnen keine Auskunft geben.",
    "A: Ich habe Ihr Anliegen zur Kenntnis genommen. Weitere Möglichkeiten habe ich nicht.",
    "A: Ich wünsche Ihnen trotzdem einen schönen Tag.",
)
# the same limits, owned, with a next step and a way forward
HELPFUL = (
    "A: Guten Tag. Selbst zurückbuchen kann ich am Telefon leider nicht, aber ich gebe das "
    "heute noch an unsere Buchhaltung.",
    "A: Die Buchhaltung bucht in der Regel innerhalb von drei Werktagen zurück. Ich schicke "
    "Ihnen gleich eine Bestätigung per E-Mail.",
    "A: Das glaube ich Ihnen sofort, das ist ärgerlich. Ich sehe die doppelte Buchung jetzt "
    "auch bei uns.",
    "A: Nein, ganz sicher nicht. Falls das Geld bis Freitag nicht da ist, rufen Sie mich "
    "direkt an, ich gebe Ihnen meine Durchwahl.",
    "A: Gern geschehen, und einen schönen Tag noch.",
)


def _call(agent: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(line for pair in zip(CUSTOMER, agent, strict=True) for line in pair)


@pytest.fixture(scope="module")
def real() -> Scorer:
    return Scorer()


def test_call_reader_finds_a_polite_stonewall_and_names_its_sentence(real):
    t = dialogue(*_call(STONEWALL))
    call = real.score(t)
    assert call["respect"]["disrespect"] is True
    # no rule finding is clear on its own: the reader decided, on the whole call
    assert not [
        f
        for f in call["findings"]
        if f["polarity"] == "negative" and ".model." not in f["rule_id"] and f["weight"] >= 0.5
    ]
    found = [f for f in call["findings"] if f["rule_id"] == call_reader.RULE_ID]
    assert len(found) == 1
    f = found[0]
    turn = t.turns[f["turn"]]
    assert turn.role == "agent" and turn.text[f["start"] : f["end"]] == f["text"]
    assert f["weight"] == 0.5 and f["detector"] == "respect"
    assert f["turn"] in call["respect"]["disrespect_turns"]
    model = call_reader.reader_model()
    assert model is not None
    assert (
        f"disrespectful p {call['respect']['disrespect_p']:.2f} >= {model.min_prob}"
        in f["explanation"]
    )
    assert "agent sentences read as" in f["explanation"] or "share of agent" in f["explanation"]


def test_call_reader_leaves_the_helpful_twin_alone(real):
    call = real.score(dialogue(*_call(HELPFUL)))
    assert call["respect"]["disrespect"] is False
    assert not any(f["rule_id"] == call_reader.RULE_ID for f in call["findings"])
    model = call_reader.reader_model()
    assert model is not None and call["respect"]["disrespect_p"] < model.min_prob


@pytest.mark.parametrize(
    "agent_line",
    [
        "Das tut mir leid, ich kümmere mich sofort darum.",
        "Herr Yıldız, 'Idioten' lasse ich so nicht stehen, ich helfe Ihnen aber gern weiter.",
        "Ich verstehe, dass Sie wütend sind. Ich schaue mir Ihre Rechnung jetzt genau an.",
    ],
)
def test_an_angry_caller_in_a_short_call_does_not_make_a_polite_agent_rude(real, agent_line):
    """The reader reads the agent's side: the customer's anger and a call of three turns are
    no sign against the agent."""
    call = real.score(
        dialogue(
            "A: Guten Tag, Stadtwerke Lindenau, was kann ich für Sie tun?",
            "K: Ihr seid doch alle Idioten und Betrüger, dreimal habe ich schon angerufen!",
            f"A: {agent_line}",
        )
    )
    assert call["respect"]["disrespect"] is False
    assert not any(f["rule_id"] == call_reader.RULE_ID for f in call["findings"])


def test_a_clear_rule_finding_decides_whatever_the_reader_says(real, monkeypatch):
    raw, where = packaged_json(call_reader.MODEL_FILE)
    assert raw is not None
    never = call_reader.parse_model({**raw, "min_prob": 1.0}, where)  # the reader says no
    monkeypatch.setattr(call_reader, "reader_model", lambda: never)
    call = real.score(
        dialogue(
            "K: Ich warte seit einer Stunde auf den Techniker!",
            "A: Das ist nicht mein Problem, dafür bin ich nicht zuständig.",
        )
    )
    assert call["respect"]["disrespect"] is True and call["respect"]["disrespect_turns"] == [1]
    assert not any(f["rule_id"] == call_reader.RULE_ID for f in call["findings"])
    # and without any clear finding the reader's no stands
    assert real.score(dialogue(*_call(STONEWALL)))["respect"]["disrespect"] is False


def test_call_features_read_the_moves_and_findings_and_say_what_they_mean(real):
    ctx = real.analyse(dialogue(*_call(STONEWALL)))
    x = call_reader.call_features(ctx, ctx.findings())
    assert set(x) == set(call_reader.FEATURES)
    assert all(0.0 <= v <= 1.0 for v in x.values())
    assert x["max_refusing_help"] > 0.9 and x["some_refusing_help"] >= 0.5
    helpful = real.analyse(dialogue(*_call(HELPFUL)))
    y = call_reader.call_features(helpful, helpful.findings())
    assert y["share_commitment_next_step"] > x["share_commitment_next_step"]
    assert call_reader.describe("some_refusing_help", 0.5) == (
        "agent sentences read as refusing help (p >= 0.5): 2"
    )
    assert call_reader.describe("sure_blame", 1.0).endswith(": 4+")
    assert call_reader.describe("agent_ends", 1.0).endswith(": yes")
    assert call_reader.describe("model_sum", 0.45) == (
        "the move model's negative findings (weight): 0.90"
    )
    assert call_reader.describe("share_apology_ownership", 0.25).endswith(": 0.25")


def test_agent_ends_is_the_agent_ending_the_call_not_a_cue_or_a_boundary(real):
    """``agent_ends`` is the hang-up verdict "agent": a line that drops on the agent's question
    is none, and an agent who ends the call after warning an insulting customer sets a
    boundary (``hangup.agent.after_warnings.v1``), which is no sign against them."""

    def agent_ends(*lines: str) -> tuple[float, dict]:
        ctx = real.analyse(dialogue(*lines))
        return call_reader.call_features(ctx, ctx.findings())["agent_ends"], ctx.results[
            "hangup"
        ].summary

    dropped, summary = agent_ends(
        "A: Guten Tag, Stadtwerke Lindenau, was kann ich für Sie tun?",
        "K: Ich habe eine Frage zu meiner letzten Rechnung.",
        "A: Gern, worum geht es denn bei der Rechnung?",
    )
    assert summary["outcome"] != "agent" and dropped == 0.0
    ended, summary = agent_ends(
        "K: Das ist doch eine Frechheit, ich warte seit Wochen auf mein Geld!",
        "A: Wenn Sie so mit mir reden, beende ich das Gespräch jetzt. Auf Wiederhören.",
    )
    assert summary["outcome"] == "agent" and ended == 1.0
    boundary, summary = agent_ends(
        "A: Guten Tag, Stadtwerke Lindenau, was kann ich für Sie tun?",
        "K: Ihr seid doch alle unfähig, ihr Trottel!",
        "A: Bitte beleidigen Sie mich nicht, ich möchte Ihnen helfen.",
        "K: Halt die Klappe, du Idiot!",
        "A: Ich habe Sie jetzt zweimal gebeten, mich nicht zu beleidigen. Ich beende das "
        "Gespräch. Auf Wiederhören.",
    )
    assert summary["outcome"] == "agent" and summary["boundary"] and boundary == 0.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.pop("min_prob"), "malformed"),
        (lambda r: r["coef"].update({"customer_mood": [0, 1]}), "unknown features"),
        (lambda r: r["mean"].pop("rule_max"), "every coefficient needs a mean"),
        (lambda r: r.update({"min_prob": 2}), "min_prob within"),
    ],
)
def test_call_reader_file_errors_name_the_file(change, message):
    raw, where = packaged_json(call_reader.MODEL_FILE)
    assert raw is not None
    change(raw)
    with pytest.raises(ConfigError, match=message) as err:
        call_reader.parse_model(raw, where)
    assert "call_reader.json" in str(err.value)


def test_shipped_reader_is_what_the_fit_script_writes_on_the_sets_in_the_repository():
    raw, _ = packaged_json(call_reader.MODEL_FILE)
    assert raw is not None
    names = {name for name, _, _ in fit_call_reader.DEFAULT_SETS} | set(fit_call_reader.TUNING)
    assert set(raw["sets"]) == names
    assert raw["weight"] == 0.5 and 0.0 < raw["min_prob"] < 1.0
    cv = raw["cross_validated_f1"]["pooled"]
    assert cv["with"] >= cv["without"] - 0.02  # out of set, it holds what the rules hold in-sample
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts/fit_call_reader.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "is in sync" in proc.stdout


def test_explain_shows_the_call_readers_finding_and_probability(tmp_path):
    """A user who asks why a call counts as disrespectful sees the reader's finding on its
    sentence, its reasons and its probability, as for any rule."""
    turns = [
        {"role": "agent" if line[0] == "A" else "customer", "text": line[3:]}
        for line in _call(STONEWALL)
    ]
    path = tmp_path / "stonewall.json"
    path.write_text(
        json.dumps({"call_id": "stonewall-1", "agent": "Frau Brandt", "turns": turns}), "utf-8"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "toneprobe", "explain", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "respect.model.call.v1" in proc.stdout
    assert re.search(r"disrespectful p \d\.\d\d >= 0\.\d+ \(", proc.stdout)
    assert "disrespect: yes, call reader p " in proc.stdout

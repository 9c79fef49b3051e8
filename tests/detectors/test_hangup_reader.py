"""The learned hang-up reader (detectors/hangup_reader.py, data/hangup_reader.json): the endings
it reads that the rules miss, its near-misses, how it explains itself, how its file is read,
and that the shipped file was fitted on the data in the repository."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

from tests.cli import run_toneprobe
from tests.detectors.conftest import dialogue
from toneprobe.detectors import hangup_reader
from toneprobe.errors import ConfigError
from toneprobe.pipeline import Scorer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import fit_hangup_reader  # noqa: E402
from build_endings import parse  # noqa: E402


@pytest.fixture(scope="module")
def real() -> Scorer:
    """The shipped models, as a user scores (the reader reads their outputs)."""
    return Scorer()


# endings the rules alone leave at `none` (each is checked below), with the outcome a careful
# reader gives them, and a near-miss twin that ends normally
MISSED = [
    (
        (
            "K: Mein Router geht schon wieder nicht, das ist jetzt das dritte Mal diese Woche!",
            "A: Haben Sie ihn schon neu gestartet?",
            "K: Natürlich hab ich den neu gestartet, was denken Sie denn!",
            "A: Gut, dann kann ich nichts weiter tun. Wiederhören.",
        ),
        "agent",
    ),
    (
        (
            "K: ich hab jetzt dreimal angerufen und jedes mal erzählt mir wer was anderes",
            "A: da muss ich sie an die fachabteilung verweisen",
            "K: nee lassen se mal gut sein ich hab die faxen dicke",
        ),
        "customer",
    ),
]
SETTLED = [
    (
        "K: Mein Router geht schon wieder nicht.",
        "A: Ich schicke Ihnen morgen einen Techniker, er kommt zwischen acht und zwölf.",
        "K: Gut, danke.",
        "A: Gern, Wiederhören.",
    ),
    (
        "K: ich hab jetzt dreimal angerufen wegen meiner kündigung",
        "A: die kündigung ist bei uns eingegangen ich schick ihnen heute noch die bestätigung",
        "K: ach so na gut dann warte ich auf den brief danke",
    ),
]


@pytest.mark.parametrize(("lines", "expected"), MISSED, ids=["agent", "customer"])
def test_reader_finds_the_hang_up_the_rules_miss_and_says_why(real, monkeypatch, lines, expected):
    call = real.score(dialogue(*lines))
    hang = call["hangup"]
    assert hang["outcome"] == expected, hang["evidence"]
    assert hang["reader"][expected] >= hangup_reader.reader_model().min_prob
    reason = next(e for e in hang["evidence"] if "hang-up reader" in e)
    assert reason.startswith(f"{expected} +") and "; " in reason  # what weighed most
    finding = next(f for f in call["findings"] if f["rule_id"] == f"hangup.model.{expected}.v1")
    assert finding["turn"] == len(lines) - 1 and finding["text"] == lines[-1][3:]
    assert "hang-up reader" in finding["explanation"]
    # the rules alone leave it at none: this is what the reader adds
    monkeypatch.setattr(hangup_reader, "reader_model", lambda: None)
    assert real.score(dialogue(*lines))["hangup"]["outcome"] == "none"


@pytest.mark.parametrize("lines", SETTLED, ids=["agent-twin", "customer-twin"])
def test_reader_leaves_the_settled_twin_alone(real, lines):
    hang = real.score(dialogue(*lines))["hangup"]
    assert hang["outcome"] == "none", hang["evidence"]
    assert not any("hang-up reader" in e for e in hang["evidence"])


def test_reader_never_overrules_a_hang_up_the_rules_found(real, monkeypatch):
    """Sarcastic thanks that echo the agent's words are a break-off by the rules; the reader
    may read the thanks as a normal close, but its `none` adds nothing."""
    lines = ("A: Die Gutschrift dauert etwa sechs Wochen.", "K: Sechs Wochen. Super. Danke auch.")
    model = hangup_reader.reader_model()
    assert model is not None
    sure_none = hangup_reader.Reading(
        {"none": 0.99, "agent": 0.0, "customer": 0.01, "dropped": 0.0}, "none", []
    )
    monkeypatch.setattr(hangup_reader.ReaderModel, "read", lambda self, x: sure_none)
    hang = real.score(dialogue(*lines))["hangup"]
    assert hang["outcome"] == "customer", hang["evidence"]
    assert hang["reader"]["none"] == 0.99


def test_reader_features_name_the_slots_and_the_rules_answer(real):
    ctx = real.analyse(dialogue(*MISSED[1][0]))
    from toneprobe.detectors.hangup import HangUp

    detector = next(d for d in real.detectors if isinstance(d, HangUp))
    x = hangup_reader.reader_features(
        detector._ending(ctx), ctx, {"customer": 0.45, "none": 3.0}, "none"
    )
    assert x["last_customer"] == 1.0 and x["last_agent"] == 0.0
    assert x["rules_say_none"] == 1.0 and x["rules_none"] == 1.0  # capped at RULE_CAP
    assert x["rules_customer"] == pytest.approx(0.45 / hangup_reader.RULE_CAP)
    assert x["w:final:faxen dicke"] == 1.0 and x["w:cust:faxen"] == 1.0
    assert x["w:agent:fachabteilung"] == 1.0
    assert x["cust_anger_frustration"] > 0.5  # the customer-state model's reading


def test_reader_explanation_words_are_words():
    assert hangup_reader.describe("w:cust:faxen dicke", 1.0) == (
        "'faxen dicke' in the customer's last turn"
    )
    assert hangup_reader.describe("cust_run", 2 / 3) == "customer turns after the agent's last: 2"
    assert (
        hangup_reader.describe("rules_customer", 0.3) == "the rules' evidence for 'customer': 0.60"
    )
    assert hangup_reader.describe("last_agent", 1.0) == "the agent spoke last: yes"
    assert hangup_reader.describe("rules_goes_on", 1.0).endswith(": yes")  # a flag, not a score
    assert hangup_reader.describe("peak_upset", 1.0) == "peak upset in the call: 1.00"
    assert set(hangup_reader.FLAGS) <= set(hangup_reader.FEATURES)


def _raw() -> dict:
    raw = json.loads((ROOT / "src/toneprobe/data/hangup_reader.json").read_text("utf-8"))
    assert isinstance(raw, dict)
    return raw


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.pop("weight"), "malformed"),
        (lambda r: r["coef"].update({"loudness": [0, 0, 0, 0]}), "unknown features"),
        (lambda r: r["mean"].pop("last_agent"), "every coefficient needs a mean"),
        (lambda r: r.update({"min_prob": 1.5}), "min_prob"),
        (lambda r: r["coef"].update({"last_agent": [1.0]}), "malformed"),
    ],
)
def test_reader_file_errors_name_the_file(change, message):
    raw = _raw()
    change(raw)
    with pytest.raises(ConfigError, match=message) as err:
        hangup_reader.parse_model(raw, "toneprobe/data/hangup_reader.json")
    assert "hangup_reader.json" in str(err.value)


def test_reader_with_weight_zero_is_off_and_probabilities_sum_to_one():
    raw = _raw()
    model = hangup_reader.parse_model(raw, "x")
    p = model.probabilities({"last_customer": 1.0, "w:final:tschüss": 1.0})
    assert set(p) == set(hangup_reader.CLASSES) and sum(p.values()) == pytest.approx(1.0)
    raw["weight"] = 0.0
    assert hangup_reader.parse_model(raw, "x").weight == 0.0


def test_shipped_reader_was_fitted_on_every_ending_and_labelled_call_in_the_repository():
    raw = _raw()
    endings = ROOT / "data" / "endings"
    files = sorted([*endings.glob("source/*.txt"), *endings.glob("written/*.txt")])
    n_endings = sum(len(parse(p.read_text("utf-8"), str(p))) for p in files)
    groups = {f"{p.parent.name}/{p.stem}" for p in files}
    n_calls = 0
    for name, _, labels in fit_hangup_reader.DEFAULT_SETS:
        groups.add(name)
        with open(labels, encoding="utf-8", newline="") as handle:
            n_calls += sum(1 for row in csv.DictReader(handle) if row.get("hangup"))
    for name, (_, labels) in fit_hangup_reader.TUNING.items():
        groups.add(name)
        with open(ROOT / labels, encoding="utf-8", newline="") as handle:
            n_calls += sum(1 for row in csv.DictReader(handle) if row.get("hangup"))
    assert raw["examples"] == n_endings + n_calls
    assert set(raw["sets"]) == groups
    for figures in raw["cross_validated_macro_f1"].values():
        assert set(figures) == {"rules", "both"}


def test_fit_script_joins_only_hang_up_readings():
    import numpy as np

    row = {"scores": {"none": 0.0, "agent": 0.0, "customer": 0.6, "dropped": 0.0}}
    sure_none = np.array([0.97, 0.01, 0.01, 0.01])
    assert fit_hangup_reader.joined(row, sure_none, 2.0, 0.4) == "customer"
    quiet = {"scores": {"none": 0.0, "agent": 0.0, "customer": 0.0, "dropped": 0.0}}
    dropped = np.array([0.1, 0.05, 0.05, 0.8])
    assert fit_hangup_reader.joined(quiet, dropped, 1.0, 0.5) == "dropped"
    assert fit_hangup_reader.joined(quiet, dropped, 1.0, 0.9) == "none"


def test_explain_names_the_reader_finding(tmp_path):
    lines = MISSED[1][0]
    call = {
        "call_id": "faxen",
        "agent": "Jana Krüger",
        "turns": [
            {"role": "customer" if ln[0] == "K" else "agent", "text": ln[3:]} for ln in lines
        ],
    }
    path = tmp_path / "faxen.json"
    path.write_text(json.dumps(call, ensure_ascii=False), encoding="utf-8")
    result = run_toneprobe("explain", str(path))
    assert result.returncode == 0, result.stderr
    assert "hangup.model.customer.v1" in result.stdout
    assert "faxen dicke" in result.stdout

"""The learned context reader (detectors/context_reader.py, data/context_reader.json): the
put-downs it finds that the rules and the move model leave mild, their respectful twins, how
it explains itself, how its file is read and fitted, and the labelled exchanges it learns from."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.detectors.conftest import dialogue
from toneprobe.detectors import call_reader, context_reader
from toneprobe.detectors.linear_reader import packaged_json
from toneprobe.errors import ConfigError
from toneprobe.pipeline import Scorer
from toneprobe.readers import iter_input_files, read_path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import fit_context_reader  # noqa: E402
import reader_fit  # noqa: E402


@pytest.fixture(scope="module")
def real() -> Scorer:
    return Scorer()


# put-downs in polite or casual words, each next to a respectful twin with the same customer
PAIRS = [
    (
        (
            "K: Ich habe die Rechnung zweimal bekommen und zweimal bezahlt.",
            "A: Tja, das hätte Ihnen beim Überweisen eigentlich auffallen können, aber gut, ich "
            "schau mal.",
            "K: Das ist ja wohl eine Unverschämtheit.",
        ),
        (
            "K: Ich habe die Rechnung zweimal bekommen und zweimal bezahlt.",
            "A: Oh, das ist ärgerlich. Ich schaue sofort nach und veranlasse die Rückzahlung.",
            "K: Danke, das ist nett.",
        ),
    ),
    (
        (
            "K: Mein Zähler zeigt einen ganz komischen Stand.",
            "A: Haben Sie schon mal versucht, die Zahlen von links nach rechts abzulesen?",
            "K: Ja, natürlich, ich bin doch nicht blöd.",
        ),
        (
            "K: Mein Zähler zeigt einen ganz komischen Stand.",
            "A: Lesen Sie mir den Stand bitte einmal von links nach rechts vor, dann vergleiche "
            "ich ihn mit unserem.",
            "K: Ja, gern, also vier, sieben, zwei.",
        ),
    ),
    (
        (
            "K: wie lang dauert das denn noch mit meinem antrag",
            "A: wie ich ihnen schon beim letzten mal erklärt hab das dauert halt so lang wie es "
            "dauert",
            "K: aha",
        ),
        (
            "K: wie lang dauert das denn noch mit meinem antrag",
            "A: das dauert leider noch etwa zwei wochen ich schreib ihnen eine mail sobald er "
            "durch ist",
            "K: okay danke",
        ),
    ),
]


@pytest.mark.parametrize("rude", [p[0] for p in PAIRS], ids=["blame", "mocking", "weary"])
def test_context_reader_makes_a_mild_put_down_a_disrespectful_call(real, monkeypatch, rude):
    # the call reader, which weighs the whole call, is off: the context finding decides alone
    monkeypatch.setattr(call_reader, "reader_model", lambda: None)
    call = real.score(dialogue(*rude))
    assert call["respect"]["disrespect"] is True
    found = [f for f in call["findings"] if f["rule_id"] == context_reader.RULE_ID]
    assert [f["turn"] for f in found] == [1]
    assert found[0]["text"] == rude[1][3:] and found[0]["weight"] == 0.5
    assert "rude p " in found[0]["explanation"] and "agent-move model" in found[0]["explanation"]
    # without the reader the move model's mild reading alone does not make the call rude
    monkeypatch.setattr(context_reader, "reader_model", lambda: None)
    assert real.score(dialogue(*rude))["respect"]["disrespect"] is False


@pytest.mark.parametrize("ok", [p[1] for p in PAIRS], ids=["blame", "mocking", "weary"])
def test_context_reader_leaves_the_respectful_twin_alone(real, ok):
    call = real.score(dialogue(*ok))
    assert call["respect"]["disrespect"] is False
    assert not any(f["rule_id"] == context_reader.RULE_ID for f in call["findings"])


def test_context_reader_adds_nothing_where_a_rule_already_found_the_put_down(real):
    call = real.score(
        dialogue(
            "K: Ich warte seit einer Stunde auf den Techniker!",
            "A: Das ist nicht mein Problem, dafür bin ich nicht zuständig.",
        )
    )
    assert call["respect"]["disrespect"] is True
    assert any(f["rule_id"] == "respect.dismissal.v1" for f in call["findings"])
    assert not any(f["rule_id"] == context_reader.RULE_ID for f in call["findings"])


def test_context_reader_features_read_the_reply_and_the_quoted_words_blanked(real):
    ctx = real.analyse(dialogue(*PAIRS[1][0]))
    x = context_reader.turn_features(ctx, 1, list(ctx.results["respect"].findings))
    assert x["w:agent:links nach"] == 1.0 and x["w:reply:blöd"] == 1.0
    assert x["no_reply"] == 0.0 and 0.0 <= x["anger_rise"] <= 1.0
    assert x["move_condescension_sarcasm"] > 0.5
    assert context_reader.describe("w:reply:blöd", 1.0) == "'blöd' in the customer's reply"
    assert context_reader.describe("no_reply", 1.0) == "no customer reply follows: yes"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.pop("min_prob"), "malformed"),
        (lambda r: r["coef"].update({"shouting": [0, 1]}), "unknown features"),
        (lambda r: r["mean"].pop("offense"), "every coefficient needs a mean"),
        (lambda r: r.update({"weight": -1}), "weight must be"),
    ],
)
def test_context_reader_file_errors_name_the_file(change, message):
    raw, where = packaged_json(context_reader.MODEL_FILE)
    assert raw is not None
    change(raw)
    with pytest.raises(ConfigError, match=message) as err:
        context_reader.parse_model(raw, where)
    assert "context_reader.json" in str(err.value)


def test_exported_binary_reader_gives_what_scikit_learn_gives():
    """The JSON form (a binary model as weights for the second class) reproduces the fitted
    regression's probabilities through the code that reads the shipped file."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(60):
        rude = i % 3 == 0
        x = {"offense": float(rng.random() * (2 if rude else 1)), "words": float(rng.random())}
        x["w:agent:halt" if rude else "w:agent:gern"] = 1.0
        rows.append({"group": "g", "label": "rude" if rude else "ok", "x": x})
    dense = list(context_reader.FEATURES)
    names, clf = reader_fit.fit(rows, context_reader.CLASSES, dense, 1.0, True)
    raw = {"weight": 0.5, "min_prob": 0.8, **reader_fit.exported(rows, names, clf, ("ok", "rude"))}
    model = context_reader.parse_model(raw, "test")
    want = clf.predict_proba(reader_fit.matrix(rows, names))[:, 1]
    got = [model.probabilities(r["x"])["rude"] for r in rows]
    assert np.allclose(got, want, atol=1e-3)


def _blocks() -> list[tuple[Path, list]]:
    return [
        (p, fit_context_reader.parse(p.read_text("utf-8"), str(p)))
        for p in fit_context_reader.exchange_files()
    ]


def test_exchanges_have_one_judged_turn_unique_ids_and_both_labels():
    blocks = _blocks()
    assert len(blocks) >= 4
    ids = [b[0] for _, bs in blocks for b in bs]
    assert len(ids) == len(set(ids)) >= 600
    for path, bs in blocks:
        labels = [b[1] for b in bs]
        assert 0.35 <= labels.count("rude") / len(labels) <= 0.65, path
        for cid, _, turns, judged in bs:
            assert 2 <= len(turns) <= 6 and turns[judged][0] == "agent", cid


def test_exchange_parser_names_the_file_and_line(tmp_path):
    bad = "## x-1 rude\nK: Hallo\nB: wer bin ich\n"
    with pytest.raises(SystemExit, match="x.txt:3"):
        fit_context_reader.parse(bad, "x.txt")
    with pytest.raises(SystemExit, match="no judged turn"):
        fit_context_reader.parse("## x-1 ok\nK: Hallo\nA: Guten Tag\n", "x.txt")


def test_shipped_reader_was_fitted_on_the_exchanges_and_respectful_calls_in_the_repository():
    raw, _ = packaged_json(context_reader.MODEL_FILE)
    assert raw is not None
    n = sum(len(bs) for _, bs in _blocks())
    sets = [(name, calls, labels) for name, calls, labels in fit_context_reader.DEFAULT_SETS]
    sets += [
        (name, str(ROOT / c), str(ROOT / lab))
        for name, (c, lab) in fit_context_reader.TUNING.items()
    ]
    for _, calls, labels in sets:
        with open(labels, encoding="utf-8", newline="") as handle:
            respectful = {r["call_id"] for r in csv.DictReader(handle) if r["disrespect"] == "0"}
        for file in iter_input_files([calls]):
            for t in read_path(file).transcripts:
                if t.call_id in respectful:
                    n += sum(1 for turn in t.turns if turn.role == "agent" and turn.text.strip())
    assert raw["examples"] == n
    assert raw["weight"] > 0 and 0.0 < raw["min_prob"] <= 1.0

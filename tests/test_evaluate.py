"""evaluate: labels in three formats, metrics against scikit-learn/scipy, thresholds, JUnit."""

from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from callfactory import make_call, make_transcript

from toneprobe.errors import InputError
from toneprobe.evaluate import (
    DEESCALATION_CLASSES,
    HANGUP_CLASSES,
    Label,
    classification_metrics,
    evaluate,
    junit_xml,
    load_labels,
    parse_labels,
    rank_average,
    spearman,
)

CSV = """call_id,agent,deescalation,hangup,disrespect,empathy
c1,Jana Krüger,achieved,none,0,5
c2,Jana Krüger,failed,agent,1,1
c3,Lukas Brandt,not_needed,none,false,4
"""


def test_evaluate_labels_csv_json_yaml_agree(tmp_path: Path) -> None:
    from_csv = parse_labels(CSV, "csv")
    records = [
        {"call_id": lab.call_id, "agent": lab.agent, "deescalation": lab.deescalation,
         "hangup": lab.hangup, "disrespect": lab.disrespect, "empathy": lab.empathy}
        for lab in from_csv.values()
    ]  # fmt: skip
    (tmp_path / "l.json").write_text(json.dumps(records), encoding="utf-8")
    keyed = {r.pop("call_id"): r for r in json.loads(json.dumps(records))}
    (tmp_path / "k.json").write_text(json.dumps(keyed), encoding="utf-8")
    import yaml

    (tmp_path / "l.yaml").write_text(yaml.safe_dump({"labels": records}), encoding="utf-8")
    (tmp_path / "l.csv").write_text(CSV, encoding="utf-8")
    for name in ("l.csv", "l.json", "k.json", "l.yaml"):
        assert load_labels(tmp_path / name) == from_csv, name
    assert from_csv["c2"] == Label("c2", "Jana Krüger", "failed", "agent", True, 1)


@pytest.mark.parametrize(
    "row,message",
    [
        ("c9,A,calm,none,0,3", "deescalation 'calm'"),
        ("c9,A,achieved,hung,0,3", "hangup 'hung'"),
        ("c9,A,achieved,none,vielleicht,3", "disrespect"),
        ("c9,A,achieved,none,0,7", "empathy '7'"),
        (",A,achieved,none,0,3", "without call_id"),
    ],
)
def test_evaluate_labels_bad_values_name_the_line(row: str, message: str) -> None:
    text = CSV + row + "\n"
    with pytest.raises(InputError, match=message) as err:
        parse_labels(text, "csv", "labels.csv")
    assert err.value.line == 5


def test_evaluate_labels_duplicate_and_unknown_column() -> None:
    with pytest.raises(InputError, match="labelled twice"):
        parse_labels(CSV + "c1,X,achieved,none,0,3\n", "csv")
    with pytest.raises(InputError, match="unknown label column"):
        parse_labels("call_id,mood\nc1,gut\n", "csv")


def test_evaluate_labels_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_labels(tmp_path / "none.csv")
    with pytest.raises(InputError, match=r"\.csv, \.json"):
        load_labels(tmp_path / "labels.txt")


@pytest.mark.parametrize(
    "values,expected",
    [([3, 1, 2], [3.0, 1.0, 2.0]), ([5, 5, 1, 7], [2.5, 2.5, 1.0, 4.0]), ([2, 2, 2], [2.0] * 3)],
)
def test_evaluate_rank_average(values: list[float], expected: list[float]) -> None:
    assert rank_average(values) == expected


def test_evaluate_spearman_matches_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    rng = random.Random(3)
    for _ in range(20):
        xs = [rng.choice(range(1, 6)) for _ in range(30)]
        ys = [x * 10 + rng.uniform(-25, 25) for x in xs]
        ours = spearman(ys, xs)
        assert ours == pytest.approx(stats.spearmanr(ys, xs).statistic, abs=1e-9)
    assert spearman([1, 1, 1], [1, 2, 3]) is None
    assert spearman([1], [2]) is None


@pytest.mark.parametrize("classes", [DEESCALATION_CLASSES, HANGUP_CLASSES])
def test_evaluate_macro_metrics_match_sklearn(classes: tuple[str, ...]) -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = random.Random(len(classes))
    for _ in range(20):
        gold = [rng.choice(classes) for _ in range(25)]
        pred = [g if rng.random() < 0.6 else rng.choice(classes) for g in gold]
        ours = classification_metrics("d", gold, pred, classes)
        kw = {"average": "macro", "zero_division": 0}
        assert ours.f1 == pytest.approx(metrics.f1_score(gold, pred, **kw))
        assert ours.precision == pytest.approx(metrics.precision_score(gold, pred, **kw))
        assert ours.recall == pytest.approx(metrics.recall_score(gold, pred, **kw))
        cm = metrics.confusion_matrix(gold, pred, labels=list(classes))
        assert [[ours.confusion[g][p] for p in classes] for g in classes] == cm.tolist()


def test_evaluate_binary_f1_on_positive_class() -> None:
    gold = ["yes", "yes", "no", "no", "no"]
    pred = ["yes", "no", "yes", "no", "no"]
    m = classification_metrics("disrespect", gold, pred, ("yes", "no"), positive="yes")
    assert m.average == "binary"
    assert (m.precision, m.recall, m.f1) == (0.5, 0.5, 0.5)


def _calls() -> list[dict]:
    t = make_transcript
    return [
        make_call(t("c1", "Jana Krüger", "Anna Becker"), score=92.0, deescalation="achieved"),
        make_call(t("c2", "Jana Krüger", "Peter Schulz"), score=20.0, deescalation="achieved",
                  hangup="agent", disrespect=True, findings=[{
                      "detector": "deescalation", "rule_id": "deescalation.calm.v1", "turn": 4,
                      "text": "Danke", "polarity": "positive", "weight": 0.4}]),
        make_call(t("c3", "Lukas Brandt", "Maria Wagner"), score=70.0),
        make_call(t("c4", "Lukas Brandt", "Tobias Neumann"), score=55.0),
    ]  # fmt: skip


def test_evaluate_compares_calls_with_labels() -> None:
    labels = parse_labels(CSV + "c5,Lukas Brandt,not_needed,none,0,3\n", "csv")
    result = evaluate(_calls(), labels, {"deescalation_f1": 0.9, "disrespect_f1": 1.0})
    assert result.n_labelled == 3
    assert result.unknown_ids == ["c4"]
    assert result.missing_calls == ["c5"]
    assert result.detectors["disrespect"].f1 == 1.0
    assert result.detectors["hangup"].f1 == 1.0
    de = result.detectors["deescalation"]
    assert de.confusion["failed"]["achieved"] == 1
    [dis] = result.disagreements
    assert (dis.call_id, dis.detector, dis.predicted, dis.label) == (
        "c2", "deescalation", "achieved", "failed"
    )  # fmt: skip
    assert dis.findings[0]["rule_id"] == "deescalation.calm.v1"
    assert result.empathy_spearman == pytest.approx(1.0)
    assert result.agent_spearman == pytest.approx(1.0)
    assert [c.passed for c in result.checks] == [False, True]
    assert not result.passed


def test_evaluate_empathy_disagreement_and_aliases() -> None:
    labels = {
        "c3": Label("c3", "L. Brandt", empathy=1),
        "c1": Label("c1", "Jana Krüger", empathy=5),
    }
    result = evaluate(_calls(), labels, aliases={"L. Brandt": "Lukas Brandt"})
    assert [(d.call_id, d.detector) for d in result.disagreements] == [("c3", "empathy")]
    assert sorted(a.agent for a in result.agents) == ["Jana Krüger", "Lukas Brandt"]
    assert result.passed  # no thresholds, nothing to fail


def test_evaluate_threshold_on_missing_metric_fails() -> None:
    labels = {"c1": Label("c1", empathy=5)}
    result = evaluate(_calls(), labels, {"agent_spearman": 0.5, "hangup_f1": 0.1})
    assert [(c.name, c.value, c.passed) for c in result.checks] == [
        ("agent_spearman", None, False),
        ("hangup_f1", None, False),
    ]


def test_evaluate_junit_one_testcase_per_threshold() -> None:
    labels = parse_labels(CSV, "csv")
    result = evaluate(_calls(), labels, {"deescalation_f1": 0.9, "hangup_f1": 0.5})
    root = ET.fromstring(junit_xml(result))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "2" and suite.get("failures") == "1"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"deescalation_f1", "hangup_f1"}
    assert cases["deescalation_f1"].find("failure") is not None
    assert cases["hangup_f1"].find("failure") is None

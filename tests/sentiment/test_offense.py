"""The embedded offensive-language classifier shipped in models/offense-de."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from toneprobe.errors import ModelError
from toneprobe.sentiment.offense import OffenseClassifier, load_offense_classifier

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "models" / "offense-de"


@pytest.fixture(scope="module")
def clf() -> OffenseClassifier:
    c = load_offense_classifier()
    c.load()
    return c


def test_offense_loads_lazily(tmp_path: Path) -> None:
    c = load_offense_classifier(tmp_path / "missing")
    assert c._model is None
    with pytest.raises(ModelError):
        c.predict_proba(["Hallo"])


def test_offense_rejects_sentiment_model() -> None:
    with pytest.raises(ModelError, match="labels found"):
        OffenseClassifier(REPO / "models" / "sentiment-de").predict_proba(["Hallo"])


def test_offense_threshold_from_model_json(clf: OffenseClassifier) -> None:
    config = json.loads((SHIPPED / "model.json").read_text(encoding="utf-8"))
    assert clf.threshold == config["threshold"]
    assert 0.0 < clf.threshold < 1.0


@pytest.mark.parametrize(
    "text",
    [
        "Halt doch einfach die Klappe, du Vollidiot.",
        "Was für ein dämlicher Haufen Idioten ihr seid!",
    ],
)
def test_offense_flags_insults(clf: OffenseClassifier, text: str) -> None:
    assert clf.is_offensive([text]) == [True]


@pytest.mark.parametrize(
    "text",
    [
        "Vielen Dank für Ihre Geduld, ich kümmere mich sofort darum.",
        "Können Sie mir bitte Ihre Vertragsnummer nennen?",
    ],
)
def test_offense_leaves_polite_talk(clf: OffenseClassifier, text: str) -> None:
    assert not clf.is_offensive([text])[0]


def test_offense_probabilities_in_order(clf: OffenseClassifier) -> None:
    texts = ["Du bist so ein Idiot.", "", "Guten Morgen, wie kann ich helfen?"]
    probs = clf.predict_proba(texts)
    assert len(probs) == 3
    assert probs[1] == 0.0
    assert probs[0] > probs[2]
    assert all(0.0 <= p <= 1.0 for p in probs)


def test_offense_files_load_without_pickle() -> None:
    with np.load(SHIPPED / "weights.npz", allow_pickle=False) as z:
        assert {"coef", "intercept"} <= set(z.files)

"""FakeBackend: the keyword backend that tests of everything above the model rely on."""

from __future__ import annotations

import math
import sys

import pytest

from toneprobe.sentiment import LABELS, load_backend
from toneprobe.sentiment.fake import FakeBackend, count_cues


@pytest.mark.parametrize(
    "text",
    [
        "Vielen Dank, Sie haben mir sehr geholfen.",
        "Das war super, danke schön!",
        "Ihre Kollegin war wirklich freundlich.",
        "Perfekt, dann machen wir das so.",
        "Gerne, das erledige ich sofort für Sie.",
    ],
)
def test_fake_positive(text):
    assert load_backend("fake").predict([text])[0].label == "positive"


@pytest.mark.parametrize(
    "text",
    [
        "Das ist eine Frechheit.",
        "Ich will meinen Vertrag kündigen!",
        "Ich bin mit der Abrechnung nicht zufrieden.",
        "Das ist doch unverschämt, so eine Rechnung.",
        "Der Kollege war ausgesprochen unfreundlich.",
        "Das ist ja ganz toller Service.",
        "Na super, schon wieder keine Lieferung.",
        "Ich warte seit drei Wochen!!",
        "Der Ärger mit Ihrer Hotline reicht mir.",
        "Die Beratung hat mir nicht geholfen.",
    ],
)
def test_fake_negative(text):
    assert load_backend("fake").predict([text])[0].label == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "Der Zählerstand wird am Montag abgelesen.",
        "Können Sie mir Ihre Kundennummer nennen?",
        "Einen Moment bitte, ich schaue nach.",
        "äh ja also die rechnung vom märz",
    ],
)
def test_fake_neutral(text):
    pred = load_backend("fake").predict([text])[0]
    assert pred.label == "neutral"
    assert not pred.empty


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Danke, super freundlich!", (3, 0)),
        ("Das ist ja ganz toller Service.", (0, 1)),
        ("Ich bin nicht zufrieden.", (0, 1)),
        ("Ein Skandal!! Ich kündige.", (0, 3)),
        ("Guten Tag.", (0, 0)),
    ],
)
def test_fake_count_cues(text, expected):
    assert count_cues(text) == expected


@pytest.mark.parametrize(
    "texts",
    [["Danke!", "", "Das ist eine Frechheit.", "  ", "Guten Tag."]],
)
def test_fake_predict_order_scores_and_empty_rows(texts):
    backend = load_backend("fake")
    preds = backend.predict(texts)
    assert [p.label for p in preds] == ["positive", "neutral", "negative", "neutral", "neutral"]
    assert [p.empty for p in preds] == [False, True, False, True, False]
    for p in preds:
        assert set(p.scores) == set(LABELS)
        assert math.isclose(sum(p.scores.values()), 1.0, abs_tol=1e-9)
        assert p.scores[p.label] == max(p.scores.values())
    assert backend.predict(texts) == preds  # deterministic


def test_fake_registry_name_and_type():
    backend = load_backend("fake")
    assert isinstance(backend, FakeBackend)
    assert backend.name == "fake"


def test_fake_imports_no_model_libraries():
    # the fake backend must stay usable where torch/numpy are slow or missing
    import subprocess

    code = (
        "import sys; from toneprobe.sentiment import load_backend; "
        "load_backend('fake').predict(['Danke!']); "
        "print(sorted(m for m in ('torch', 'transformers', 'numpy', 'spacy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"

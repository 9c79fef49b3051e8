"""The agent-move classifier (models/agent-moves-de): loading, the format, explanations."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from toneprobe.errors import ModelError
from toneprobe.sentiment.moves import AgentMoveClassifier, load_move_classifier
from toneprobe.sentiment.train_moves import MOVE_LABELS, MoveHyper, MoveRows, fit_moves, save_moves

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "models" / "agent-moves-de"


@pytest.fixture(scope="module")
def clf() -> AgentMoveClassifier:
    c = load_move_classifier()
    c.load()
    return c


def test_moves_shipped_model_files_and_thresholds(clf: AgentMoveClassifier) -> None:
    config = json.loads((SHIPPED / "model.json").read_text(encoding="utf-8"))
    assert config["format"] == "toneprobe-linear"
    assert config["activation"] == "sigmoid"
    assert clf.labels == MOVE_LABELS
    assert set(clf.thresholds) == set(MOVE_LABELS)
    assert all(0.0 < t < 1.0 for t in clf.thresholds.values())
    for name in ("metrics.json", "MODEL_CARD.md", "vocab.json", "weights.npz"):
        assert (SHIPPED / name).is_file(), name


def test_moves_load_lazily_and_fail_with_model_error(tmp_path: Path) -> None:
    c = AgentMoveClassifier(tmp_path / "missing")
    assert c._model is None
    with pytest.raises(ModelError, match="not found"):
        c.predict_proba(["Guten Tag"])


def test_moves_reject_the_sentiment_model() -> None:
    with pytest.raises(ModelError, match="not an agent-move model"):
        AgentMoveClassifier(REPO / "models" / "sentiment-de").load()


def test_moves_probabilities_per_sentence(clf: AgentMoveClassifier) -> None:
    texts = [
        "Das tut mir aufrichtig leid, dass Sie so lange auf die Gutschrift warten mussten.",
        "Mit so einem Dickschädel wie Ihnen kann man ja nicht reden.",
        "",
    ]
    probs = clf.predict_proba(texts)
    assert probs.shape == (3, len(MOVE_LABELS))
    assert probs[0].argmax() == MOVE_LABELS.index("apology_ownership")
    assert probs[1].argmax() == MOVE_LABELS.index("insult")
    assert not probs[2].any()  # a blank sentence makes no move


def test_moves_asr_form_reads_like_written_form(clf: AgentMoveClassifier) -> None:
    written = "Entschuldigen Sie bitte vielmals, das war ganz klar unser Fehler."
    asr = "entschuldigen sie bitte vielmals das war ganz klar unser fehler"
    j = MOVE_LABELS.index("apology_ownership")
    assert clf.predict_proba([written])[0, j] >= clf.thresholds["apology_ownership"]
    assert clf.predict_proba([asr])[0, j] >= clf.thresholds["apology_ownership"]


def test_moves_contributions_add_up_to_the_logit(clf: AgentMoveClassifier) -> None:
    """The words' shares are an exact split of the linear logit (minus the intercept)."""
    text = "Wer die Mahnung drei Wochen liegen lässt, ist selbst schuld an den Gebühren."
    for move in ("blame", "apology_ownership"):
        j = MOVE_LABELS.index(move)
        logit = clf.model.final_logits([text])[0, j]
        total = sum(s for _, s in clf.contributions(text, move))
        assert total + clf.model.intercept[j] == pytest.approx(logit, abs=1e-3)


def test_moves_top_words_name_the_words_of_the_move(clf: AgentMoveClassifier) -> None:
    words = clf.top_words(
        "Dafür entschuldige ich mich ausdrücklich bei Ihnen.", "apology_ownership"
    )
    assert 3 <= len(words) <= 5
    assert "entschuldige" in words
    assert all(any(c.isalpha() for c in w) for w in words)


# A tiny model built here: one or two sentences per move, no word vectors.
TINY = [
    ("acknowledge_feeling", "Ich verstehe Ihren Ärger sehr gut."),
    ("apology_ownership", "Das tut mir leid, das war unser Fehler."),
    ("reassurance", "Keine Sorge, Ihnen entstehen keine Kosten."),
    ("commitment_next_step", "Ich rufe Sie morgen früh zurück."),
    ("explanation", "Das liegt daran, dass der Zähler geschätzt wurde."),
    ("alternative_offered", "Alternativ schicke ich Ihnen ein Leihgerät."),
    ("thanks_courtesy", "Vielen Dank und einen schönen Abend."),
    ("blame", "Da haben Sie selbst falsch gebucht."),
    ("dismissal", "Das ist doch nicht so schlimm."),
    ("condescension_sarcasm", "Ganz langsam, damit Sie mitkommen."),
    ("command", "Hören Sie mir jetzt endlich zu!"),
    ("insult", "Sie sind wirklich zu blöd dafür."),
    ("refusing_help", "Da kann ich gar nichts für Sie tun."),
    ("none", "Wie lautet Ihre Postleitzahl?"),
    ("none", "Einen Moment, ich schaue nach."),
]


def test_moves_tiny_model_round_trip(tmp_path: Path) -> None:
    texts = [t for _, t in TINY] * 2
    y = np.array([[int(lab == m) for m in MOVE_LABELS] for lab, _ in TINY] * 2)
    model = fit_moves(MoveRows(texts, y, ["test"] * len(texts)), MoveHyper(min_df=1), None)
    save_moves(model, tmp_path / "tiny", [0.5] * len(MOVE_LABELS), {"seed": 1})
    tiny = AgentMoveClassifier(tmp_path / "tiny")
    probs = tiny.predict_proba(["Sie sind wirklich zu blöd dafür.", "Ich rufe Sie morgen zurück."])
    assert probs[0].argmax() == MOVE_LABELS.index("insult")
    assert probs[1].argmax() == MOVE_LABELS.index("commitment_next_step")
    assert "blöd" in tiny.top_words("Sie sind wirklich zu blöd dafür.", "insult")
    assert tiny.thresholds == dict.fromkeys(MOVE_LABELS, 0.5)


@pytest.mark.parametrize(
    "text",
    [
        "Den Schaden haben Sie sich mit Ihrem eigenen Umbau selbst eingebrockt.",
        "Hätten Sie die Rechnung rechtzeitig geöffnet, gäbe es jetzt keine Mahngebühr.",
    ],
)
def test_moves_blame_is_read(clf: AgentMoveClassifier, text: str) -> None:
    """``blame`` gives no finding (data/moves.yaml keeps it off) but the model reads it."""
    probs = dict(zip(clf.labels, clf.predict_proba([text])[0], strict=True))
    assert probs["blame"] >= clf.thresholds["blame"]
    assert max(probs, key=probs.__getitem__) == "blame"

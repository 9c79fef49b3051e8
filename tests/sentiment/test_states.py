"""The customer-state classifier shipped in models/customer-states-de, and its training."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from toneprobe.errors import InputError, ModelError
from toneprobe.nlp import get_nlp
from toneprobe.sentiment.states import (
    STATES,
    CustomerStateClassifier,
    load_state_classifier,
    turn_sentences,
    turn_state,
)
from toneprobe.sentiment.train import asr_form
from toneprobe.sentiment.train_states import StateHyper, read_states, train_states

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "models" / "customer-states-de"


@pytest.fixture(scope="module")
def clf() -> CustomerStateClassifier:
    c = load_state_classifier()
    c.load()
    return c


def test_states_model_loads_lazily(tmp_path: Path) -> None:
    c = load_state_classifier(tmp_path / "missing")
    assert c._model is None
    with pytest.raises(ModelError, match="not found"):
        c.predict_proba(["Hallo"])


def test_states_rejects_sentiment_model() -> None:
    with pytest.raises(ModelError, match="not a customer-state model"):
        CustomerStateClassifier(REPO / "models" / "sentiment-de").predict_proba(["Hallo"])


def test_states_shipped_files_and_card() -> None:
    config = json.loads((SHIPPED / "model.json").read_text(encoding="utf-8"))
    assert config["format"] == "toneprobe-linear"
    assert config["task"] == "customer_states"
    assert sorted(config["labels"]) == sorted(STATES)
    metrics = json.loads((SHIPPED / "metrics.json").read_text(encoding="utf-8"))
    dev = metrics["dev"]["customer_states_dev"]
    card = (SHIPPED / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert f"{dev['macro_f1']:.3f}" in card
    assert set(dev["per_state"]) == set(STATES)


def test_states_probabilities_and_blank_text(clf: CustomerStateClassifier) -> None:
    probs = clf.predict_proba(["Mein Paket ist nicht angekommen.", "", "   "])
    assert probs.shape == (3, len(STATES))
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert probs[1, STATES.index("none")] == 1.0 and probs[2, STATES.index("none")] == 1.0


# Sentences written for this test (not in data/customer_states), one state each.
CASES = [
    ("Bei mir kommt seit Dienstag kein warmes Wasser mehr aus der Leitung.", "problem_report"),
    ("Die Waschmaschine, die Sie geliefert haben, hat eine Delle an der Seite.", "problem_report"),
    ("Auf meiner Abrechnung steht ein Zähler, der gar nicht meiner ist.", "problem_report"),
    ("Ich bin ehrlich gesagt ziemlich verärgert, dass sich niemand zurückgemeldet hat.", "anger_frustration"),
    ("Jetzt reicht es mir aber wirklich, ich warte seit einem Monat!", "anger_frustration"),
    ("Ich habe große Sorge, dass meine Versicherung dann nicht mehr zahlt.", "worry"),
    ("Was mache ich denn, wenn die Kündigung nicht rechtzeitig ankommt?", "worry"),
    ("Oh, da bin ich aber froh, dass das so schnell geht.", "relief_satisfaction"),
    ("Meine Postleitzahl ist 34117.", "none"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "state"), CASES, ids=[s for _, s in CASES])
def test_states_reads_written_sentences(
    clf: CustomerStateClassifier, text: str, state: str
) -> None:
    probs = clf.predict_proba([text, asr_form(text)])
    assert STATES[int(probs[0].argmax())] == state
    assert STATES[int(probs[1].argmax())] == state  # as speech recognition writes it


def test_states_calm_report_is_not_anger(clf: CustomerStateClassifier) -> None:
    calm, mixed, outcry = clf.predict_proba(
        [
            "Seit heute Morgen geht meine Heizung nicht mehr.",
            "Seit heute Morgen geht meine Heizung nicht mehr, das ist doch nicht zu fassen!",
            "Das ist doch nicht zu fassen!",
        ]
    )
    anger = STATES.index("anger_frustration")
    assert calm[anger] < 0.1
    assert outcry[anger] > 0.5
    # problem and anger in one sentence share the softmax (two-label rows train at half weight):
    # the outcry lifts anger well above the calm report's (0.003 -> 0.13 with the ninth
    # session's model, 0.005 -> 0.19 before), while problem_report stays the top state
    assert mixed[anger] > max(0.1, 10 * calm[anger])


def test_states_turn_aggregate_mixes_peak_and_weighted_mean() -> None:
    anger, none = STATES.index("anger_frustration"), STATES.index("none")
    one_word_angry = np.zeros(5)
    one_word_angry[anger] = 1.0
    long_calm = np.zeros(5)
    long_calm[none] = 1.0
    st = turn_state(np.vstack([one_word_angry, long_calm]), [1, 9])
    # half the peak (1.0) plus half the word-weighted mean (1/10)
    assert st.scores["anger_frustration"] == pytest.approx(0.55)
    assert st.scores["none"] == pytest.approx(0.5 * 0.0 + 0.5 * 0.9)
    assert st.label == "anger_frustration"
    assert turn_state(np.zeros((0, 5))).label == "none"


def test_states_long_unpunctuated_turn_is_read_in_pieces() -> None:
    text = (
        "ja also ich hab da gestern angerufen wegen der rechnung und da hat man mir gesagt "
        "dass das geld zurückkommt aber es ist nichts gekommen und jetzt steht schon wieder "
        "eine mahnung im briefkasten und ich weiß echt nicht mehr weiter"
    )
    pieces = turn_sentences(get_nlp()(text))
    assert len(pieces) == 3
    assert " ".join(pieces) == text
    short = turn_sentences(get_nlp()("Guten Tag. Mein Name ist Ute Brand."))
    assert short == ["Guten Tag.", "Mein Name ist Ute Brand."]


TINY = [
    ("anger_frustration", "Das ist eine bodenlose Frechheit von Ihnen."),
    ("anger_frustration", "Ich bin stinksauer, schon wieder nichts passiert."),
    ("anger_frustration", "Mir reicht es jetzt endgültig mit Ihrer Firma."),
    ("anger_frustration,problem_report", "Schon wieder ist die Lieferung zu spät, unfassbar."),
    ("worry", "Ich habe Angst, dass ich die Wohnung verliere."),
    ("worry", "Was passiert mit mir, wenn ich das nicht bezahlen kann?"),
    ("worry", "Ich mache mir große Sorgen um mein Geld."),
    ("problem_report", "Die Lampe im Flur geht nicht mehr an."),
    ("problem_report", "Mein Paket ist beim Nachbarn gelandet."),
    ("problem_report", "Der Zähler zeigt einen falschen Stand an."),
    ("relief_satisfaction", "Da bin ich aber erleichtert, danke."),
    ("relief_satisfaction", "Super, jetzt funktioniert alles wieder."),
    ("relief_satisfaction", "Prima, das hat mir sehr geholfen."),
    ("none", "Meine Kundennummer lautet 5512."),
    ("none", "Ja, genau, das ist richtig."),
    ("none", "Einen Moment, ich suche den Brief."),
]


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    lines = ["id\tlabels\tvoice\ttext"]
    lines += [f"cs-{i:05d}\t{lab}\tphone_formal\t{text}" for i, (lab, text) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    base = tmp_path_factory.mktemp("tiny_states")
    train = _write(base / "train.tsv", TINY)
    dev = _write(base / "dev.tsv", TINY[::4])
    hp = StateHyper(C=8.0, embedding="", min_df=1)
    metrics = train_states(train, dev, base / "model", grid=[hp], cv_folds=2)
    return base / "model", metrics


def test_states_tiny_model_writes_safe_files(tiny_model: tuple[Path, dict]) -> None:
    out, metrics = tiny_model
    assert sorted(p.name for p in out.iterdir()) == [
        "MODEL_CARD.md", "metrics.json", "model.json", "vocab.json", "weights.npz",
    ]  # fmt: skip
    with np.load(out / "weights.npz", allow_pickle=False) as z:
        assert "coef" in z.files and z["coef"].shape[1] == len(STATES)
    assert metrics["train_rows"] == len(TINY)
    assert "customer_states_dev" in (out / "MODEL_CARD.md").read_text(encoding="utf-8")


def test_states_tiny_model_predicts_its_training_sentences(tiny_model: tuple[Path, dict]) -> None:
    out, _ = tiny_model
    clf = CustomerStateClassifier(out)
    picks = [TINY[0], TINY[4], TINY[7], TINY[10], TINY[13]]
    probs = clf.predict_proba([t for _, t in picks])
    assert [STATES[i] for i in probs.argmax(axis=1)] == [lab for lab, _ in picks]


def test_states_read_rejects_unknown_label(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.tsv", [("none", "Ja."), ("wut", "Grr.")])
    with pytest.raises(InputError, match="unknown label wut") as err:
        read_states(path)
    assert "bad.tsv" in str(err.value) and "3" in str(err.value)

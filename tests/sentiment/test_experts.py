"""Per-source experts and the source gate: what the head reads besides the model's logits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_train import TINY, _write

from toneprobe.errors import ModelError
from toneprobe.sentiment.embedded import head_inputs, load_linear, softmax
from toneprobe.sentiment.head import SURFACE_FEATURES
from toneprobe.sentiment.train import Hyper, fit_linear, train_sentiment

# Two sources that label the same kind of sentence differently: on the phone a bare "okay"
# or "alles klar" is a backchannel (neutral); in the tweets the same words cheer (positive).
CALLS = [
    ("neutral", "okay, einen Moment, ich schaue nach"),
    ("neutral", "alles klar, dann notiere ich das"),
    ("neutral", "okay, Ihre Kundennummer bitte"),
    ("neutral", "alles klar, der Techniker kommt am Montag"),
    ("negative", "Das ist eine Frechheit, ich warte seit Wochen."),
    ("negative", "Ich bin total verärgert über diese Rechnung."),
    ("positive", "Vielen Dank, Sie haben mir sehr geholfen!"),
    ("positive", "Herzlichen Dank für die schnelle Hilfe."),
]
TWEETS = [
    ("positive", "okay das Spiel heute war der Wahnsinn #fussball @kumpel"),
    ("positive", "alles klar, Urlaub gebucht #sommer @jana"),
    ("positive", "okay neues Album läuft in Dauerschleife #musik @band"),
    ("positive", "alles klar, Wochenende! #frei @team"),
    ("negative", "schon wieder Zugausfall #bahn @db_hilfe"),
    ("negative", "was für ein mieser Tag #montag @chef"),
    ("neutral", "Pressekonferenz um 14 Uhr #politik @redaktion"),
    ("neutral", "Die Sitzung wird auf Donnerstag verschoben #rat @stadt"),
]


@pytest.fixture(scope="module")
def expert_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    base = tmp_path_factory.mktemp("experts")
    calls = _write(base / "calls_train.tsv", CALLS * 4, header=True)
    tweets = _write(base / "tweets_train.tsv", TWEETS * 4, header=True)
    out = base / "model"
    hp = Hyper(C=10.0, min_df=1, head_hidden=8, head_seeds=2, experts=True)
    metrics = train_sentiment(
        [calls, tweets], {}, out, seed=13, hyper=hp, embeddings=False, cv_folds=2
    )
    return out, metrics


def test_experts_are_saved_as_columns_and_read_by_the_head(
    expert_model: tuple[Path, dict],
) -> None:
    out, metrics = expert_model
    config = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert config["experts"] == metrics["experts"] == ["calls", "tweets"]
    n_outputs = 3 + 2 * 3 + 2  # own logits, two experts' logits, the gate over two sources
    with np.load(out / "weights.npz", allow_pickle=False) as z:
        assert z["coef"].shape[1] == z["intercept"].shape[0] == n_outputs
        assert z["head_w1"].shape == (n_outputs + len(SURFACE_FEATURES), 16)
        assert z["head_w2"].shape == (16, 3)
    card = (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "one expert per training source (calls, tweets" in card


def test_experts_follow_their_own_source_and_the_gate_knows_it(
    expert_model: tuple[Path, dict],
) -> None:
    """Each expert gives its own source's label to the words both use; the gate tells a
    tweet from a phone turn."""
    model, _ = load_linear(expert_model[0])
    probe = ["okay, dann schaue ich nach", "okay Konzert heute #musik @freunde"]
    z = model.parts(probe)[0]
    calls_expert, tweets_expert, gate = z[:, 3:6], z[:, 6:9], z[:, 9:11]
    labels = model.labels
    assert labels[int(calls_expert[0].argmax())] == "neutral"
    assert labels[int(tweets_expert[1].argmax())] == "positive"
    assert softmax(gate).argmax(axis=1).tolist() == [0, 1]  # calls, tweets
    # the gate enters the head as log-probabilities
    inputs = head_inputs(z, 3, 2, model.temperature)
    np.testing.assert_allclose(np.exp(inputs[:, 9:11]).sum(axis=1), 1.0, rtol=1e-6)


def test_experts_need_several_sources_and_a_head() -> None:
    texts = [t for _, t in TINY]
    y = np.array([("positive", "negative", "neutral").index(lab) for lab, _ in TINY])
    labels = ("positive", "negative", "neutral")
    one_source = fit_linear(
        texts, y, ["a"] * len(y), labels, Hyper(min_df=1, head_hidden=4, experts=True), 13
    )
    assert one_source.experts == () and one_source.coef.shape[1] == 3
    no_head = fit_linear(
        texts, y, ["a", "b"] * (len(y) // 2), labels, Hyper(min_df=1, experts=True), 13
    )
    assert no_head.experts == () and no_head.coef.shape[1] == 3


def test_experts_weights_that_do_not_fit_are_refused(
    tmp_path: Path, expert_model: tuple[Path, dict]
) -> None:
    out, _ = expert_model
    for name in ("model.json", "vocab.json"):
        (tmp_path / name).write_bytes((out / name).read_bytes())
    with np.load(out / "weights.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["coef"] = arrays["coef"][:, :-2]  # the gate's columns are missing
    arrays["intercept"] = arrays["intercept"][:-2]
    np.savez(tmp_path / "weights.npz", **arrays)
    with pytest.raises(ModelError, match=r"weights have 9 columns, expected 11"):
        load_linear(tmp_path)


def test_experts_toneprobe_train_with_two_files(tmp_path: Path) -> None:
    """`toneprobe train a.tsv b.tsv` gives the head an expert per file, as in the shipped
    model, and the model it writes labels sentences from the command line."""
    from cli import run_toneprobe

    calls = _write(tmp_path / "calls.tsv", CALLS * 3, header=True)
    tweets = _write(tmp_path / "tweets.tsv", TWEETS * 3, header=True)
    proc = run_toneprobe("train", str(calls), str(tweets), "--output", str(tmp_path / "m"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    config = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    assert config["experts"] == ["calls", "tweets"]
    sentiment = run_toneprobe(
        "sentiment", "-", "--model", str(tmp_path / "m"), "--format", "jsonl",
        stdin="Vielen Dank, Sie haben mir sehr geholfen!\nIch bin total verärgert.\n",
    )  # fmt: skip
    assert sentiment.returncode == 0, sentiment.stderr[-2000:]
    labels = [json.loads(line)["label"] for line in sentiment.stdout.splitlines()]
    assert labels == ["positive", "negative"]

"""The stacked correction head: surface features, merging seeds, training, saving, loading."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_train import TINY, _write

from toneprobe.errors import ModelError
from toneprobe.sentiment.embedded import EmbeddedBackend, load_linear
from toneprobe.sentiment.features import tokenize
from toneprobe.sentiment.head import SURFACE_FEATURES, Head, fit_head, surface_features
from toneprobe.sentiment.train import Hyper, train_sentiment


def _surface(text: str) -> dict[str, float]:
    row = surface_features([text], [tokenize(text, 2)])[0]
    return dict(zip(SURFACE_FEATURES, row.tolist(), strict=True))


def test_head_surface_features_of_german_turns() -> None:
    angry = _surface("WARUM funktioniert das schon wieder nicht?!")
    assert angry["exclamation"] == angry["question"] == 1.0
    assert angry["capitals"] == pytest.approx(5 / 36)
    calm = _surface("ich rufe wegen meiner rechnung an")
    assert calm["exclamation"] == calm["question"] == calm["capitals"] == 0.0
    assert calm["log_tokens"] == pytest.approx(np.log1p(6))
    assert _surface("Vielen Dank :-)")["smile"] == 1.0
    assert _surface("Vielen Dank :-)")["frown"] == 0.0
    assert _surface("Schon wieder kein Netz :(")["frown"] == 1.0
    tweet = _surface("@telekom seit Tagen offline #stoerung https://example.org/x")
    assert tweet["mention"] == tweet["hashtag"] == tweet["url"] == 1.0
    assert _surface("Die Zählernummer endet auf 1234.")["url"] == 0.0
    empty = _surface("")
    assert all(v == 0.0 for v in empty.values())


def test_head_average_is_the_mean_of_its_heads() -> None:
    rng = np.random.default_rng(3)

    def random_head(hidden: int) -> Head:
        n_in = 3 + 4 + len(SURFACE_FEATURES)
        return Head(
            rng.normal(size=(n_in, hidden)).astype(np.float32),
            rng.normal(size=hidden).astype(np.float32),
            rng.normal(size=(hidden, 3)).astype(np.float32),
            rng.normal(size=3).astype(np.float32),
        )

    heads = [random_head(5), random_head(7)]
    z = rng.normal(size=(6, 3))
    emb = rng.normal(size=(6, 4)).astype(np.float32)
    surf = rng.random((6, len(SURFACE_FEATURES))).astype(np.float32)
    merged = Head.average(heads)
    assert merged.hidden == 12
    expected = np.mean([h.apply(z, emb, surf) for h in heads], axis=0)
    np.testing.assert_allclose(merged.apply(z, emb, surf), expected, rtol=1e-5, atol=1e-5)


def test_head_learns_what_the_linear_logits_miss() -> None:
    """With uninformative logits, the head learns the cue the logits lack (here: "?")."""
    texts = ["Können Sie mir die Nummer nennen?", "Wann kommt der Techniker?"] * 40 + [
        "Das ist doch unverschämt",
        "Ich bin wirklich sauer",
    ] * 40
    y = np.array([2] * 80 + [1] * 80)
    tokens = [tokenize(t, 2) for t in texts]
    z = np.zeros((len(texts), 3))
    head = fit_head(
        z, None, surface_features(texts, tokens), y, np.ones(len(y)), hidden=8, seeds=2, epochs=100
    )
    probe = ["Haben Sie meine Vertragsnummer?", "Das ärgert mich wirklich"]
    out = head.apply(
        np.zeros((2, 3)), None, surface_features(probe, [tokenize(t, 2) for t in probe])
    )
    assert out.argmax(axis=1).tolist() == [2, 1]


@pytest.fixture(scope="module")
def head_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, Path]:
    base = tmp_path_factory.mktemp("head")
    train = _write(base / "train.tsv", TINY * 3, header=True)
    out = base / "model"
    hp = Hyper(C=10.0, min_df=1, head_hidden=4, head_seeds=2)
    metrics = train_sentiment(
        [train], {"same": train}, out, seed=13, hyper=hp, embeddings=False, cv_folds=2
    )
    return out, metrics, train


def test_head_is_saved_loaded_and_described(head_model: tuple[Path, dict, Path]) -> None:
    out, metrics, _ = head_model
    config = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert config["head"] == {"hidden": 8, "surface_features": list(SURFACE_FEATURES)}
    assert config["bias"] is None  # the head takes the place of the class offsets
    with np.load(out / "weights.npz", allow_pickle=False) as z:
        assert z["head_w1"].shape == (3 + len(SURFACE_FEATURES), 8)
    head = metrics["head"]
    assert len(head["per_source"]) == 1 and 0 <= head["cv_macro_f1"] <= 1
    assert metrics["dev"]["same"]["cross_fitted"]
    card = (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert f"scores {head['cv_macro_f1']} against {head['linear_cv_macro_f1']}" in card
    model, _ = load_linear(out)
    assert model.head is not None and model.head.hidden == 8
    texts = [t for _, t in TINY]
    with_head = model.predict_proba(texts)
    model.head = None
    assert not np.allclose(with_head, model.predict_proba(texts))
    preds = EmbeddedBackend(out).predict(texts)
    assert sum(p.label == lab for p, (lab, _) in zip(preds, TINY, strict=True)) >= len(TINY) - 2


def test_head_training_is_reproducible(tmp_path: Path, head_model: tuple[Path, dict, Path]) -> None:
    out, _, train = head_model
    hp = Hyper(C=10.0, min_df=1, head_hidden=4, head_seeds=2)
    train_sentiment([train], {}, tmp_path, seed=13, hyper=hp, embeddings=False, cv_folds=2)
    with np.load(out / "weights.npz") as a, np.load(tmp_path / "weights.npz") as b:
        for key in ("head_w1", "head_b1", "head_w2", "head_b2"):
            assert np.array_equal(a[key], b[key]), key


def test_head_that_does_not_fit_the_model_is_refused(
    tmp_path: Path, head_model: tuple[Path, dict, Path]
) -> None:
    out, _, _ = head_model
    for name in ("model.json", "vocab.json", "MODEL_CARD.md"):
        (tmp_path / name).write_bytes((out / name).read_bytes())
    with np.load(out / "weights.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["head_w1"] = arrays["head_w1"][:-1]  # one input too few
    np.savez(tmp_path / "weights.npz", **arrays)
    with pytest.raises(ModelError, match=r"head takes 11 inputs, the model gives 12"):
        load_linear(tmp_path)


@pytest.mark.parametrize(("flag", "hidden"), [([], 192), (["--no-head"], None)])
def test_head_toneprobe_train_adds_it_unless_told_not_to(
    tmp_path: Path, flag: list[str], hidden: int | None
) -> None:
    from cli import run_toneprobe

    train = _write(tmp_path / "calls.tsv", TINY * 3, header=True)
    proc = run_toneprobe("train", str(train), "--output", str(tmp_path / "m"), *flag)
    assert proc.returncode == 0, proc.stderr[-2000:]
    config = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    assert (config["head"] or {}).get("hidden") == hidden
    sentiment = run_toneprobe(
        "sentiment",
        "-",
        "--model",
        str(tmp_path / "m"),
        "--format",
        "jsonl",
        stdin="Vielen Dank, das war sehr hilfreich!\n",
    )
    assert sentiment.returncode == 0, sentiment.stderr[-2000:]
    assert json.loads(sentiment.stdout)["label"] == "positive"

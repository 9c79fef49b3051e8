"""Training the embedded model: TSV reading, reproducibility, safe files, same features."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from toneprobe.errors import InputError
from toneprobe.sentiment.embedded import EmbeddedBackend, load_linear
from toneprobe.sentiment.features import Featurizer, tokenize
from toneprobe.sentiment.train import Hyper, macro_f1, macro_f1_ci, read_tsv, train_sentiment

TINY = [
    ("positive", "Vielen Dank, das war wirklich sehr hilfreich!"),
    ("positive", "Super, jetzt funktioniert alles wieder, danke schön."),
    ("positive", "Sie waren sehr freundlich, herzlichen Dank."),
    ("positive", "Toll, das freut mich sehr."),
    ("positive", "danke ihnen das ist ja prima"),
    ("positive", "Wunderbar, vielen Dank für die schnelle Hilfe."),
    ("negative", "Das ist eine Frechheit, ich warte seit Wochen."),
    ("negative", "Ich bin total verärgert über diese Rechnung."),
    ("negative", "Schon wieder funktioniert nichts, so ein Mist."),
    ("negative", "das ist doch unverschämt was sie hier machen"),
    ("negative", "Ihr Service ist eine einzige Katastrophe."),
    ("negative", "Ich bin wirklich enttäuscht und wütend."),
    ("neutral", "Meine Kundennummer ist vier vier sieben eins."),
    ("neutral", "Einen Moment bitte, ich schaue im System nach."),
    ("neutral", "Der Vertrag läuft bis zum dreißigsten Juni."),
    ("neutral", "Können Sie mir bitte Ihre Postleitzahl nennen?"),
    ("neutral", "ich rufe wegen meiner adresse an"),
    ("neutral", "Die Zählernummer steht oben auf dem Schreiben."),
]


def _write(path: Path, rows: list[tuple[str, str]], header: bool) -> Path:
    lines = (["label\ttext"] if header else []) + [f"{lab}\t{text}" for lab, text in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, Path]:
    base = tmp_path_factory.mktemp("tiny")
    train = _write(base / "tiny_train.tsv", TINY, header=True)
    dev = _write(base / "tiny_dev.tsv", TINY[::3], header=False)
    out = base / "model"
    metrics = train_sentiment(
        [train],
        {"tiny_dev": dev},
        out,
        seed=13,
        hyper=Hyper(C=10.0, min_df=1),
        embeddings=False,
        cv_folds=2,
    )
    return out, metrics, train


@pytest.mark.parametrize("header", [True, False])
def test_train_read_tsv_header_optional(tmp_path: Path, header: bool) -> None:
    path = _write(tmp_path / "x.tsv", TINY[:4], header=header)
    data = read_tsv(path)
    assert data.texts == [t for _, t in TINY[:4]]
    assert data.labels == ["positive"] * 4


def test_train_read_tsv_relevant_column(tmp_path: Path) -> None:
    path = tmp_path / "ge.tsv"
    path.write_text(
        "label\trelevant\ttext\nnegative\ttrue\tDer Zug kam wieder zu spät.\n"
        "neutral\tfalse\tDie Aktie stieg um zwei Prozent.\n",
        encoding="utf-8",
    )
    data = read_tsv(path)
    assert data.texts == ["Der Zug kam wieder zu spät."]


@pytest.mark.parametrize("bad", ["happy\tIch bin froh.", "positive"])
def test_train_read_tsv_bad_rows_raise(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(f"positive\tAlles gut.\n{bad}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_tsv(path)
    assert err.value.line == 2


def test_train_writes_safe_files_and_card(tiny_model: tuple[Path, dict, Path]) -> None:
    out, metrics, _ = tiny_model
    names = sorted(p.name for p in out.iterdir())
    assert names == ["MODEL_CARD.md", "metrics.json", "model.json", "vocab.json", "weights.npz"]
    with np.load(out / "weights.npz", allow_pickle=False) as z:
        assert all(z[k].dtype != object for k in z.files)
        assert set(z.files) >= {"coef", "intercept", "word_idf", "char_idf"}
    for name in ("model.json", "vocab.json", "metrics.json"):
        json.loads((out / name).read_text(encoding="utf-8"))
    card = (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    dev = metrics["dev"]["tiny_dev"]
    lo, hi = dev["ci95"]
    assert lo <= dev["macro_f1"] <= hi
    assert f"| tiny_dev | 6 | {dev['macro_f1']:.4f} | {lo:.3f}-{hi:.3f} | - |" in card


def test_train_reload_predicts_training_sentences(tiny_model: tuple[Path, dict, Path]) -> None:
    out, _, _ = tiny_model
    preds = EmbeddedBackend(out).predict([t for _, t in TINY])
    gold = [lab for lab, _ in TINY]
    assert sum(p.label == g for p, g in zip(preds, gold, strict=True)) >= len(TINY) - 2


def test_train_crossfits_dev_file_that_is_training_data(tmp_path: Path) -> None:
    train = _write(tmp_path / "cf_train.tsv", TINY, header=True)
    metrics = train_sentiment(
        [train],
        {"same": train},
        tmp_path / "m",
        hyper=Hyper(C=10.0, min_df=1),
        embeddings=False,
        cv_folds=2,
    )
    assert metrics["dev"]["same"]["cross_fitted"]
    assert metrics["dev"]["same"]["rows"] == len(TINY)


def test_train_is_reproducible(tmp_path: Path, tiny_model: tuple[Path, dict, Path]) -> None:
    out, _, train = tiny_model
    again = tmp_path / "again"
    train_sentiment(
        [train], {}, again, seed=13, hyper=Hyper(C=10.0, min_df=1), embeddings=False, cv_folds=2
    )
    with np.load(out / "weights.npz") as a, np.load(again / "weights.npz") as b:
        assert np.array_equal(a["coef"], b["coef"])
    assert (out / "vocab.json").read_bytes() == (again / "vocab.json").read_bytes()


def test_train_inference_features_match_training(tiny_model: tuple[Path, dict, Path]) -> None:
    """The featurizer loaded from disk gives exactly the features that training computed."""
    out, _, _ = tiny_model
    texts = [t for _, t in TINY] + ["ÄH JA, DIE RECHNUNG!!! :-(", "Danke@user http://x.de 12,50"]
    fresh = Featurizer()
    fresh.fit([t for _, t in TINY], min_df_word=1, min_df_char=1)
    model, _ = load_linear(out)
    a = fresh.transform(texts)
    b = model.featurizer.transform(texts)
    for x, y in zip(a[:3], b[:3], strict=True):
        assert np.array_equal(x, y)
    assert a[3] == b[3]


def test_train_tfidf_matches_scikit_learn() -> None:
    """Our word block equals scikit-learn's TfidfVectorizer with the same analyzer."""
    sk = pytest.importorskip("sklearn.feature_extraction.text")
    texts = [t for _, t in TINY]
    feat = Featurizer(word_max_n=1, char_weight=0.0).fit(texts, min_df_word=1, min_df_char=1)
    vec = sk.TfidfVectorizer(analyzer=lambda t: ["w:" + w for w in tokenize(t)], sublinear_tf=True)
    ref = vec.fit_transform(texts).toarray()
    indptr, indices, values, _ = feat.transform(texts)
    ours = np.zeros((len(texts), feat.n_features))
    for r in range(len(texts)):
        sl = slice(indptr[r], indptr[r + 1])
        ours[r, indices[sl]] = values[sl]
    cols = [feat.word_vocab[f] for f in vec.get_feature_names_out()]
    assert np.allclose(ours[:, cols], ref, atol=1e-6)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Das ist SUPER!!!!", ["das", "ist", "super", "!!!"]),
        ("@kunde_1 siehe https://example.org/x", ["userxx", "siehe", "urlxx"]),
        ("Das kostet 12,50 Euro :-)", ["das", "kostet", "0", "euro", ":-)"]),
    ],
)
def test_train_tokenize_normalises(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Na endlich :-)) danke", ["na", "endlich", ":-))", "danke", "emo+"]),
        ("schon wieder kaputt :((((", ["schon", "wieder", "kaputt", ":(((", "emo-"]),
        ("hab dich lieb <3 ^^", ["hab", "dich", "lieb", "<0", "^^", "emo+", "emo+"]),
        ("na toll 😡", ["na", "toll", "😡", "emo-"]),
        ("Termin um 8:30, Raum (3)", ["termin", "um", "0", ",", "raum", "(", "0", ")"]),
        ("Rechnung: 12 Euro", ["rechnung", ":", "0", "euro"]),
    ],
)
def test_train_tokenize_v3_adds_emoticon_classes(text: str, expected: list[str]) -> None:
    """Version 3 adds one class token per smiley/frown; times, lists and colons get none."""
    assert tokenize(text, 3) == expected
    assert [t for t in tokenize(text, 2)] == [t for t in expected if not t.startswith("emo")]


@pytest.mark.parametrize(
    "y_true,y_pred,expected", [([0, 1, 2], [0, 1, 2], 1.0), ([0, 0, 1, 1], [0, 0, 0, 0], 1 / 3)]
)
def test_train_macro_f1(y_true: list[int], y_pred: list[int], expected: float) -> None:
    assert macro_f1(y_true, y_pred, len(set(y_true))) == pytest.approx(expected)


def test_train_embedding_pooling_mean_max_min() -> None:
    from toneprobe.sentiment.features import EmbeddingTable

    table = EmbeddingTable(
        ["gut", "schlecht", "rechnung"],
        np.array([[1.0, 0.0], [0.0, -1.0], [0.6, 0.8]], dtype=np.float32),
        pooling=("mean", "max", "min"),
    )
    assert table.dim == 2 and table.n_out == 6
    out = table.embed_tokens([["gut", "schlecht"], ["unbekannt"], ["rechnung"]])
    assert out.shape == (3, 6)
    s = np.sqrt(0.5)
    np.testing.assert_allclose(out[0], [s, -s, 1.0, 0.0, 0.0, -1.0], atol=1e-6)
    assert not out[1].any()  # no known word: zero vectors, not NaN
    np.testing.assert_allclose(out[2], [0.6, 0.8] * 3, atol=1e-6)
    with pytest.raises(ValueError, match="pooling"):
        EmbeddingTable(["a"], np.ones((1, 2)), pooling=("median",))


def test_train_embedding_pooling_is_saved_with_the_model(tmp_path: Path) -> None:
    """A model trained with mean+max pooling loads with the same pooling and logits."""
    from toneprobe.sentiment.features import EmbeddingTable
    from toneprobe.sentiment.train import fit_linear, save_model

    texts = [t for _, t in TINY]
    labels = ("positive", "negative", "neutral")
    y = np.array([labels.index(lab) for lab, _ in TINY])
    rng = np.random.default_rng(0)

    def embedder(train_texts: list[str]) -> EmbeddingTable:
        words = sorted({w for t in train_texts for w in tokenize(t)})
        return EmbeddingTable(words, rng.normal(size=(len(words), 4)).astype(np.float32))

    hp = Hyper(C=10.0, min_df=1, pooling=("mean", "max"))
    model = fit_linear(texts, y, ["tiny"] * len(texts), labels, hp, 13, embedder)
    assert model.embedding is not None and model.embedding.pooling == ("mean", "max")
    save_model(model, tmp_path, "sentiment", 0.5, {"seed": 13, "hyper": vars(hp)})
    loaded, config = load_linear(tmp_path)
    assert loaded.embedding is not None and loaded.embedding.pooling == ("mean", "max")
    np.testing.assert_allclose(loaded.logits(texts), model.logits(texts), rtol=1e-2, atol=1e-2)


def test_train_macro_f1_ci_brackets_the_figure_and_narrows_with_more_rows() -> None:
    """The bootstrap interval holds the point figure, is reproducible, and a set four times
    as large (same error rate) gives an interval about half as wide."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 400)
    pred = np.where(rng.random(400) < 0.7, y, rng.integers(0, 3, 400))
    lo, hi = macro_f1_ci(y, pred, 3)
    assert lo < macro_f1(y, pred, 3) < hi
    assert macro_f1_ci(y, pred, 3) == (lo, hi)
    lo4, hi4 = macro_f1_ci(np.tile(y, 4), np.tile(pred, 4), 3)
    assert 0.35 < (hi4 - lo4) / (hi - lo) < 0.65
    assert macro_f1_ci([0, 1, 2] * 30, [0, 1, 2] * 30, 3) == (1.0, 1.0)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Sehr gut, danke!", "sehr gut danke"),
        ("Na super... schon WIEDER?!", "na super schon wieder"),
        ("Kunden-Nr. 4471, ok :-)", "kunden nr 4471 ok"),
    ],
)
def test_train_asr_form_drops_case_and_punctuation(text: str, expected: str) -> None:
    from toneprobe.sentiment.train import asr_form

    assert asr_form(text) == expected


def test_train_asr_copies_only_for_named_sources_with_their_weight() -> None:
    from toneprobe.sentiment.train import _with_asr_copies

    texts = ["Sehr gut, danke!", "schon gut", "Das ist ärgerlich.", "Toll!"]
    y = np.array([0, 0, 1, 0])
    src = ["callcenter", "callcenter", "callcenter", "sb10k"]
    w = np.array([1.0, 2.0, 4.0, 8.0])
    hp = Hyper(asr_copies=("callcenter",), asr_weight=0.5)
    t2, y2, s2, w2 = _with_asr_copies(texts, y, src, w, hp)
    # "schon gut" is already in ASR form; sb10k rows get no copy
    assert t2[4:] == ["sehr gut danke", "das ist ärgerlich"]
    assert y2.tolist() == [0, 0, 1, 0, 0, 1]
    assert s2[4:] == ["callcenter", "callcenter"]
    assert w2.tolist() == [1.0, 2.0, 4.0, 8.0, 0.5, 2.0]


def test_train_asr_copies_bring_spoken_and_written_forms_together() -> None:
    """Trained with ASR copies, a sentence and its lower-case, comma-less form get closer
    probabilities than without them (half the distance or less on these sentences)."""
    from toneprobe.sentiment.embedded import softmax
    from toneprobe.sentiment.train import asr_form, fit_linear

    texts = [t for _, t in TINY]
    labels = ("positive", "negative", "neutral")
    y = np.array([labels.index(lab) for lab, _ in TINY])

    def gap(hp: Hyper) -> float:
        model = fit_linear(texts, y, ["tiny"] * len(texts), labels, hp, 13)
        written = softmax(model.logits(texts))
        spoken = softmax(model.logits([asr_form(t) for t in texts]))
        return float(np.abs(written - spoken).sum(axis=1).mean())

    without = gap(Hyper(C=10.0, min_df=1))
    with_copies = gap(Hyper(C=10.0, min_df=1, asr_copies=("tiny",)))
    assert with_copies <= 0.6 * without


def test_train_coef_in_half_precision_reads_mapped_and_predicts_the_same(
    tmp_path: Path, tiny_model: tuple[Path, dict, Path]
) -> None:
    """scripts/coef_float16.py (run by `make model`) stores the coefficients as float16; the
    loader keeps them so (no float32 copy per process) and the labels do not change."""
    import importlib.util
    import shutil

    out, _, _ = tiny_model
    half = tmp_path / "half"
    shutil.copytree(out, half)
    spec = importlib.util.spec_from_file_location(
        "coef_float16", Path(__file__).resolve().parents[2] / "scripts" / "coef_float16.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    before, after = script.to_float16(half)
    assert after * 2 == before
    model, _ = load_linear(half)
    assert model.coef.dtype == np.float16
    texts = [t for _, t in TINY]
    full = EmbeddedBackend(out).predict_proba(texts)
    halved = EmbeddedBackend(half).predict_proba(texts)
    assert halved.dtype == full.dtype
    assert np.abs(halved - full).max() < 1e-3
    assert (halved.argmax(axis=1) == full.argmax(axis=1)).all()
    assert script.to_float16(half) == (after, after)  # a second run changes nothing

"""HFDirectoryBackend on tiny random-weight BERT models that the fixtures build and save."""

from __future__ import annotations

import math

import pytest

from toneprobe.errors import ConfigError, ModelError
from toneprobe.sentiment import LABELS, load_backend
from toneprobe.sentiment.hf import HFDirectoryBackend, map_labels, parse_label_map

NAMED = ("positive", "negative", "neutral")
GENERIC = ("LABEL_0", "LABEL_1", "LABEL_2")

SENTENCES = [
    "Vielen Dank, Sie haben mir sehr geholfen!",
    "Das ist eine Frechheit, ich will kündigen.",
    "Der Zählerstand wird morgen abgelesen.",
    "Das ist ja ganz toller Service.",
    "Mit der Rechnung bin ich nicht zufrieden.",
    "Danke.",
    "Ich will kündigen!",
]


def _close(a, b, tol=1e-4):
    return all(math.isclose(a.scores[k], b.scores[k], abs_tol=tol) for k in LABELS)


@pytest.mark.parametrize("labels", [NAMED])
def test_hf_load_backend_picks_directory_lazily(tiny_hf_model, labels):
    backend = load_backend(str(tiny_hf_model(labels)))
    assert isinstance(backend, HFDirectoryBackend)
    assert not backend._loaded  # nothing loaded before the first predict
    backend.predict(["Danke."])
    assert backend._loaded


@pytest.mark.parametrize("texts", [SENTENCES])
def test_hf_predict_labels_and_scores(tiny_hf_model, texts):
    preds = load_backend(str(tiny_hf_model(NAMED))).predict(texts)
    assert len(preds) == len(texts)
    for p in preds:
        assert set(p.scores) == set(LABELS)
        assert math.isclose(sum(p.scores.values()), 1.0, abs_tol=1e-5)
        assert p.label == max(LABELS, key=p.scores.__getitem__)
        assert not p.empty
    # random weights, but not constant: otherwise the order tests below could not fail
    assert len({round(p.scores["positive"], 4) for p in preds}) > 2


@pytest.mark.parametrize("batch_size", [1, 2, 3, 64])
def test_hf_predict_keeps_order_across_batch_sizes(tiny_hf_model, batch_size):
    path = tiny_hf_model(NAMED)
    one_by_one = [load_backend(str(path)).predict([t])[0] for t in SENTENCES]
    batched = load_backend(str(path), batch_size=batch_size).predict(SENTENCES)
    assert all(_close(a, b) for a, b in zip(one_by_one, batched, strict=True))
    reversed_preds = load_backend(str(path), batch_size=batch_size).predict(SENTENCES[::-1])
    assert all(_close(a, b) for a, b in zip(one_by_one[::-1], reversed_preds, strict=True))


@pytest.mark.parametrize("texts", [["", "Danke.", "   ", "Ich will kündigen!"]])
def test_hf_predict_blank_lines_are_neutral_and_marked(tiny_hf_model, texts):
    preds = load_backend(str(tiny_hf_model(NAMED))).predict(texts)
    assert [p.empty for p in preds] == [not t.strip() for t in texts]
    assert all(p.label == "neutral" and p.scores["neutral"] == 1.0 for p in preds if p.empty)


@pytest.mark.parametrize("word", ["kündigen", "frechheit"])
def test_hf_truncates_long_text(tiny_hf_model, word):
    # far longer than the model's 64 positions; both texts share the first 16 tokens
    path = tiny_hf_model(NAMED)
    backend = load_backend(str(path), max_length=16)
    long_text = "danke " + " ".join([word] * 5000)
    shorter = "danke " + " ".join([word] * 20)
    long_pred, short_pred = backend.predict([long_text, shorter])
    assert _close(long_pred, short_pred)
    # the model's own limit applies when max_length is larger than its positions
    assert load_backend(str(path), max_length=100_000).predict([long_text])[0].label in LABELS


@pytest.mark.parametrize(
    "spec",
    [
        "LABEL_0=positive,LABEL_1=negative,LABEL_2=neutral",
        "label_0=POS, label_1=neg, label_2=neutral",
        "0=positive,1=negative,2=neutral",
    ],
)
def test_hf_label_map_option_maps_generic_labels(tiny_hf_model, spec):
    named = load_backend(str(tiny_hf_model(NAMED))).predict(SENTENCES)
    generic = load_backend(str(tiny_hf_model(GENERIC)), label_map=spec).predict(SENTENCES)
    # same weights (same seed and size), so the mapping must reproduce the named model exactly
    assert [p.label for p in generic] == [p.label for p in named]
    assert all(_close(a, b) for a, b in zip(named, generic, strict=True))


def test_hf_label_map_permutation_moves_scores(tiny_hf_model):
    named = load_backend(str(tiny_hf_model(NAMED))).predict(SENTENCES)
    spec = "LABEL_0=negative,LABEL_1=positive,LABEL_2=neutral"
    swapped = load_backend(str(tiny_hf_model(GENERIC)), label_map=spec).predict(SENTENCES)
    for a, b in zip(named, swapped, strict=True):
        assert math.isclose(a.scores["positive"], b.scores["negative"], abs_tol=1e-4)
        assert math.isclose(a.scores["negative"], b.scores["positive"], abs_tol=1e-4)


@pytest.mark.parametrize(
    "labels",
    [GENERIC, ("joy", "anger", "other"), ("positive", "negative", "mixed")],
)
def test_hf_unmappable_labels_raise_listing_them(tiny_hf_model, labels):
    backend = load_backend(str(tiny_hf_model(labels)))
    with pytest.raises(ModelError) as exc:
        backend.predict(["Danke."])
    message = str(exc.value)
    assert all(name in message for name in labels)
    assert "\n" not in message


@pytest.mark.parametrize("labels", [("negative", "positive"), ("NEG", "POS")])
def test_hf_two_label_model_gives_neutral_zero(tiny_hf_model, labels):
    preds = load_backend(str(tiny_hf_model(labels))).predict(SENTENCES)
    for p in preds:
        assert p.scores["neutral"] == 0.0
        assert math.isclose(p.scores["positive"] + p.scores["negative"], 1.0, abs_tol=1e-5)
        assert p.label != "neutral"


@pytest.mark.parametrize(
    "names,expected",
    [
        (("positive", "negative", "neutral"), ["positive", "negative", "neutral"]),
        (("POSITIVE", "NEGATIVE", "NEUTRAL"), ["positive", "negative", "neutral"]),
        (("neg", "neu", "pos"), ["negative", "neutral", "positive"]),
        (("Negativ", "Neutral", "Positiv"), ["negative", "neutral", "positive"]),
        (("négatif", "neutre", "positif"), ["negative", "neutral", "positive"]),
        (("negativo", "neutro", "positivo"), ["negative", "neutral", "positive"]),
        (("Neutr", "Pos", "Neg"), ["neutral", "positive", "negative"]),
    ],
)
def test_hf_map_labels_recognises_names(names, expected):
    assert map_labels(dict(enumerate(names))) == expected


@pytest.mark.parametrize(
    "names",
    [("neutral", "positive"), ("negative", "neutral"), ("positive", "positive")],
)
def test_hf_map_labels_needs_positive_and_negative(names):
    with pytest.raises(ModelError):
        map_labels(dict(enumerate(names)))


@pytest.mark.parametrize("spec", ["LABEL_0", "LABEL_0=happy", "=positive", "LABEL_0=,x=y", " , "])
def test_hf_parse_label_map_rejects_bad_syntax(spec):
    with pytest.raises(ConfigError):
        parse_label_map(spec)


def test_hf_label_map_naming_unknown_label_lists_model_labels(tiny_hf_model):
    backend = load_backend(str(tiny_hf_model(NAMED)), label_map="LABEL_7=positive")
    with pytest.raises(ModelError, match="LABEL_7.*positive, negative, neutral"):
        backend.predict(["Danke."])


def test_hf_directory_without_model_raises(tmp_path):
    (tmp_path / "notes.txt").write_text("kein Modell hier\n", encoding="utf-8")
    with pytest.raises(ModelError, match="no usable model"):
        load_backend(str(tmp_path))


def test_hf_missing_path_raises(tmp_path):
    with pytest.raises(ModelError, match="no such file or directory"):
        load_backend(str(tmp_path / "gibt-es-nicht"))


def test_hf_broken_weights_raise_model_error(tiny_hf_model, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(tiny_hf_model(NAMED), broken)
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ModelError, match="cannot load"):
        load_backend(str(broken)).predict(["Danke."])


@pytest.mark.parametrize("weights", ["model.safetensors", "pytorch_model.bin"])
def test_hf_loads_german_sentiment_bert_layout(tiny_hf_model, tmp_path, weights):
    """The file layout of a local oliverguhr/german-sentiment-bert copy, at toy size.

    That model ships config.json (model_type bert, id2label positive/negative/neutral,
    ``_num_labels``), vocab.txt and a tokenizer_config.json without tokenizer.json.
    """
    import json
    import shutil

    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    source = tiny_hf_model(NAMED)
    target = tmp_path / "german-sentiment-bert"
    target.mkdir()
    shutil.copy(source / "vocab.txt", target / "vocab.txt")
    config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    config.update(
        _num_labels=3,
        finetuning_task="germansentiment",
        id2label={"0": "positive", "1": "negative", "2": "neutral"},
        label2id={"negative": 1, "neutral": 2, "positive": 0},
    )
    (target / "config.json").write_text(json.dumps(config), encoding="utf-8")
    tokenizer_config = {"do_lower_case": False, "model_max_length": 512, "unk_token": "[UNK]"}
    (target / "tokenizer_config.json").write_text(json.dumps(tokenizer_config), encoding="utf-8")
    if weights == "model.safetensors":
        shutil.copy(source / "model.safetensors", target / weights)
    else:
        torch.save(load_file(source / "model.safetensors"), target / weights)
    assert not (target / "tokenizer.json").exists()

    # lowercase texts tokenize the same with and without do_lower_case: same scores expected
    texts = ["vielen dank, sie haben mir sehr geholfen!", "das ist eine frechheit.", "danke."]
    expected = load_backend(str(source)).predict(texts)
    preds = load_backend(str(target)).predict(texts)
    assert all(_close(a, b) for a, b in zip(expected, preds, strict=True))
    assert len({tuple(round(p.scores[k], 6) for k in LABELS) for p in preds}) > 1

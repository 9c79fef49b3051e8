"""The models' vocabularies as arrays (vocab.py): the same answers as a dict, always.

A lookup that is wrong even once would silently change a feature and with it a probability,
so every test compares with a plain ``{key: id}`` dict, on the shipped vocabularies and on
hash functions made to collide.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from toneprobe.sentiment.vocab import MISSING, FrozenVocab, Lexicon, as_vocab

MODELS = Path(__file__).resolve().parents[2] / "models"

# written for these tests: German word n-grams, umlauts, ß/ẞ, emoji, symbols, near-misses
WORDS = [
    "w:gut",
    "w:sehr gut",
    "w:nicht gut",
    "w:gute",
    "w:guten tag",
    "w:grüße",
    "w:straße",
    "w:STRASSE",
    "w:ẞ",
    "w:😀",
    "w:👍 danke",
    "w:€",
    "w:100 €",
    "n:gut",
    " gu",
    "gut ",
    "",
]
PROBES = WORDS + ["w:gu", "w:gutt", "w:Gut", "w:sehr  gut", "w:😀😀", "w:grüsse", "n:", "w", " "]


def as_dict(keys: list[str]) -> dict[str, int]:
    return {k: i for i, k in enumerate(keys)}


def check(vocab: FrozenVocab, keys: list[str], probes: list[str]) -> None:
    expected = as_dict(keys)
    # fresh string objects: no hash cached from building the vocabulary
    fresh = [(p + "#")[:-1] for p in probes]
    assert vocab.ids(fresh).tolist() == [expected.get(p, MISSING) for p in probes]
    for p in probes:
        assert (p in vocab) == (p in expected)
        assert vocab.get(p) == expected.get(p)


def test_same_answers_as_a_dict_on_written_words() -> None:
    vocab = FrozenVocab(WORDS)
    check(vocab, WORDS, PROBES)
    assert len(vocab) == len(WORDS)
    assert list(vocab) == WORDS
    assert [vocab.key(i) for i in range(len(WORDS))] == WORDS
    assert vocab["w:sehr gut"] == 1
    with pytest.raises(KeyError):
        vocab["w:sehr"]


@pytest.mark.parametrize(
    "hasher",
    [
        lambda s: 0,  # every key in one chain
        lambda s: len(s),  # chains by length, same high bits
        lambda s: len(s) << 32,  # same slot for all, high bits by length
        lambda s: (len(s) % 3) | (7 << 32),  # few slots, one high value: strings decide
    ],
    ids=["constant", "length", "high-bits", "few-slots"],
)
def test_colliding_hashes_never_confuse_two_strings(hasher) -> None:
    vocab = FrozenVocab(WORDS, hasher=hasher)
    check(vocab, WORDS, PROBES)
    # in one batch and one at a time alike (the batch path hands the last few keys on)
    assert vocab.ids(PROBES * 20).tolist() == vocab.ids(PROBES).tolist() * 20


@pytest.mark.parametrize("hasher", [hash, lambda s: 0, lambda s: len(s)])
def test_a_duplicate_entry_is_an_error(hasher) -> None:
    with pytest.raises(ValueError, match="duplicate vocabulary entry 'w:gut'"):
        FrozenVocab(["w:gut", "w:sehr gut", "w:gut"], hasher=hasher)


def test_empty_vocabulary_and_empty_batch() -> None:
    empty = FrozenVocab([])
    assert len(empty) == 0 and "w:gut" not in empty
    assert empty.ids(["w:gut", ""]).tolist() == [MISSING, MISSING]
    assert FrozenVocab(WORDS).ids([]).tolist() == []


def test_as_vocab_takes_lists_and_dicts_with_ids_in_order() -> None:
    assert list(as_vocab(WORDS)) == WORDS
    assert list(as_vocab(as_dict(WORDS))) == WORDS
    vocab = FrozenVocab(WORDS)
    assert as_vocab(vocab) is vocab
    assert vocab == as_dict(WORDS)
    with pytest.raises(ValueError, match="0..n-1"):
        as_vocab({"w:gut": 0, "w:sehr gut": 2})


@pytest.mark.parametrize(
    "model", ["sentiment-de", "agent-moves-de", "customer-states-de", "offense-de"]
)
def test_shipped_vocabularies_answer_like_a_dict(model: str) -> None:
    """Every entry of every shipped vocabulary, and as many strings that are not in it
    (each entry with one character changed), looked up in batches of calls' size."""
    saved = json.loads((MODELS / model / "vocab.json").read_text(encoding="utf-8"))
    rng = random.Random(7)
    for keys in saved.values():
        vocab = FrozenVocab(keys)
        expected = as_dict(keys)
        near = [k[:-1] + chr(ord(k[-1]) + 1) if k else "x" for k in keys]
        probes = keys + near
        rng.shuffle(probes)
        got = np.concatenate([vocab.ids(probes[a : a + 500]) for a in range(0, len(probes), 500)])
        assert got.tolist() == [expected.get(p, MISSING) for p in probes]


def test_arrays_hold_the_vocabulary_in_a_fraction_of_a_dicts_memory() -> None:
    keys = json.loads((MODELS / "sentiment-de" / "vocab.json").read_text(encoding="utf-8"))["word"]
    vocab = FrozenVocab(keys)
    # a str object (49+ bytes) and a dict slot alone cost more than an entry here
    assert vocab.nbytes / len(keys) < 60


def test_lone_surrogates_and_wide_characters_build_and_compare() -> None:
    """A vocab.json may hold a lone surrogate (a JSON escape); it loads as a dict did."""
    keys = ["w:\ud83d", "w:gut", "", "w:Ā", "\x00"]
    check(FrozenVocab(keys), keys, keys + ["w:\ud83d\ude00", "w:A"])
    assert FrozenVocab(["a", "Ā"]) != FrozenVocab(["Ā", "a"])
    assert FrozenVocab(["a", "Ā"]) == FrozenVocab(["a", "Ā"])


def test_a_pickled_vocabulary_works_in_another_process() -> None:
    """String hashes differ between processes: unpickling rebuilds the table."""
    import pickle
    import subprocess
    import sys

    blob = pickle.dumps(FrozenVocab(WORDS))
    code = (
        "import pickle, sys; v = pickle.loads(sys.stdin.buffer.read()); "
        "print(v.ids(['w:sehr gut', 'w:gut', 'w:nope']).tolist())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], input=blob, capture_output=True, check=True
    ).stdout
    assert out.decode().strip() == "[1, 0, -1]"


def test_lexicon_tells_a_word_cut_in_half_from_a_whole_one() -> None:
    words = Lexicon(FrozenVocab(["zählerstand", "zähler", "koffer", "öl", "übergabe"]))
    assert "zähler" in words and "zähl" not in words
    assert words.continues("zähl") and words.continues("zähler")  # "zählerstand" goes on
    assert words.continues("kof") and words.continues("überg")
    assert not words.continues("koffer")  # nothing longer begins with it
    assert not words.continues("zz") and not words.continues("") and not words.continues("ölf")
    assert len(words) == 5

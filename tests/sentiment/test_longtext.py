"""Long texts are read sentence by sentence (sentiment/longtext.py)."""

from __future__ import annotations

import numpy as np
import pytest

from toneprobe.sentiment.longtext import (
    LongText,
    combine,
    long_text_logits,
    n_words,
    split_sentences,
)

# class order of these tests: positive, negative, neutral
NEUTRAL = 2


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "Die Lieferung kam pünktlich. Leider war der Deckel kaputt! Trotzdem: gern wieder.",
            [
                "Die Lieferung kam pünktlich.",
                "Leider war der Deckel kaputt!",
                "Trotzdem: gern wieder.",
            ],
        ),
        ("Wir haben z. B. am 3. Mai angerufen.", ["Wir haben z. B. am 3. Mai angerufen."]),
        ("erste zeile\nzweite zeile", ["erste zeile", "zweite zeile"]),
        (
            "Was? Schon wieder? Das glaube ich nicht.",
            ["Was?", "Schon wieder?", "Das glaube ich nicht."],
        ),
        (
            "ohne punkt und komma wie asr das schreibt",
            ["ohne punkt und komma wie asr das schreibt"],
        ),
    ],
)
def test_longtext_splits_german_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_longtext_counts_words() -> None:
    assert n_words("Das ist, ähm, gut.") == 4


def _logits(p: list[float]) -> np.ndarray:
    return np.log(np.asarray(p, dtype=np.float64))


def test_longtext_polar_sentences_outweigh_neutral_ones() -> None:
    # the whole text reads neutral; two of three sentences are clearly positive
    whole = _logits([0.3, 0.1, 0.6])
    sents = np.stack(
        [_logits([0.05, 0.05, 0.9]), _logits([0.9, 0.05, 0.05]), _logits([0.85, 0.05, 0.1])]
    )
    z = combine(whole, sents, NEUTRAL, LongText(whole_weight=0.3))
    assert int(np.argmax(z)) == 0


def test_longtext_all_neutral_sentences_stay_neutral() -> None:
    whole = _logits([0.2, 0.2, 0.6])
    sents = np.stack([_logits([0.1, 0.1, 0.8])] * 3)
    assert int(np.argmax(combine(whole, sents, NEUTRAL, LongText(whole_weight=0.3)))) == NEUTRAL


def test_longtext_last_sentence_decides_a_mixed_text() -> None:
    whole = _logits([0.4, 0.4, 0.2])
    sents = np.stack([_logits([0.1, 0.8, 0.1]), _logits([0.8, 0.1, 0.1])])
    assert int(np.argmax(combine(whole, sents, NEUTRAL, LongText(last_weight=3.0)))) == 0
    sents_rev = sents[::-1]
    assert int(np.argmax(combine(whole, sents_rev, NEUTRAL, LongText(last_weight=3.0)))) == 1


def test_longtext_short_texts_are_left_alone() -> None:
    texts = ["Gut. Danke.", "Das war ein langer Text. " * 10]
    logits = np.zeros((2, 3))
    calls: list[list[str]] = []

    def score(sents: list[str]) -> np.ndarray:
        calls.append(sents)
        return np.tile(_logits([0.9, 0.05, 0.05]), (len(sents), 1))

    out = long_text_logits(texts, logits, score, NEUTRAL, LongText(min_words=25))
    assert np.array_equal(out[0], logits[0])
    assert not np.array_equal(out[1], logits[1])
    assert len(calls) == 1 and len(calls[0]) == 10  # one batched call, only the long text


def test_longtext_params_round_trip() -> None:
    p = LongText(min_words=30, whole_weight=0.4, last_weight=1.5)
    assert LongText.from_dict(p.to_dict()) == p
    assert LongText.from_dict(None) is None

"""Long texts: score each sentence, then combine sentence and whole-text opinions.

A bag-of-n-grams model reads a long, multi-sentence text (a review, a long customer turn) as
one bag: its many procedural words pull it to neutral, and one sharp complaint among praise
tips it to negative. People judge such a text by its polar sentences, and most by the last
one (the "dominant, final stance" of the labelling guide). So for a text of at least
``min_words`` words and two or more sentences:

* every sentence gets its own class probabilities from the same model;
* each sentence's polarity evidence is weighted by how polar it is (``1 - p_neutral``) and by
  its position (the last sentence counts ``last_weight`` times as much);
* the sentences' weighted mean log-probabilities are mixed with the whole text's logits
  (``whole_weight``), so a text whose sentences are all neutral stays neutral.

Pure functions over arrays; :class:`LongText` holds the parameters saved in ``model.json``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

# a sentence may end at . ! ? … (also repeated) followed by space and an upper-case letter, a
# digit or a quote; and always ends at a line break. A period after a number ("am 3. Mai"), a
# single letter ("z. B.") or a common abbreviation does not end one; a missed split only makes
# a sentence longer.
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"'“”»«)]*\s+(?=[\"'„“»«(]?[A-ZÄÖÜ0-9])|\s*\n+\s*")
_WORD = re.compile(r"\w+")
_LAST_WORD = re.compile(r"(\w+)\.[\"'“”»«)]*\s*$")
_ABBREVIATIONS = frozenset(
    [
        "bzw",
        "ca",
        "dr",
        "fr",
        "hr",
        "nr",
        "str",
        "tel",
        "usw",
        "vgl",
        "evtl",
        "ggf",
        "inkl",
        "zb",
        "bspw",
        "etc",
        "abs",
        "abt",
        "mio",
        "mrd",
        "prof",
        "st",
        "max",
        "min",
        "sog",
        "jan",
        "feb",
        "mär",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "okt",
        "nov",
        "dez",
    ]
)


def _ends_sentence(before: str) -> bool:
    m = _LAST_WORD.search(before)
    if m is None:  # ends in ! ? … or a line break
        return True
    word = m.group(1)
    return not (word.isdigit() or len(word) == 1 or word.lower() in _ABBREVIATIONS)


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` (non-empty, stripped), in order."""
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if "\n" in m.group(0) or _ends_sentence(text[start : m.start()]):
            out.append(text[start : m.start()])
            start = m.end()
    out.append(text[start:])
    return [s.strip() for s in out if s.strip()]


def n_words(text: str) -> int:
    return len(_WORD.findall(text))


@dataclass(frozen=True)
class LongText:
    """When and how to combine sentence scores (saved as ``long_text`` in ``model.json``)."""

    min_words: int = 25
    whole_weight: float = 0.5
    last_weight: float = 2.0

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, object] | None) -> LongText | None:
        if not d:
            return None
        return cls(
            min_words=int(d.get("min_words", 25)),  # type: ignore[call-overload]
            whole_weight=float(d.get("whole_weight", 0.5)),  # type: ignore[arg-type]
            last_weight=float(d.get("last_weight", 2.0)),  # type: ignore[arg-type]
        )


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def combine(whole: np.ndarray, sentences: np.ndarray, neutral: int, params: LongText) -> np.ndarray:
    """Logits of one long text from its whole-text logits (k,) and its sentences' (n, k).

    Each sentence's log-probabilities are weighted by ``1 - p_neutral`` (how polar it is) and
    by its position (the last one ``last_weight`` times); their weighted mean is mixed with the
    whole text's log-probabilities.
    """
    logp = _log_softmax(sentences)
    polar = 1.0 - np.exp(logp[:, neutral])
    pos = np.ones(len(sentences))
    pos[-1] = params.last_weight
    w = polar * pos + 1e-3
    mean = (w[:, None] * logp).sum(axis=0) / w.sum()
    return params.whole_weight * _log_softmax(whole[None, :])[0] + (1 - params.whole_weight) * mean


def long_text_logits(
    texts: Sequence[str],
    logits: np.ndarray,
    score: Callable[[list[str]], np.ndarray],
    neutral: int,
    params: LongText,
) -> np.ndarray:
    """``logits`` (n, k) with the rows of long multi-sentence texts replaced by :func:`combine`.

    ``score`` maps a list of sentences to their logits with the same model (one batched call
    for all sentences of all long texts).
    """
    split: list[tuple[int, list[str]]] = []
    for i, t in enumerate(texts):
        if n_words(t) >= params.min_words:
            sents = split_sentences(t)
            if len(sents) > 1:
                split.append((i, sents))
    if not split:
        return logits
    flat = [s for _, sents in split for s in sents]
    sent_logits = score(flat)
    out = logits.copy()
    at = 0
    for i, sents in split:
        out[i] = combine(logits[i], sent_logits[at : at + len(sents)], neutral, params)
        at += len(sents)
    return out

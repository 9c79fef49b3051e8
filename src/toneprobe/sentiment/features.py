"""The featurizer of the embedded models, shared by training and inference.

One ``Featurizer`` turns texts into a sparse TF-IDF matrix (CSR arrays in plain numpy) from
two blocks, each L2-normalised on its own and then scaled by a block weight:

* word n-grams (1..2) over a lower-cased, normalised token stream;
* character n-grams (2..5) inside word boundaries (``char_wb`` style: each word padded with
  one space on both sides), taken from the same tokens.

It also gives the word ids for the static embedding table (a model2vec-style mean of
per-word vectors distilled from a sentence encoder at training time).

The very same code runs at training time (``fitting.py`` wraps the arrays in a scipy matrix)
and at inference time (``embedded.py`` multiplies them with numpy weights), so the features
cannot drift apart. Everything the featurizer needs is stored as JSON and ``.npz`` arrays.

Shared work between models. The sentiment, agent-move and customer-state models use the same
tokenizer and word n-gram settings and the same word-vector table, and within one call they
often read the same text (a one-sentence turn is both a turn and a sentence). Two things avoid
doing that work twice:

* :func:`shared_table` gives every model whose table has the same content (words, vectors,
  pooling; found by a hash of the content) one :class:`EmbeddingTable` object per process,
  so the vectors (float16 as stored, 10 MB) and the word index are held once, not once per
  model;
* inside ``with shared_features():`` (the scorer opens one per call) each text is tokenised,
  its word n-gram strings built and its word vectors pooled once, and every model reads the
  same results (each model still looks the strings up in its own vocabulary). The cached
  values are exactly those computed without it, row by row, so the probabilities are
  bit-identical; outside the block nothing is cached.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from toneprobe.sentiment.vocab import FrozenVocab, Lexicon, as_vocab
from toneprobe.sentiment.weights import update_hash

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_USER = re.compile(r"@\w+")
_NUM = re.compile(r"\d+(?:[.,:]\d+)*")
_HTML = {"&amp;": "&", "&gt;": ">", "&lt;": "<", "&quot;": '"'}
_HTML_RE = re.compile("|".join(map(re.escape, _HTML)))
# a token: a run of word characters (with inner hyphens/apostrophes), or a run of
# non-space symbols (emoticons, "!!!", "?!")
_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]+")
# tokenizer 2: western emoticons first (":-)", ";d", "xd", "<3"), then words, then each
# emoji/pictograph alone, then runs of ASCII punctuation
_EMOTICON = r"(?:[:;=8][-'o^]?[)(\]\[dpo/\\|*3]+|\bx+d+\b|<[03]+|\^\^|[)(]+[-']?[:;])"
_TOKEN2 = re.compile(_EMOTICON + r"|\w+(?:[-'’]\w+)*|[\u2190-\u2bff\U0001f000-\U0001faff]|[^\w\s]+")
_NEGATORS = frozenset(
    [
        "nicht",
        "nichts",
        "kein",
        "keine",
        "keinen",
        "keinem",
        "keiner",
        "keines",
        "nie",
        "niemals",
        "niemand",
        "weder",
        "ohne",
        "kaum",
    ]
)
_SCOPE_END = re.compile(r"^[^\w]+$")
_REPEAT = re.compile(r"(.)\1{2,}")

FEATURIZER_VERSION = 1
#: words outside the vocabulary whose char n-gram ids a loaded model keeps (each ~300 bytes)
LOADED_CHAR_CACHE = 4096


def normalize(text: str) -> str:
    """Lower-case and normalise a text the same way at training and inference time."""
    text = unicodedata.normalize("NFC", text)
    text = _HTML_RE.sub(lambda m: _HTML[m.group(0)], text)
    text = _URL.sub(" urlxx ", text)
    text = _USER.sub(" userxx ", text)
    text = text.lower()
    text = _NUM.sub("0", text)
    # "suuuuper" -> "suuper", "!!!!!" -> "!!!"... keeps emphasis, caps the variants
    text = _REPEAT.sub(r"\1\1\1", text)
    return text


_EMOTICON_FULL = re.compile(_EMOTICON)
_POS_EMOJI = frozenset("☺♥❤💕💖💗💙💚💛💜👍👏🙂🙏🤗🥰🥳😀😁😂😃😄😅😆😇😉😊😋😍😎😘😙😚😛😜😝🤣")
_NEG_EMOJI = frozenset("☹👎💔💩😒😓😔😕😖😞😟😠😡😢😣😤😥😦😧😨😩😪😫😭😰😱🙁🤬")


def emoticon_class(token: str) -> str | None:
    """``emo+`` for a smiling emoticon or emoji (``:-)``, ``;d``, ``xd``, ``<3``, ``^^``, ``(:``),
    ``emo-`` for a frowning one (``:(``, ``:-((``, ``:/``, ``):``), else None."""
    if len(token) == 1:
        return "emo+" if token in _POS_EMOJI else "emo-" if token in _NEG_EMOJI else None
    if not _EMOTICON_FULL.fullmatch(token):
        return None
    if token[0] in ":;=8":
        mouth = token[1:].lstrip("-'o^")
        if mouth and mouth[0] in ")]dp*3":
            return "emo+"
        if mouth and mouth[0] in "([/\\|":
            return "emo-"
        return None
    if token[0] == "(":
        return "emo+"  # "(:" read the other way round
    if token[0] == ")":
        return "emo-"
    return "emo+"  # "xd", "<3" (normalised "<0"), "^^"


def tokenize(text: str, version: int = 1) -> list[str]:
    """Tokens of the normalised text.

    ``version`` 2 keeps emoticons and single emoji as tokens; 3 also adds the class of each
    (``emo+``/``emo-``), so the many spellings of a smile share one feature.
    """
    if version == 1:
        return _TOKEN.findall(normalize(text))
    tokens = _TOKEN2.findall(normalize(text))
    if version >= 3:
        tokens += [c for c in map(emoticon_class, tokens) if c is not None]
    return tokens


def negation_features(tokens: Sequence[str], window: int = 3) -> list[str]:
    """``n:<word>`` for up to ``window`` words after a negator, until punctuation."""
    out: list[str] = []
    left = 0
    for t in tokens:
        if t in _NEGATORS:
            left = window
            continue
        if left:
            if _SCOPE_END.match(t):
                left = 0
                continue
            out.append("n:" + t)
            left -= 1
    return out


def _char_ngrams(word: str, lo: int, hi: int) -> list[str]:
    padded = f" {word} "
    n_chars = len(padded)
    out: list[str] = []
    for n in range(lo, hi + 1):
        if n > n_chars:
            break
        out.extend(padded[i : i + n] for i in range(n_chars - n + 1))
    return out


def word_features(tokens: Sequence[str], max_n: int) -> list[str]:
    """Word n-gram feature strings (prefixed ``w:``) of one token list."""
    feats = [f"w:{t}" for t in tokens]
    for n in range(2, max_n + 1):
        feats.extend("w:" + " ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return feats


@dataclass
class Featurizer:
    """Vocabulary, idf and block settings; build with ``fit``, save with ``to_dict``."""

    word_max_n: int = 2
    char_lo: int = 2
    char_hi: int = 5
    char_weight: float = 1.0
    word_weight: float = 1.0
    sublinear_tf: bool = True
    tokenizer: int = 1
    negation: bool = False
    word_vocab: FrozenVocab = field(default_factory=lambda: FrozenVocab(()))
    char_vocab: FrozenVocab = field(default_factory=lambda: FrozenVocab(()))
    word_idf: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    char_idf: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    # the char n-gram ids of every vocabulary word, stored with the model (``char_index``):
    # row ``_uc_rows[word]`` of the CSR arrays ``_uc_indptr``/``_uc_ids``
    _uc_rows: FrozenVocab = field(default_factory=lambda: FrozenVocab(()), repr=False)
    _uc_indptr: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64), repr=False)
    _uc_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32), repr=False)
    # other words -> ids of their char n-grams (a cache; a pure function of the word), up to
    # ``char_cache_max`` words: large while training (every word of the corpus), small in a
    # loaded model (words outside the vocabulary; names and typos would grow it without end)
    _char_cache: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    char_cache_max: int = field(default=500_000, repr=False)

    def __post_init__(self) -> None:
        self.word_vocab = as_vocab(self.word_vocab)
        self.char_vocab = as_vocab(self.char_vocab)

    @property
    def n_features(self) -> int:
        return len(self.word_vocab) + len(self.char_vocab)

    # ---------- fitting (training time) ----------
    def fit(self, texts: Iterable[str], min_df_word: int = 2, min_df_char: int = 2) -> Featurizer:
        """Build vocabularies (document frequency >= min_df) and smoothed idf."""
        wdf: Counter[str] = Counter()
        cdf: Counter[str] = Counter()
        n_docs = 0
        for text in texts:
            n_docs += 1
            toks = tokenize(text, self.tokenizer)
            wdf.update(set(self._word_feats(toks)))
            chars: set[str] = set()
            for t in set(toks):
                chars.update(_char_ngrams(t, self.char_lo, self.char_hi))
            cdf.update(chars)
        words = sorted(f for f, c in wdf.items() if c >= min_df_word)
        chars_kept = sorted(f for f, c in cdf.items() if c >= min_df_char)
        self.word_vocab = FrozenVocab(words)
        self.char_vocab = FrozenVocab(chars_kept)
        self.word_idf = np.array(
            [math.log((1 + n_docs) / (1 + wdf[f])) + 1.0 for f in words], dtype=np.float32
        )
        self.char_idf = np.array(
            [math.log((1 + n_docs) / (1 + cdf[f])) + 1.0 for f in chars_kept], dtype=np.float32
        )
        self._char_cache = {}
        self._uc_rows = FrozenVocab(())
        self._uc_indptr = np.zeros(1, np.int64)
        self._uc_ids = np.zeros(0, np.int32)
        return self

    # ---------- transform (training and inference) ----------
    def tokens(self, text: str) -> list[str]:
        return tokenize(text, self.tokenizer)

    def _word_feats(self, toks: Sequence[str]) -> list[str]:
        feats = word_features(toks, self.word_max_n)
        if self.negation:
            feats.extend(negation_features(toks))
        return feats

    def _char_flat(self, toks: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The char n-gram ids of every token, concatenated token by token (each token's in
        n-gram order), and how many each token has."""
        n = len(toks)
        rows = self._uc_rows.ids(toks)
        counts = np.zeros(n, dtype=np.int64)
        known = rows >= 0
        lo = self._uc_indptr[rows[known]]
        counts[known] = self._uc_indptr[rows[known] + 1] - lo
        other = np.flatnonzero(~known).tolist()
        computed = self._other_char_ids([toks[j] for j in other]) if other else []
        counts[other] = [len(c) for c in computed]
        total = int(counts.sum())
        flat = np.empty(total, dtype=np.int64)
        ends = np.cumsum(counts)
        # the known tokens' ranges of the stored CSR arrays, gathered in one go
        k_counts = counts[known]
        if len(k_counts):
            dest = np.repeat(ends[known] - k_counts, k_counts)
            within = np.arange(len(dest)) - np.repeat(np.cumsum(k_counts) - k_counts, k_counts)
            flat[dest + within] = self._uc_ids[np.repeat(lo, k_counts) + within]
        for j, ids in zip(other, computed, strict=True):
            flat[ends[j] - len(ids) : ends[j]] = ids
        return flat, counts

    def _other_char_ids(self, words: list[str]) -> list[np.ndarray]:
        """Char n-gram ids of words without a stored row: from the cache, or looked up (all
        the new words' n-grams in one batch) and cached."""
        out: list[np.ndarray | None] = [self._char_cache.get(w) for w in words]
        todo = [j for j, ids in enumerate(out) if ids is None]
        if todo:
            grams = [_char_ngrams(words[j], self.char_lo, self.char_hi) for j in todo]
            ids = self.char_vocab.ids([g for gs in grams for g in gs])
            at = 0
            for j, gs in zip(todo, grams, strict=True):
                part = ids[at : at + len(gs)]
                at += len(gs)
                out[j] = found = part[part >= 0].astype(np.int32)
                if len(self._char_cache) < self.char_cache_max:
                    self._char_cache[words[j]] = found
        return out  # type: ignore[return-value]

    def char_index(self) -> dict[str, np.ndarray]:
        """Char n-gram ids of every vocabulary word (CSR arrays), stored to skip work later."""
        word_ids: list[int] = []
        words: list[str] = []
        for i, feat in enumerate(self.word_vocab):
            if feat.startswith("w:") and " " not in feat:
                word_ids.append(i)
                words.append(feat[2:])
        chunks = self._other_char_ids(words) if words else []
        self._char_cache = {}
        indptr = np.zeros(len(chunks) + 1, dtype=np.int64)
        np.cumsum([len(c) for c in chunks], out=indptr[1:])
        flat = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
        return {
            "uc_word_ids": np.array(word_ids, dtype=np.int32),
            "uc_indptr": indptr,
            "uc_ids": flat.astype(np.int32),
        }

    def load_char_index(self, vocab_words: Sequence[str], arrays: dict[str, np.ndarray]) -> None:
        """Take the stored char n-gram ids of the vocabulary words (``char_index`` arrays)."""
        word_ids = arrays["uc_word_ids"].tolist()
        self._uc_rows = FrozenVocab(vocab_words[wid][2:] for wid in word_ids)
        self._uc_indptr = np.asarray(arrays["uc_indptr"], dtype=np.int64)
        self._uc_ids = np.asarray(arrays["uc_ids"], dtype=np.int32)

    def transform(
        self, texts: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[list[str]]]:
        """CSR arrays ``(indptr, indices, values)`` of shape (len(texts), n_features), and tokens.

        Column layout: word block first (``len(word_vocab)`` columns), then the char block.
        """
        n_word = len(self.word_vocab)
        all_tokens: list[list[str]] = []
        all_feats: list[list[str]] = []
        memo = _ACTIVE.get()
        for text in texts:
            if memo is None:
                toks = tokenize(text, self.tokenizer)
                feats = self._word_feats(toks)
            else:
                toks, feats = memo.words(self, text)
            all_tokens.append(toks)
            all_feats.append(feats)
        n = len(texts)
        # every text's word n-grams and tokens looked up in one batch each
        wids = self.word_vocab.ids([f for feats in all_feats for f in feats])
        w_rows = np.repeat(np.arange(n, dtype=np.int64), [len(f) for f in all_feats])
        keep = wids >= 0
        cids, per_tok = self._char_flat([t for toks in all_tokens for t in toks])
        tok_rows = np.repeat(np.arange(n, dtype=np.int64), [len(t) for t in all_tokens])
        c_rows = np.repeat(tok_rows, per_tok)
        w_ip, w_idx, w_val = self._block(w_rows[keep], wids[keep], n, self.word_idf, 0)
        c_ip, c_idx, c_val = self._block(c_rows, cids, n, self.char_idf, n_word)
        w_val *= self.word_weight
        c_val *= self.char_weight
        # interleave the two blocks row by row into one CSR matrix
        indptr = w_ip + c_ip
        nnz = int(indptr[-1])
        indices = np.empty(nnz, dtype=np.int64)
        values = np.empty(nnz, dtype=np.float32)
        w_len = np.diff(w_ip)
        row_of_w = np.repeat(np.arange(n), w_len)
        row_of_c = np.repeat(np.arange(n), np.diff(c_ip))
        pos_w = indptr[:-1][row_of_w] + (np.arange(len(w_idx)) - w_ip[:-1][row_of_w])
        pos_c = (
            indptr[:-1][row_of_c] + w_len[row_of_c] + (np.arange(len(c_idx)) - c_ip[:-1][row_of_c])
        )
        indices[pos_w] = w_idx
        values[pos_w] = w_val
        indices[pos_c] = c_idx
        values[pos_c] = c_val
        return indptr, indices, values, all_tokens

    def _block(
        self, row_ids: np.ndarray, flat: np.ndarray, n: int, idf: np.ndarray, offset: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sorted unique ids per row (``flat[k]`` is in row ``row_ids[k]``) with (sublinear)
        tf * idf, L2-normalised per row."""
        size = max(len(idf), 1)
        keys = row_ids * size + flat
        uniq, counts = np.unique(keys, return_counts=True)
        urow = uniq // size
        ucol = uniq % size
        tf: np.ndarray = counts.astype(np.float32)
        if self.sublinear_tf:
            tf = 1.0 + np.log(tf)
        vals = (tf * idf[ucol]).astype(np.float32)
        sq = np.bincount(urow, weights=vals.astype(np.float64) ** 2, minlength=n)
        norm = np.sqrt(sq).astype(np.float32)
        norm[norm == 0] = 1.0
        vals /= norm[urow]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(urow, minlength=n), out=indptr[1:])
        return indptr, ucol + offset, vals

    # ---------- persistence (JSON + arrays, never pickle) ----------
    def config(self) -> dict[str, object]:
        return {
            "version": FEATURIZER_VERSION,
            "word_max_n": self.word_max_n,
            "char_lo": self.char_lo,
            "char_hi": self.char_hi,
            "char_weight": self.char_weight,
            "word_weight": self.word_weight,
            "sublinear_tf": self.sublinear_tf,
            "tokenizer": self.tokenizer,
            "negation": self.negation,
        }

    def vocab_lists(self) -> dict[str, list[str]]:
        """Vocabularies as lists in id order (for a JSON file)."""
        return {
            "word": list(self.word_vocab),
            "char": list(self.char_vocab),
        }

    @classmethod
    def from_saved(
        cls,
        config: dict[str, object],
        vocab: dict[str, list[str]],
        word_idf: np.ndarray,
        char_idf: np.ndarray,
    ) -> Featurizer:
        if config.get("version") != FEATURIZER_VERSION:
            raise ValueError(f"featurizer version {config.get('version')} is not supported")
        feat = cls(
            word_max_n=int(config["word_max_n"]),  # type: ignore[call-overload]
            char_lo=int(config["char_lo"]),  # type: ignore[call-overload]
            char_hi=int(config["char_hi"]),  # type: ignore[call-overload]
            char_weight=float(config["char_weight"]),  # type: ignore[arg-type]
            word_weight=float(config["word_weight"]),  # type: ignore[arg-type]
            sublinear_tf=bool(config["sublinear_tf"]),
            tokenizer=int(config.get("tokenizer", 1)),  # type: ignore[call-overload]
            negation=bool(config.get("negation", False)),
        )
        feat.char_cache_max = LOADED_CHAR_CACHE
        feat.word_vocab = FrozenVocab(vocab["word"])
        feat.char_vocab = FrozenVocab(vocab["char"])
        feat.word_idf = np.asarray(word_idf, dtype=np.float32)
        feat.char_idf = np.asarray(char_idf, dtype=np.float32)
        if len(feat.word_idf) != len(feat.word_vocab) or len(feat.char_idf) != len(feat.char_vocab):
            raise ValueError("vocabulary and idf sizes differ")
        return feat


class EmbeddingTable:
    """A static table of word vectors, pooled over a text's words.

    Words come from the same ``tokenize`` as the TF-IDF features; words without a vector are
    skipped, and a text without any known word gets zero vectors. ``pooling`` names the pooled
    vectors that are concatenated, each L2-normalised: ``mean`` (the average word), ``max`` and
    ``min`` (per dimension, the strongest word: one very negative word is not averaged away;
    Shen et al. 2018, "Baseline Needs More Love", SWEM).
    """

    POOLINGS = ("mean", "max", "min")

    def __init__(self, words: list[str], vectors: np.ndarray, pooling: Sequence[str] = ("mean",)):
        if len(words) != len(vectors):
            raise ValueError("embedding words and vectors differ in length")
        unknown = [p for p in pooling if p not in self.POOLINGS]
        if unknown or not pooling:
            raise ValueError(f"unknown pooling {unknown or pooling!r}")
        self.index = FrozenVocab(words)
        # float16 as stored in weights.npz stays float16 (half the memory): the rows a text
        # uses are widened to float32, which every float16 value converts to exactly
        vectors = np.asarray(vectors)
        self.vectors = vectors if vectors.dtype == np.float16 else vectors.astype(np.float32)
        self.pooling = tuple(pooling)

    def embed(
        self, texts: Sequence[str], token_lists: Sequence[Sequence[str]], tokenizer: int
    ) -> np.ndarray:
        """:meth:`embed_tokens` of the texts' tokens (``tokenizer``: the version that made
        them); inside ``shared_features()`` each text is pooled once per table."""
        memo = _ACTIVE.get()
        if memo is None:
            return self.embed_tokens(token_lists)
        return memo.pooled(self, texts, token_lists, tokenizer)

    @property
    def dim(self) -> int:
        """Dimensions of one word vector."""
        return int(self.vectors.shape[1])

    @property
    def n_out(self) -> int:
        """Dimensions of a text's vector (all poolings side by side)."""
        return self.dim * len(self.pooling)

    @property
    def words(self) -> list[str]:
        """The table's words in row order."""
        return list(self.index)

    @cached_property
    def lexicon(self) -> Lexicon:
        """The table's words as a :class:`Lexicon` (one per table, so its sorted order is
        built at most once per process)."""
        return Lexicon(self.index)

    def embed_tokens(self, token_lists: Sequence[Sequence[str]]) -> np.ndarray:
        n = len(token_lists)
        found = self.index.ids([t for toks in token_lists for t in toks])
        rows_of = np.repeat(np.arange(n, dtype=np.int64), [len(t) for t in token_lists])
        keep = found >= 0
        ids = found[keep]
        counts = np.bincount(rows_of[keep], minlength=n).astype(np.int64)
        blocks = []
        nonempty = np.flatnonzero(counts)
        starts = np.concatenate([[0], np.cumsum(counts[nonempty])[:-1]]).astype(np.int64)
        rows = self.vectors[ids].astype(np.float32) if len(ids) else None
        for pool in self.pooling:
            out = np.zeros((n, self.dim), dtype=np.float32)
            if rows is not None:
                ufunc = {"mean": np.add, "max": np.maximum, "min": np.minimum}[pool]
                out[nonempty] = ufunc.reduceat(rows, starts, axis=0)
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            out /= norms
            blocks.append(out)
        return blocks[0] if len(blocks) == 1 else np.hstack(blocks)


class SharedFeatures:
    """What several models compute alike from one text, computed once (one call's worth).

    ``words``: the tokens and word n-gram strings of a text for a featurizer's settings;
    ``pooled``: a text's pooled word vectors for a table. Keys name everything the value
    depends on, so two models with different settings never share a wrong value.
    """

    def __init__(self) -> None:
        self._words: dict[tuple[int, int, bool, str], tuple[list[str], list[str]]] = {}
        self._pooled: dict[tuple[int, int, str], np.ndarray] = {}
        self.hits = 0
        self.misses = 0

    def words(self, feat: Featurizer, text: str) -> tuple[list[str], list[str]]:
        key = (feat.tokenizer, feat.word_max_n, feat.negation, text)
        got = self._words.get(key)
        if got is None:
            self.misses += 1
            toks = tokenize(text, feat.tokenizer)
            got = self._words[key] = (toks, feat._word_feats(toks))
        else:
            self.hits += 1
        return got

    def pooled(
        self,
        table: EmbeddingTable,
        texts: Sequence[str],
        token_lists: Sequence[Sequence[str]],
        tokenizer: int,
    ) -> np.ndarray:
        """Rows of ``table.embed_tokens(token_lists)``; the texts not pooled before are pooled
        in one batch (each row depends only on its own tokens)."""
        keys = [(id(table), tokenizer, t) for t in texts]
        todo = {}
        for k, toks in zip(keys, token_lists, strict=True):
            if k not in self._pooled and k not in todo:
                todo[k] = toks
        self.hits += len(keys) - len(todo)
        self.misses += len(todo)
        if todo:
            rows = table.embed_tokens(list(todo.values()))
            for k, row in zip(todo, rows, strict=True):
                self._pooled[k] = row
        if not keys:
            return np.zeros((0, table.n_out), dtype=np.float32)
        return np.stack([self._pooled[k] for k in keys])


_ACTIVE: ContextVar[SharedFeatures | None] = ContextVar("toneprobe_shared_features", default=None)


@contextmanager
def shared_features() -> Iterator[SharedFeatures]:
    """Share tokens, word n-grams and pooled word vectors between the models run inside the
    block (the scorer opens one per call; nested blocks reuse the outer one)."""
    outer = _ACTIVE.get()
    if outer is not None:
        yield outer
        return
    memo = SharedFeatures()
    token = _ACTIVE.set(memo)
    try:
        yield memo
    finally:
        _ACTIVE.reset(token)


_TABLES: weakref.WeakValueDictionary[str, EmbeddingTable] = weakref.WeakValueDictionary()


def table_key(words: Sequence[str], vectors: np.ndarray, pooling: Sequence[str]) -> str:
    """A hash of a table's content as stored: its words, its vectors' dtype, shape and bytes,
    its pooling."""
    h = hashlib.sha256()
    h.update("\n".join(words).encode("utf-8"))
    h.update(f"|{vectors.dtype.str}|{vectors.shape}|{','.join(pooling)}|".encode())
    update_hash(h, vectors)  # a mapped table is read from its file: its pages stay unmapped
    return h.hexdigest()


def shared_table(
    words: list[str], vectors: np.ndarray, pooling: Sequence[str] = ("mean",)
) -> EmbeddingTable:
    """An :class:`EmbeddingTable` of these words and vectors, one object per process for one
    content: a second model directory with a copy of the same table gets the object the first
    one made (its vectors read-only). Held only as long as a model uses it."""
    key = table_key(words, vectors, pooling)
    table = _TABLES.get(key)
    if table is None:
        table = EmbeddingTable(words, vectors, pooling=pooling)
        if table.vectors is vectors and vectors.flags.writeable:
            table.vectors = vectors.copy()  # the caller's array: a private copy, read-only
        table.vectors.flags.writeable = False
        _TABLES[key] = table
    return table

"""A read-only vocabulary (string -> id) held in a few arrays instead of a dict of strings.

The embedded models look up about half a million strings (word n-grams, character n-grams,
the words of the vector table). Held as Python dicts, each entry costs about 150 bytes (a str
object, an int object, a dict slot): some 70 MB of objects in every process that scores, and
counted again in the RSS of every worker. Here an entry costs about 30 bytes: the strings sit
side by side in one ``str`` (one for the few that need wide characters, so an emoji does not
make every string four bytes a character), and an open-addressing hash table of int32 slots
finds an entry.

Lookups are exact, not probabilistic: every hash hit is checked against the stored string, so
two strings with the same hash are never confused. The hash is Python's own ``hash(str)``,
which changes from process to process: a vocabulary is built in the process that uses it (or
inherited through ``fork``), never stored. Look strings up in batches (:meth:`FrozenVocab.ids`):
one call probes them all in numpy; a single ``get`` pays numpy's overhead for one string.
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import compress, repeat

import numpy as np

MISSING = -1
_FEW = 16
_EMPTY = -1


def _wide_keys(keys: list[str], lens: np.ndarray) -> np.ndarray:
    """Which keys hold a character beyond U+00FF (found in the joined text's code points)."""
    text = "".join(keys)
    wide = np.zeros(len(keys), dtype=bool)
    if text.isascii():
        return wide
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    ends = np.cumsum(lens)
    wide[np.searchsorted(ends, np.flatnonzero(points > 0xFF), side="right")] = True
    return wide


class FrozenVocab(Mapping[str, int]):
    """``{key: position}`` for ``keys`` in their order; read-only; duplicate keys are an error.

    ``hasher`` is for tests (a poor hash forces collisions); it must map equal strings to
    equal ints.
    """

    __slots__ = ("_texts", "_starts", "_lens", "_wide", "_hashes", "_table", "_mask", "_hash")

    def __init__(self, keys: Iterable[str], hasher: Callable[[str], int] = hash) -> None:
        keys = list(keys)
        n = len(keys)
        self._hash = hasher
        lens = np.fromiter(map(len, keys), dtype=np.int64, count=n)
        self._wide = _wide_keys(keys, lens)
        starts = np.zeros(n, dtype=np.int64)
        for flag in (False, True):
            rows = np.flatnonzero(self._wide == flag)
            if len(rows):
                starts[rows[1:]] = np.cumsum(lens[rows[:-1]])
        self._lens = lens.astype(_small_int(int(lens.max(initial=0))))
        self._starts = starts.astype(_small_int(int(starts.max(initial=0))))
        wide = self._wide.tolist()
        self._texts = (
            "".join(compress(keys, (not w for w in wide))),
            "".join(compress(keys, wide)),
        )
        hashes = np.fromiter(map(hasher, keys), dtype=np.int64, count=n)
        size = 8
        while size < 2 * n:
            size *= 2
        self._mask = size - 1
        self._table = np.full(size, _EMPTY, dtype=np.int32 if n < 2**31 else np.int64)
        self._insert(keys, hashes)
        # the slot comes from the low bits; the high 32 bits are kept to sort out most other
        # keys in a probed slot before the strings are compared
        self._hashes = _high(hashes)

    def _insert(self, keys: list[str], hashes: np.ndarray) -> None:
        """Linear probing, every key at once: each round places, per free slot, the first key
        that wants it. A key equal to the one in its slot is a duplicate."""
        mask, table = self._mask, self._table
        slot = hashes & mask
        pending = np.arange(len(keys), dtype=np.int64)
        while len(pending):
            s = slot[pending]
            taken = table[s]
            occupied = np.flatnonzero(taken != _EMPTY)  # an occupied slot: the same key?
            same = occupied[hashes[pending[occupied]] == hashes[taken[occupied]]]
            for i, other in zip(pending[same].tolist(), taken[same].tolist(), strict=True):
                if keys[i] == keys[other]:
                    raise ValueError(f"duplicate vocabulary entry {keys[i]!r}")
            free = taken == _EMPTY
            wanted, first = np.unique(s[free], return_index=True)
            winners = pending[free][first]
            table[wanted] = winners
            # a key that found its slot taken moves on; one that lost the race for a free
            # slot tries the same slot again (now taken: compared with the winner, then on)
            slot[pending[~free]] = (s[~free] + 1) & mask
            placed = np.zeros(len(keys), dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]

    # ---------- batch lookups (the fast path) ----------
    def ids(self, keys: Sequence[str]) -> np.ndarray:
        """The id of every key (int64), ``MISSING`` (-1) where a key is not in the vocabulary.

        All keys probe their slots in numpy, one slot a round, until each has met its own
        entry or an empty slot (the table is at most half full: most keys are done after
        one probe); the last few keys probe on one by one."""
        n = len(keys)
        out = np.full(n, MISSING, dtype=np.int64)
        if n == 0 or len(self) == 0:
            return out
        h = np.fromiter(map(self._hash, keys), dtype=np.int64, count=n)
        klen = np.fromiter(map(len, keys), dtype=np.int64, count=n)
        high = _high(h)
        slot = h & self._mask
        todo = np.arange(n, dtype=np.int64)
        while True:
            cand = self._table[slot]
            live = np.flatnonzero(cand != _EMPTY)  # an empty slot: the key is not here
            c = cand[live]
            match = (self._hashes[c] == high[live]) & (self._lens[c] == klen[todo[live]])
            if match.any():
                m = live[match]
                ok = self._equal(keys, todo[m], cand[m])
                out[todo[m[ok]]] = cand[m[ok]]
                live = live[out[todo[live]] == MISSING]
            todo, slot, high = todo[live], (slot[live] + 1) & self._mask, high[live]
            if len(todo) <= _FEW:  # the last few: one at a time is cheaper than numpy's calls
                for j, sl, hi in zip(todo.tolist(), slot.tolist(), high.tolist(), strict=True):
                    out[j] = self._probe(keys[j], hi, sl)
                return out

    def _probe(self, key: str, high: int, slot: int) -> int:
        table, hashes, mask = self._table, self._hashes, self._mask
        while True:
            i = int(table[slot])
            if i == _EMPTY:
                return MISSING
            if int(hashes[i]) == high and self.key(i) == key:
                return i
            slot = (slot + 1) & mask

    def _equal(self, keys: Sequence[str], rows: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """For keys and entries of equal length: ``keys[rows[j]] == self.key(ids[j])`` for
        every j, checked in C (``str.startswith`` at the entry's offset)."""
        wide = self._wide[ids]
        if not wide.any():
            return self._prefix(keys, rows, ids, self._texts[0])
        ok = np.zeros(len(rows), dtype=bool)
        for flag in (False, True):
            pick = np.flatnonzero(wide == flag)
            ok[pick] = self._prefix(keys, rows[pick], ids[pick], self._texts[flag])
        return ok

    def _prefix(
        self, keys: Sequence[str], rows: np.ndarray, ids: np.ndarray, text: str
    ) -> np.ndarray:
        mine = map(keys.__getitem__, rows.tolist())
        starts = self._starts[ids].tolist()
        found = map(str.startswith, repeat(text, len(rows)), mine, starts)
        return np.fromiter(found, dtype=bool, count=len(rows))

    def key(self, i: int) -> str:
        """The string with id ``i``."""
        if not 0 <= i < len(self):
            raise IndexError(i)
        start = int(self._starts[i])
        return self._texts[int(self._wide[i])][start : start + int(self._lens[i])]

    # ---------- the Mapping protocol (one key at a time: correct, not fast) ----------
    def __getitem__(self, key: str) -> int:
        if not isinstance(key, str):
            raise KeyError(key)
        i = int(self.ids([key])[0])
        if i == MISSING:
            raise KeyError(key)
        return i

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and int(self.ids([key])[0]) != MISSING

    def __len__(self) -> int:
        return len(self._lens)

    def __iter__(self) -> Iterator[str]:
        """Keys in id order."""
        for i in range(len(self)):
            yield self.key(i)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenVocab):
            return (
                self._texts == other._texts
                and np.array_equal(self._lens, other._lens)
                and np.array_equal(self._wide, other._wide)
            )
        return Mapping.__eq__(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type[FrozenVocab], tuple[list[str]]]:
        # the hash table depends on this process's string hashes: rebuilt where unpickled
        return (FrozenVocab, (list(self),))

    def __repr__(self) -> str:
        return f"FrozenVocab({len(self)} entries)"

    @property
    def nbytes(self) -> int:
        """Memory the vocabulary holds: its arrays and its two strings."""
        arrays = (self._starts, self._lens, self._wide, self._hashes, self._table)
        return sum(a.nbytes for a in arrays) + sum(map(sys.getsizeof, self._texts))


def _high(hashes: np.ndarray) -> np.ndarray:
    return (hashes >> 32).astype(np.int32)


def _small_int(top: int) -> type[np.integer]:
    return np.int32 if top < 2**31 else np.int64  # type: ignore[return-value]


def as_vocab(keys: Mapping[str, int] | Sequence[str]) -> FrozenVocab:
    """A :class:`FrozenVocab` of a list of keys (ids = positions) or of a ``{key: id}`` mapping
    whose ids are 0..n-1."""
    if isinstance(keys, FrozenVocab):
        return keys
    if isinstance(keys, Mapping):
        ordered = sorted(keys, key=keys.__getitem__)
        if [keys[k] for k in ordered] != list(range(len(ordered))):
            raise ValueError("vocabulary ids must be 0..n-1")
        return FrozenVocab(ordered)
    return FrozenVocab(keys)


class Lexicon:
    """Known word forms (a model's word-vector table): is a word one of them, and does some
    longer one begin with it? The hang-up detector tells a word cut in half by the line
    ("zum mieterver", "wo mein koff") from a whole one this way.

    The keys' sorted order (int32, 4 bytes a word) is built on the first prefix question, so a
    process that never asks pays nothing; the strings stay in the vocabulary."""

    __slots__ = ("_vocab", "_order")

    def __init__(self, vocab: FrozenVocab) -> None:
        self._vocab = vocab
        self._order: np.ndarray | None = None

    def __contains__(self, word: object) -> bool:
        return word in self._vocab

    def __len__(self) -> int:
        return len(self._vocab)

    def continues(self, prefix: str) -> bool:
        """A known word is longer than ``prefix`` and begins with it."""
        if not prefix:
            return False
        if self._order is None:
            keys = list(self._vocab)
            order = sorted(range(len(keys)), key=keys.__getitem__)
            self._order = np.asarray(order, dtype=np.int32)
        key = self._vocab.key
        # the first key after ``prefix`` in sorted order: longer and beginning with it, if any is
        i = bisect.bisect_right(self._order, prefix, key=lambda j: key(int(j)))
        return i < len(self._order) and key(int(self._order[i])).startswith(prefix)

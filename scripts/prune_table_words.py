"""Remove words from the word-vector tables of shipped models (exactly: nothing else changes).

    python scripts/prune_table_words.py [--words data/excluded_words.md] [MODEL_DIR ...]

A model's table (``emb_words`` in vocab.json, ``emb_vectors`` in weights.npz) holds a vector for
every word its training data had. Some words must not ship: the names of evaluation corpora
reserved for independent evaluation that happen to occur in public training text (a spam post
in GermEval 2017 names a review site). Removing a word's row changes only texts that contain
that word as a token (it then has no vector, like any unknown word); every other text's
probabilities stay bit-identical. ``make model`` and ``make model-moves`` run this after
training, so a retrained model ships without the words too.

The words are read from the list items (``- word``) of a Markdown file, which says why each is
excluded. Default model directories: the three shipped models with a table.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np

from toneprobe.sentiment.weights import write_weights

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MODELS = [
    REPO / "models" / m for m in ("sentiment-de", "agent-moves-de", "customer-states-de")
]
DEFAULT_WORDS = REPO / "data" / "excluded_words.md"


def read_words(path: Path) -> set[str]:
    """The words of the Markdown list items ``- word`` (lower-cased, as the tables store them)."""
    text = path.read_text(encoding="utf-8")
    return {m.group(1).strip().lower() for m in re.finditer(r"(?m)^- `?([^`\s]+)`?\s*$", text)}


def prune(model_dir: Path, words: set[str]) -> list[str]:
    """Drop ``words`` from the model's table; returns the words removed."""
    vocab_path, weights_path = model_dir / "vocab.json", model_dir / "weights.npz"
    vocab = json.loads(vocab_path.read_text(encoding="utf-8"))
    table = vocab.get("emb_words")
    if not table:
        return []
    keep = np.array([w not in words for w in table], dtype=bool)
    if keep.all():
        return []
    with np.load(weights_path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}  # in memory: the file is replaced below
    if len(arrays["emb_vectors"]) != len(table):
        raise SystemExit(f"{model_dir}: emb_words and emb_vectors differ in length")
    removed = [w for w, k in zip(table, keep.tolist(), strict=True) if not k]
    vocab["emb_words"] = [w for w, k in zip(table, keep.tolist(), strict=True) if k]
    arrays["emb_vectors"] = arrays["emb_vectors"][keep]
    write_weights(weights_path, arrays)  # written beside and renamed over the old file
    vocab_path.write_text(
        json.dumps(vocab, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    return removed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models", nargs="*", type=Path, default=DEFAULT_MODELS)
    ap.add_argument("--words", type=Path, default=DEFAULT_WORDS)
    args = ap.parse_args()
    words = read_words(args.words)
    for model_dir in args.models:
        removed = prune(model_dir, words)
        print(f"{model_dir}: removed {len(removed)} table word(s)")


if __name__ == "__main__":
    main()

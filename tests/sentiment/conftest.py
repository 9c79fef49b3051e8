"""Fixtures for the sentiment tests: tiny random-weight BERT models built on the spot.

The models are a few kilobytes: one layer, hidden size 16, a WordPiece vocabulary written
here. Their predictions mean nothing; the tests check loading, label mapping, order,
batching and truncation, which do not depend on what the model learned.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

# Special tokens first (BERT convention), then whole words and a few word pieces, so that the
# German test sentences tokenize into real ids instead of [UNK].
TINY_VOCAB: tuple[str, ...] = (
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    *"abcdefghijklmnopqrstuvwxyzäöüß.,!?",
    *(f"##{c}" for c in "abcdefghijklmnopqrstuvwxyzäöüß"),
    "danke",
    "dank",
    "vielen",
    "sie",
    "haben",
    "mir",
    "sehr",
    "geholfen",
    "das",
    "ist",
    "eine",
    "frechheit",
    "ich",
    "will",
    "kündigen",
    "der",
    "zähler",
    "stand",
    "wird",
    "morgen",
    "abgelesen",
    "ganz",
    "toller",
    "service",
    "rechnung",
    "nicht",
    "zufrieden",
    "##stand",
    "##en",
    "##er",
)

ModelFactory = Callable[..., Path]


@pytest.fixture(scope="session")
def tiny_hf_model(tmp_path_factory: pytest.TempPathFactory) -> ModelFactory:
    """Return ``build(labels, max_positions=64) -> Path``: a saved tiny BERT classifier.

    ``labels`` become ``id2label`` in order. Models with the same number of labels share
    their weights (same seed), so a test can compare two label namings of one model.
    """
    transformers = pytest.importorskip("transformers")
    torch = pytest.importorskip("torch")
    transformers.utils.logging.disable_progress_bar()
    built: dict[tuple[tuple[str, ...], int], Path] = {}

    def build(labels: tuple[str, ...], max_positions: int = 64) -> Path:
        key = (tuple(labels), max_positions)
        if key in built:
            return built[key]
        out = tmp_path_factory.mktemp("tiny-bert")
        vocab_file = out / "vocab.txt"
        vocab_file.write_text("\n".join(TINY_VOCAB) + "\n", encoding="utf-8")
        tokenizer = transformers.BertTokenizer(
            vocab=str(vocab_file), do_lower_case=True, strip_accents=False
        )
        tokenizer.save_pretrained(out)
        config = transformers.BertConfig(
            vocab_size=len(TINY_VOCAB),
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
            max_position_embeddings=max_positions,
            # large random weights, so different sentences get visibly different scores
            initializer_range=0.8,
            num_labels=len(labels),
            id2label=dict(enumerate(labels)),
            label2id={name: i for i, name in enumerate(labels)},
        )
        torch.manual_seed(len(labels))
        transformers.BertForSequenceClassification(config).save_pretrained(out)
        built[key] = out
        return out

    return build

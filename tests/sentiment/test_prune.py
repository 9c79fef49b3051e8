"""Words removed from the shipped word-vector tables (scripts/prune_table_words.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from toneprobe.sentiment.embedded import load_linear

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "prune_table_words.py"
sys.path.insert(0, str(REPO / "scripts"))
from prune_table_words import read_words  # noqa: E402


def test_the_shipped_tables_hold_no_excluded_word() -> None:
    words = read_words(REPO / "data" / "excluded_words.md")
    assert words
    for model in ("sentiment-de", "agent-moves-de", "customer-states-de"):
        vocab = json.loads((REPO / "models" / model / "vocab.json").read_text(encoding="utf-8"))
        assert not words & set(vocab["emb_words"]), model


def test_pruning_changes_only_texts_with_the_word(tmp_path: Path) -> None:
    model_dir = tmp_path / "offense"
    shutil.copytree(REPO / "models" / "offense-de", model_dir)
    table = json.loads((model_dir / "vocab.json").read_text(encoding="utf-8"))["emb_words"]
    word = "idiot" if "idiot" in table else table[100]
    (tmp_path / "words.md").write_text(f"# test\n\n- {word}\n", encoding="utf-8")
    texts = [f"Sie sind ein {word}.", "Vielen Dank für Ihre Geduld.", "Das ist eine Frechheit!"]
    before = load_linear(model_dir)[0].predict_proba(texts)
    subprocess.run(
        [sys.executable, str(SCRIPT), str(model_dir), "--words", str(tmp_path / "words.md")],
        check=True,
        capture_output=True,
    )
    pruned, _ = load_linear(model_dir)
    assert word not in pruned.embedding.index
    assert len(pruned.embedding.index) == len(table) - 1
    after = pruned.predict_proba(texts)
    assert np.array_equal(after[1:], before[1:])  # texts without the word: bit-identical
    assert not np.array_equal(after[0], before[0])

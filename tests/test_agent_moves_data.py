"""The labelled sentence sets for the learned agent-move and customer-state classifiers (issue 13).

Checks what a model trainer relies on: the TSV header, the label and voice vocabularies, unique ids,
no duplicate texts (same words, ignoring case, punctuation, order and fillers), no text on both sides of the
train/dev split, the size of each set and each label, and that the committed files are exactly what
``data/agent_moves/build.py`` makes from the hand-written batches.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from toneprobe.sentiment.states import STATES
from toneprobe.sentiment.train_moves import MOVE_LABELS, NONE

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "data" / "agent_moves" / "build.py"
HEADER = ["id", "labels", "voice", "text"]
VOICES = {
    "phone_formal",
    "phone_casual",
    "asr",
    "chat_formal",
    "chat_casual",
    "regional",
    "written_email",
    "long_turn",
}
SETS = {
    "agent_moves": {
        "prefix": "am",
        "labels": {*MOVE_LABELS, NONE},
        "min_rows": 4000,
        "min_per_label": 250,
    },
    "customer_states": {
        "prefix": "cs",
        "labels": set(STATES),
        "min_rows": 1500,
        "min_per_label": 150,
    },
}
PRESENT = [name for name in SETS if (ROOT / "data" / name / "train.tsv").exists()]


def norm(text: str) -> str:
    """Same set of words, ignoring case, punctuation, word order and fillers: a duplicate."""
    words = set(re.sub(r"[\W_]+", " ", text.lower()).split()) - {"äh", "ähm", "öh", "hm", "mhm"}
    return " ".join(sorted(words))


def read(name: str, split: str) -> list[dict[str, str]]:
    path = ROOT / "data" / name / f"{split}.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == HEADER, f"{path.name}: header {lines[0]!r}"
    rows = []
    for lineno, line in enumerate(lines[1:], 2):
        fields = line.split("\t")
        assert len(fields) == 4, f"{path.name}:{lineno}: {len(fields)} fields"
        assert all(f.strip() == f and f for f in fields), (
            f"{path.name}:{lineno}: empty or padded field"
        )
        rows.append(dict(zip(HEADER, fields, strict=True)) | {"where": f"{path.name}:{lineno}"})
    return rows


def test_agent_moves_set_is_present():
    assert "agent_moves" in PRESENT


@pytest.mark.parametrize("name", PRESENT)
def test_data_labels_and_voices_come_from_the_vocabulary(name):
    spec = SETS[name]
    for split in ("train", "dev"):
        for row in read(name, split):
            labels = row["labels"].split(",")
            assert set(labels) <= spec["labels"], f"{row['where']}: {row['labels']}"
            assert len(set(labels)) == len(labels), f"{row['where']}: repeated label"
            assert "none" not in labels or labels == ["none"], f"{row['where']}: none with others"
            assert row["voice"] in VOICES, f"{row['where']}: voice {row['voice']}"


@pytest.mark.parametrize("name", PRESENT)
def test_data_ids_are_unique_and_well_formed(name):
    ids = [row["id"] for split in ("train", "dev") for row in read(name, split)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(rf"{SETS[name]['prefix']}-\d{{5}}", i) for i in ids)


@pytest.mark.parametrize("name", PRESENT)
def test_data_has_no_duplicate_texts_and_no_text_on_both_sides(name):
    train = [norm(row["text"]) for row in read(name, "train")]
    dev = [norm(row["text"]) for row in read(name, "dev")]
    repeated = [t for t, n in Counter(train + dev).items() if n > 1]
    assert not repeated, repeated[:5]
    assert not set(train) & set(dev)


@pytest.mark.parametrize("name", PRESENT)
def test_data_is_large_and_balanced_enough(name):
    spec = SETS[name]
    train, dev = read(name, "train"), read(name, "dev")
    rows = train + dev
    assert len(rows) >= spec["min_rows"]
    assert 0.10 <= len(dev) / len(rows) <= 0.20
    per_label = Counter(lab for row in rows for lab in row["labels"].split(","))
    per_label_dev = Counter(lab for row in dev for lab in row["labels"].split(","))
    for label in spec["labels"]:
        assert per_label[label] >= spec["min_per_label"], (label, per_label[label])
        assert per_label_dev[label] >= 20, (label, per_label_dev[label])
    assert {row["voice"] for row in rows} == VOICES
    assert {row["voice"] for row in dev} == VOICES


@pytest.mark.parametrize("name", PRESENT)
def test_data_files_are_built_from_the_batches(name, tmp_path):
    proc = subprocess.run(
        [sys.executable, str(BUILD), name, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    for split in ("train", "dev"):
        built = (tmp_path / f"{split}.tsv").read_text(encoding="utf-8")
        assert built == (ROOT / "data" / name / f"{split}.tsv").read_text(encoding="utf-8"), split


@pytest.mark.parametrize("name", PRESENT)
def test_data_readme_counts_match_the_files(name):
    readme = (ROOT / "data" / name / "README.md").read_text(encoding="utf-8")
    rows = read(name, "train") + read(name, "dev")
    per_label = Counter(lab for row in rows for lab in row["labels"].split(","))
    for label, n in per_label.items():
        assert re.search(rf"\| `{label}` \| {n} \|", readme), f"README count for {label} is not {n}"

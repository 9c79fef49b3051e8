"""The project's own sentiment lines beside the call-center data (issue 12): data/styles (other
genres and voices) and data/customer_text (customers' chat messages and texts about services).
Each is well formed, large and balanced as promised, keeps train and dev apart, never repeats a
line of another dev, test or behavioural set, matches the counts in its README, and is read by
the trainer as its own source."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import pytest

from tests.judged_lines import judged_lines, line_key
from toneprobe.sentiment.train_data import read_tsv, source_name

ROOT = Path(__file__).resolve().parents[1]
STYLES = ROOT / "data" / "styles"
CUSTOMER_TEXT = ROOT / "data" / "customer_text"
LINE_SETS = {"styles": STYLES, "customer_text": CUSTOMER_TEXT}
LABELS = ("positive", "negative", "neutral")
# the other sets a sentiment model is judged on: call-center data, the shared corpora's dev
# files, the out-of-domain dev sets (outside the repository; skipped where absent)
OTHER_SETS = [
    ROOT / "data" / "callcenter" / "dev.tsv",
    ROOT / "data" / "callcenter" / "train.tsv",
    ROOT / "data" / "callcenter" / "candidates.tsv",
    *sorted((ROOT.parent / "shared" / "data").glob("*_dev.tsv")),
    *sorted((ROOT.parent / "ood").glob("*.tsv")),
]


def _rows(folder: Path, split: str) -> list[tuple[str, str]]:
    lines = (folder / f"{split}.tsv").read_text(encoding="utf-8").split("\n")
    assert lines[0] == "label\ttext", split
    assert lines[-1] == "", f"{split}.tsv must end with one newline"
    out = []
    for n, line in enumerate(lines[1:-1], 2):
        cells = line.split("\t")
        assert len(cells) == 2, f"{folder.name}/{split}.tsv:{n}: expected label<TAB>text"
        label, text = cells
        assert label in LABELS, f"{folder.name}/{split}.tsv:{n}: label {label!r}"
        assert text and text == text.strip() and "  " not in text, f"{split}.tsv:{n}"
        out.append((label, text))
    return out


ROWS = {name: {s: _rows(folder, s) for s in ("train", "dev")} for name, folder in LINE_SETS.items()}


def _words(name: str) -> list[int]:
    return [len(t.split()) for _, t in ROWS[name]["train"] + ROWS[name]["dev"]]


@pytest.mark.parametrize("name", LINE_SETS)
def test_line_set_files_read_by_the_trainer_as_their_own_source(name):
    folder = LINE_SETS[name]
    for split in ("train", "dev"):
        data = read_tsv(folder / f"{split}.tsv", LABELS)
        assert list(zip(data.labels, data.texts, strict=True)) == ROWS[name][split]
        assert data.name == name
    assert source_name(folder / "train.tsv") == name


def test_styles_size_split_and_balance():
    train, dev = ROWS["styles"]["train"], ROWS["styles"]["dev"]
    total = len(train) + len(dev)
    assert total >= 1800
    assert 0.12 <= len(dev) / total <= 0.20
    for rows in (train, train + dev):
        share = {lab: n / len(rows) for lab, n in Counter(lab for lab, _ in rows).items()}
        assert set(share) == set(LABELS)
        assert all(0.25 <= s <= 0.42 for s in share.values()), share
    counts = Counter(lab for lab, _ in dev)
    assert all(counts[lab] >= 0.2 * len(dev) for lab in LABELS), counts


def test_styles_lengths_vary_from_one_word_to_long_texts():
    words = _words("styles")
    assert min(words) == 1 and max(words) <= 130
    assert sum(w == 1 for w in words) >= 20
    assert sum(w > 60 for w in words) >= 0.05 * len(words)
    # long texts sit on both sides of the split and carry all three verdicts
    for rows in ROWS["styles"].values():
        assert {lab for lab, t in rows if len(t.split()) > 60} == set(LABELS)


def test_customer_text_train_is_balanced_and_dev_keeps_the_chats_own_distribution():
    """Training lines are balanced by design; the dev split is whole chats, customer messages in
    order, so most of it is neutral (requests, answers, confirmations), as in real chats."""
    train, dev = ROWS["customer_text"]["train"], ROWS["customer_text"]["dev"]
    assert len(train) >= 1300 and len(dev) >= 900
    share = {lab: n / len(train) for lab, n in Counter(lab for lab, _ in train).items()}
    assert all(0.28 <= s <= 0.38 for s in share.values()), share
    counts = Counter(lab for lab, _ in dev)
    assert counts["neutral"] > counts["negative"] > 0.12 * len(dev)
    assert counts["positive"] > 0.12 * len(dev)


def test_customer_text_has_one_word_replies_and_long_messages():
    words = _words("customer_text")
    assert sum(w == 1 for w in words) >= 50  # "passt", "top", "ok", "hallo??"
    assert sum(w > 30 for w in words) >= 100
    # short verdicts carry all three labels: "top" is not "ok" is not "frechheit"
    short = {
        lab for split in ROWS["customer_text"].values() for lab, t in split if len(t.split()) == 1
    }
    assert short == set(LABELS)


@pytest.mark.parametrize("name", LINE_SETS)
def test_line_set_no_line_twice_within_or_across_train_and_dev(name):
    keys = [line_key(t) for _, t in ROWS[name]["train"] + ROWS[name]["dev"]]
    dupes = [k for k, n in Counter(keys).items() if n > 1]
    assert not dupes
    assert all(keys)


@pytest.mark.parametrize("name", LINE_SETS)
def test_line_set_no_overlap_with_other_dev_test_and_behavioural_sets(name):
    ours = {line_key(t): t for split in ROWS[name].values() for _, t in split}
    seen = judged_lines(OTHER_SETS)
    for other, splits in ROWS.items():  # nor a line of the other line set
        if other != name:
            for split, rows in splits.items():
                for _, text in rows:
                    seen.setdefault(line_key(text), f"{other}/{split}.tsv")
    clash = {ours[k]: seen[k] for k in ours.keys() & seen.keys()}
    assert not clash


@pytest.mark.parametrize("name", LINE_SETS)
def test_line_set_readme_counts_match_the_files(name):
    readme = (LINE_SETS[name] / "README.md").read_text(encoding="utf-8")
    for split, rows in ROWS[name].items():
        c = Counter(lab for lab, _ in rows)
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{split}.tsv` |"))
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[1:5] == [
            f"{len(rows):,}",
            f"{c['positive']:,}",
            f"{c['negative']:,}",
            f"{c['neutral']:,}",
        ], row


def _train_models():
    spec = importlib.util.spec_from_file_location(
        "train_models", ROOT / "scripts" / "train_models.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_trainer_reads_the_line_sets_as_sources_and_reports_their_dev_sets(tmp_path):
    """scripts/train_models.py trains on data/customer_text/train.tsv (source "customer_text",
    after "callcenter") and, with --train-styles, on data/styles/train.tsv ("styles"); both dev
    splits are reported as "customer_text_dev" and "styles_dev" with or without training."""
    tm = _train_models()
    cc = ROOT / "data" / "callcenter"
    train, dev = tm.sentiment_files(tmp_path, cc, STYLES, True, CUSTOMER_TEXT)
    assert [source_name(p) for p in train] == [
        "sb10k",
        "potts",
        "germeval2017",
        "callcenter",
        "customer_text",
        "styles",
    ]
    assert train[-1] == STYLES / "train.tsv"
    assert dev["styles_dev"] == STYLES / "dev.tsv"
    assert dev["customer_text_dev"] == CUSTOMER_TEXT / "dev.tsv"
    assert dev["callcenter_dev"] == cc / "dev.tsv"
    # the shipped recipe (no --train-styles): styles is not a training source, its dev reported
    train, dev = tm.sentiment_files(tmp_path, cc, STYLES, customer_text=CUSTOMER_TEXT)
    assert [source_name(p) for p in train][-2:] == ["callcenter", "customer_text"]
    assert dev["styles_dev"] == STYLES / "dev.tsv"
    # without a folder its source and dev set are left out (with a warning)
    train, dev = tm.sentiment_files(tmp_path, cc, tmp_path / "none", True, tmp_path / "nix")
    assert {"styles", "customer_text"}.isdisjoint(source_name(p) for p in train)
    assert not {"styles_dev", "customer_text_dev"} & dev.keys()

"""data/styles: the project's sentiment lines in other genres and voices (issue 12) are well
formed, large and balanced as promised, keep train and dev apart, never repeat a line of another
dev, test or behavioural set, and match the counts in their README."""

from __future__ import annotations

import csv
import importlib.util
import re
from collections import Counter
from pathlib import Path

from toneprobe.sentiment import checklist
from toneprobe.sentiment.train_data import read_tsv, source_name

ROOT = Path(__file__).resolve().parents[1]
STYLES = ROOT / "data" / "styles"
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


def _key(text: str) -> str:
    """Case, punctuation and spacing ignored: 'Top!' and 'top' are the same line."""
    return " ".join(re.findall(r"\w+", text.lower()))


def _rows(split: str) -> list[tuple[str, str]]:
    lines = (STYLES / f"{split}.tsv").read_text(encoding="utf-8").split("\n")
    assert lines[0] == "label\ttext", split
    assert lines[-1] == "", f"{split}.tsv must end with one newline"
    out = []
    for n, line in enumerate(lines[1:-1], 2):
        cells = line.split("\t")
        assert len(cells) == 2, f"{split}.tsv:{n}: expected label<TAB>text"
        label, text = cells
        assert label in LABELS, f"{split}.tsv:{n}: label {label!r}"
        assert text and text == text.strip() and "  " not in text, f"{split}.tsv:{n}"
        out.append((label, text))
    return out


TRAIN = _rows("train")
DEV = _rows("dev")


def test_styles_files_read_by_the_trainer_as_source_styles():
    for split, rows in (("train", TRAIN), ("dev", DEV)):
        data = read_tsv(STYLES / f"{split}.tsv", LABELS)
        assert list(zip(data.labels, data.texts, strict=True)) == rows
        assert data.name == "styles"
    assert source_name(STYLES / "train.tsv") == "styles"


def test_styles_size_split_and_balance():
    total = len(TRAIN) + len(DEV)
    assert total >= 1800
    assert 0.12 <= len(DEV) / total <= 0.20
    for rows in (TRAIN, TRAIN + DEV):
        share = {lab: n / len(rows) for lab, n in Counter(lab for lab, _ in rows).items()}
        assert set(share) == set(LABELS)
        assert all(0.25 <= s <= 0.42 for s in share.values()), share
    dev = Counter(lab for lab, _ in DEV)
    assert all(dev[lab] >= 0.2 * len(DEV) for lab in LABELS), dev


def test_styles_lengths_vary_from_one_word_to_long_texts():
    words = [len(t.split()) for _, t in TRAIN + DEV]
    assert min(words) == 1 and max(words) <= 130
    assert sum(w == 1 for w in words) >= 20
    assert sum(w > 60 for w in words) >= 0.05 * len(words)
    # long texts sit on both sides of the split and carry all three verdicts
    for rows in (TRAIN, DEV):
        assert {lab for lab, t in rows if len(t.split()) > 60} == set(LABELS)


def test_styles_no_line_twice_within_or_across_train_and_dev():
    keys = [_key(t) for _, t in TRAIN + DEV]
    dupes = [k for k, n in Counter(keys).items() if n > 1]
    assert not dupes
    assert all(keys)


def test_styles_no_overlap_with_other_dev_test_and_behavioural_sets():
    ours = {_key(t): t for _, t in TRAIN + DEV}
    seen: dict[str, str] = {}
    for case in checklist.load_suite().cases:
        for text in case.texts:
            seen.setdefault(_key(text), "behavioural suite")
    for path in OTHER_SETS:
        with path.open(encoding="utf-8") as fh:
            for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                if row:
                    seen.setdefault(_key(row[-1]), path.name)
    clash = {ours[k]: seen[k] for k in ours.keys() & seen.keys()}
    assert not clash


def test_styles_readme_counts_match_the_files():
    readme = (STYLES / "README.md").read_text(encoding="utf-8")
    for split, rows in (("train", TRAIN), ("dev", DEV)):
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


def test_styles_trainer_reads_train_as_source_and_reports_dev(tmp_path):
    """scripts/train_models.py --train-styles trains on data/styles/train.tsv as one more source
    ("styles", after "callcenter"); data/styles/dev.tsv is reported as the dev set "styles_dev"
    with or without it."""
    tm = _train_models()
    cc = ROOT / "data" / "callcenter"
    train, dev = tm.sentiment_files(tmp_path, cc, STYLES, train_on_styles=True)
    assert [source_name(p) for p in train] == [
        "sb10k",
        "potts",
        "germeval2017",
        "callcenter",
        "styles",
    ]
    assert train[-1] == STYLES / "train.tsv"
    assert dev["styles_dev"] == STYLES / "dev.tsv"
    assert dev["callcenter_dev"] == cc / "dev.tsv"
    # the shipped recipe (no --train-styles): not a training source, its dev set still reported
    train, dev = tm.sentiment_files(tmp_path, cc, STYLES)
    assert "styles" not in [source_name(p) for p in train]
    assert dev["styles_dev"] == STYLES / "dev.tsv"
    # without the folder the source and its dev set are left out (with a warning)
    train, dev = tm.sentiment_files(tmp_path, cc, tmp_path / "no-styles", train_on_styles=True)
    assert "styles" not in [source_name(p) for p in train]
    assert "styles_dev" not in dev

"""data/apologies (issue 13): the labelled apology sentences, their split, and the script that
measures how toneprobe finds apologies on them (scripts/apology_eval.py, run as a process)."""

from __future__ import annotations

import csv
import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data" / "apologies"
SCRIPT = REPO / "scripts" / "apology_eval.py"
VOICES = set(runpy.run_path(str(DATA / "split.py"))["VOICES"])  # the voices the guide names


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / f"{name}.tsv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


TUNE, TEST = _rows("tune"), _rows("test")


def _eval(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=600
    )


def test_apology_sets_are_large_balanced_and_split_60_40():
    rows = TUNE + TEST
    assert len(rows) >= 400
    assert 0.58 <= len(TUNE) / len(rows) <= 0.62
    assert len({r["id"] for r in rows}) == len(rows)
    assert not {r["text"] for r in TUNE} & {r["text"] for r in TEST}
    for part in (TUNE, TEST):
        positives = sum(r["apology"] == "1" for r in part)
        assert 0.4 <= positives / len(part) <= 0.6  # about half are near-misses
        assert {r["voice"] for r in part} == VOICES
        assert {r["role"] for r in part} == {"agent", "customer"}
        assert {r["apology"] for r in part} == {"0", "1"}
    # a customer's own apology is never the agent's apology
    assert all(r["apology"] == "0" for r in rows if r["role"] == "customer")


def test_apology_split_is_rebuilt_identically(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(DATA / "split.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    for name in ("tune", "test"):
        assert (tmp_path / f"{name}.tsv").read_bytes() == (DATA / f"{name}.tsv").read_bytes()


# real rows of tune.tsv, by id: an ownership in slang, a formal written apology, a courtesy
# opener, an apology-shaped refusal, an apology in quotes, and a customer's apology
FEW = ("ap-0061", "ap-0091", "ap-0028", "ap-0046", "ap-0033", "ap-0087")


@pytest.fixture(scope="module")
def few_rows(tmp_path_factory) -> tuple[Path, dict[str, dict[str, str]]]:
    by_id = {r["id"]: r for r in TUNE}
    assert set(FEW) <= set(by_id), "the rows the test reads moved out of tune.tsv"
    path = tmp_path_factory.mktemp("apologies") / "few.tsv"
    lines = ["id\tapology\trole\tvoice\ttext"]
    lines += [
        "\t".join(by_id[i][k] for k in ("id", "apology", "role", "voice", "text")) for i in FEW
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, {i: by_id[i] for i in FEW}


def test_apology_eval_scores_a_few_rows(few_rows):
    path, rows = few_rows
    proc = _eval(str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["n"] == len(FEW)
    assert report["positives"] == sum(r["apology"] == "1" for r in rows.values())
    for mode in ("rules", "model", "combined"):
        s = report["scores"][mode]
        assert s["tp"] + s["fn"] == report["positives"]
    errors = {e["id"] for e in report["errors"]}
    assert not errors, report["errors"]
    combined = report["scores"]["combined"]
    assert combined["f1"] == 1.0 and combined["fp"] == 0


def test_apology_eval_errors_list_rule_turn_and_words(few_rows, tmp_path):
    # the labels flipped: every row becomes an error, and each found apology names its rule,
    # its turn and words that stand in the row's text
    path, rows = few_rows
    flipped = tmp_path / "flipped.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split("\t")
        cells[1] = "0" if cells[1] == "1" else "1"
        out.append("\t".join(cells))
    flipped.write_text("\n".join(out) + "\n", encoding="utf-8")
    report = json.loads(_eval(str(flipped), "--json").stdout)
    assert {e["id"] for e in report["errors"]} == set(FEW)
    found = [e for e in report["errors"] if e["findings"]]
    assert {e["id"] for e in found} == {i for i, r in rows.items() if r["apology"] == "1"}
    for e in found:
        for f in e["findings"]:
            assert f["rule_id"].startswith(("respect.", "empathy.model."))
            assert f["turn"] == 0 and f["text"] in rows[e["id"]]["text"]


def test_apology_eval_bad_row_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("id\tapology\trole\tvoice\ttext\nap-1\tja\tagent\tasr\tdas tut mir leid\n")
    proc = _eval(str(bad))
    assert proc.returncode != 0
    assert f"{bad}:2:" in proc.stderr and "Traceback" not in proc.stderr

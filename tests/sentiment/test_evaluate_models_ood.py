"""``scripts/evaluate_models.py --ood DIR`` run as a process, as ``make evaluate-models`` does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from toneprobe.sentiment.embedded import EmbeddedBackend
from toneprobe.sentiment.ood import score_ood
from toneprobe.sentiment.train import format_ci, read_tsv

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "evaluate_models.py"

# Written for this test: short reviews (binary) and forum-style lines (three classes).
REVIEWS = [
    ("positive", "Der Becher hält den Kaffee stundenlang heiß, ich bin begeistert."),
    ("positive", "Schnell geliefert, funktioniert einwandfrei, klare Kaufempfehlung."),
    ("positive", "Riecht angenehm und wäscht wirklich sauber, gerne wieder."),
    ("negative", "Nach zwei Wochen war der Deckel undicht, völlig enttäuschend."),
    ("negative", "Die Tabs lösen sich nicht auf, das Geschirr bleibt schmutzig."),
    ("negative", "Billig verarbeitet und viel zu teuer, ich schicke es zurück."),
]
FORUM = [
    ("positive", "Danke für den Tipp, jetzt läuft alles wieder wunderbar!"),
    ("negative", "Seit dem Update stürzt die App ständig ab, echt ärgerlich."),
    ("neutral", "Welche Version habt ihr denn gerade installiert?"),
    ("neutral", "Der Termin wurde auf Donnerstag um zehn Uhr verschoben."),
    ("negative", "Der Support hat sich nie gemeldet, so eine Frechheit."),
]


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("label\ttext\n" + "".join(f"{lab}\t{t}\n" for lab, t in rows), "utf-8")
    return path


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )


@pytest.fixture(scope="module")
def ood_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("ood")
    _write(d / "reviews_de.tsv", REVIEWS)
    _write(d / "forum_de.tsv", FORUM)
    return d


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """The same run without --ood: the OOD table must not change its exit code."""
    return _run("--data", str(tmp_path_factory.mktemp("data")))


def _ood_rows(stdout: str) -> dict[str, list[str]]:
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("OOD sets ("))
    rows = {}
    for line in lines[start + 2 :]:
        if not line.strip() or line.startswith("binary sets:"):
            break
        name, *cells = line.split()
        rows[name] = cells
    return rows


def test_evaluate_models_ood_reports_every_set(ood_dir, baseline):
    res = _run("--data", str(ood_dir.parent / "no-data"), "--ood", str(ood_dir))
    assert res.returncode == baseline.returncode  # reported, never gating
    rows = _ood_rows(res.stdout)
    assert sorted(rows) == ["forum_de", "reviews_de"]
    # rows, classes; binary sets get a forced F1, three-class sets a dash; sets of a genre
    # without an issue-12 bar (these names are no known set) get a dash for the bar
    assert rows["reviews_de"][:3] == ["6", "2", "(p/n)"]
    assert rows["forum_de"][:2] == ["5", "3"]
    assert rows["forum_de"][6:] == ["-", "-"]
    assert 0.0 <= float(rows["reviews_de"][7]) <= 1.0
    assert rows["reviews_de"][8:] == ["-"]
    assert "a neutral answer is wrong" in res.stdout


@pytest.mark.parametrize("name", ["reviews_de", "forum_de"])
def test_evaluate_models_ood_figures_are_the_models(ood_dir, name):
    """The printed macro-F1, interval and ECE are those of the shipped model on the file."""
    data = read_tsv(ood_dir / f"{name}.tsv")
    s = score_ood(
        EmbeddedBackend(REPO / "models" / "sentiment-de").predict_proba(data.texts), data.labels
    )
    res = _run("--data", str(ood_dir.parent / "no-data"), "--ood", str(ood_dir))
    cells = _ood_rows(res.stdout)[name]
    offset = 1 if s.binary else 0  # "2 (p/n)" is two cells
    assert cells[2 + offset] == f"{s.macro_f1:.4f}"
    assert cells[3 + offset] == format_ci(s.ci95)
    assert cells[4 + offset] == f"{s.ece:.3f}"
    assert cells[5 + offset] == f"{s.neutral_rate:.1%}"


def test_evaluate_models_ood_bad_file_is_named_and_the_rest_reported(tmp_path, baseline):
    _write(tmp_path / "reviews_de.tsv", REVIEWS)
    _write(tmp_path / "mixed_de.tsv", [("gemischt", "Teils gut, teils schlecht.")])
    res = _run("--data", str(tmp_path / "no-data"), "--ood", str(tmp_path))
    assert res.returncode == baseline.returncode
    assert sorted(_ood_rows(res.stdout)) == ["reviews_de"]
    assert f"OOD set skipped: {tmp_path / 'mixed_de.tsv'}:2: unknown label 'gemischt'" in res.stderr
    assert "Traceback" not in res.stderr


def test_evaluate_models_ood_missing_dir_is_skipped_with_a_note(tmp_path, baseline):
    res = _run("--data", str(tmp_path / "no-data"), "--ood", str(tmp_path / "absent"))
    assert res.returncode == baseline.returncode
    assert f"OOD sets: {tmp_path / 'absent'} not found, skipped" in res.stdout
    assert "Traceback" not in res.stderr

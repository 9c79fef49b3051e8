"""``scripts/ood_sets.py`` run as a process on small git mirrors laid out like the real ones.

The mirrors hold sentences written for this test in each source's own file format.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "ood_sets.py"
sys.path.insert(0, str(REPO / "scripts"))

from ood_sets import looks_german  # noqa: E402

AMAZON = "\n".join(
    repr(row)
    for row in [
        (
            "Anna",
            "5.0 out of 5 stars",
            "\nHält den Tee den ganzen Tag heiß, ich bin sehr zufrieden.\n",
        ),
        ("Ben", "4,0 von 5 Sternen", "\nGuter Becher, nur der Deckel ist etwas schwergängig.\n"),
        (
            "Cem",
            "1.0 out of 5 stars",
            "\nLäuft schon nach einer Woche aus, leider nicht zu empfehlen.\n",
        ),
        (
            "Dora",
            "2,0 von 5 Sternen",
            "\nDie Tabs lösen sich nicht auf und das Glas bleibt trüb.\n",
        ),
        ("Eva", "3.0 out of 5 stars", "\nGanz okay, aber nichts Besonderes für den Preis.\n"),
        ("Finn", "5.0 out of 5 stars", "\nThe mug keeps my coffee hot for hours, great product.\n"),
        ("Gül", "1.0 out of 5 stars", "\nEs muy bonito pero pierde el calor muy rápido.\n"),
        # the same review twice (different case and spacing): kept once
        (
            "Anna",
            "5.0 out of 5 stars",
            "\nhält den Tee den ganzen  Tag heiß, ich bin sehr zufrieden.\n",
        ),
        # one text with two ratings: dropped
        ("Hans", "5.0 out of 5 stars", "\nDer Deckel ist nicht dicht.\n"),
        ("Ida", "1.0 out of 5 stars", "\nDer Deckel ist nicht dicht.\n"),
        # a text that is also training data: dropped
        ("Jan", "5.0 out of 5 stars", "\nVielen Dank, das hat mir sehr geholfen.\n"),
    ]
)

MELD_ROWS = [
    ("0", "0", "Das ist ja großartig, ich freue mich riesig!", "Rachel", "joy"),
    ("1", "0", "Lass mich einfach in Ruhe, ich hab genug.", "Ross", "anger"),
    ("2", "0", "Der Bus fährt um acht.", "Monica", "neutral"),
    ("3", "0", "Was, echt jetzt?", "Joey", "surprise"),
    ("4", "0", "NOT FOUND", "Phoebe", "sadness"),
    ("5", "0", "Mir ist so übel, das ist ekelhaft.", "Chandler", "disgust"),
]

XED = (
    "Ich bin so froh, dass du wieder da bist.\t5\n"
    "Ich vertraue dir, mein Freund.\t8, 2\n"
    "Verschwinde, du widerst mich an!\t1, 3\n"
    "Ich habe Angst vor morgen.\t4\n"
    "Was kommt wohl als Nächstes?\t2, 7\n"
    "Ich freue mich und bin zugleich traurig.\t5, 6\n"
)

SENTIANNO = [
    ("form", "Die Eröffnung der neuen Brücke wurde mit großer Freude gefeiert.", "9", "positive"),
    (
        "form",
        "Der Brand vernichtete das halbe Dorf und viele Familien verloren alles.",
        "11",
        "negative",
    ),
    ("form", "Die Sitzung des Landtages beginnt am Montag um zehn Uhr.", "10", "neutral"),
    ("form", "Der Minister lobte die Stadt, doch die Steuern stiegen erneut.", "10", "mixed"),
]


def _csv(header: list[str], rows: list[tuple[str, ...]], index: bool = False) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(([""] if index else []) + header)
    for i, row in enumerate(rows):
        w.writerow(([str(i)] if index else []) + list(row))
    return buf.getvalue()


def _git_repo(path: Path, files: dict[str, str]) -> None:
    path.mkdir(parents=True)
    for name, text in files.items():
        f = path / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text, encoding="utf-8")
    env = ["-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    subprocess.run(["git", "-C", str(path), "add", "."], check=True)
    subprocess.run(["git", "-C", str(path), *env, "commit", "-qm", "data"], check=True)


@pytest.fixture(scope="module")
def mirrors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mirrors")
    _git_repo(root / "madvx+NLP_22Z" / "repo", {"scrapped_data/thermal_mug/B0TEST.txt": AMAZON})
    meld = _csv(["sentence_id", "dialogue_id", "utterance_de", "speaker", "label"], MELD_ROWS)
    _git_repo(
        root / "a-rios+emotion_detection" / "repo",
        {
            "data/MELD_Friends_German/train_de.csv": meld,
            "data/MELD_Friends_German/dev_de.csv": _csv(
                ["sentence_id", "dialogue_id", "utterance_de", "speaker", "label"], []
            ),
            "data/MELD_Friends_German/test_de.csv": _csv(
                ["sentence_id", "dialogue_id", "utterance_de", "speaker", "label"], []
            ),
        },
    )
    _git_repo(root / "Helsinki-NLP+XED" / "repo", {"Projections/de-projections.tsv": XED})
    # SentiAnno is left out: the script must skip it with a note
    return root


@pytest.fixture(scope="module")
def built(mirrors: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    train = tmp_path_factory.mktemp("train")
    (train / "calls.tsv").write_text(
        "label\ttext\npositive\tVielen Dank, das hat mir sehr geholfen.\n", encoding="utf-8"
    )
    out = tmp_path_factory.mktemp("ood")
    res = subprocess.run(
        [sys.executable, str(SCRIPT), "--mirrors", str(mirrors), "--out", str(out)]
        + ["--train-data", str(train)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    return out, res.stderr


def _rows(path: Path) -> list[tuple[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "label\ttext"
    return [tuple(line.split("\t")) for line in lines[1:]]  # type: ignore[misc]


def test_ood_sets_amazon_stars_language_duplicates_conflicts_training(built):
    out, _ = built
    rows = _rows(out / "amazon_products_de.tsv")
    assert sorted(rows) == [
        ("negative", "Die Tabs lösen sich nicht auf und das Glas bleibt trüb."),
        ("negative", "Läuft schon nach einer Woche aus, leider nicht zu empfehlen."),
        ("positive", "Guter Becher, nur der Deckel ist etwas schwergängig."),
        ("positive", "Hält den Tee den ganzen Tag heiß, ich bin sehr zufrieden."),
    ]


def test_ood_sets_meld_emotions_become_sentiment(built):
    out, _ = built
    assert sorted(_rows(out / "meld_friends_de.tsv")) == [
        ("negative", "Lass mich einfach in Ruhe, ich hab genug."),
        ("negative", "Mir ist so übel, das ist ekelhaft."),
        ("neutral", "Der Bus fährt um acht."),
        ("positive", "Das ist ja großartig, ich freue mich riesig!"),
    ]


def test_ood_sets_xed_projected_emotions_become_binary(built):
    out, _ = built
    assert sorted(_rows(out / "xed_subtitles_de.tsv")) == [
        ("negative", "Ich habe Angst vor morgen."),
        ("negative", "Verschwinde, du widerst mich an!"),
        ("positive", "Ich bin so froh, dass du wieder da bist."),
        ("positive", "Ich vertraue dir, mein Freund."),
    ]


def test_ood_sets_readme_names_source_licence_counts_and_missing_mirror(built):
    out, stderr = built
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "| amazon_products_de.tsv | 4 | binary: positive 2 · negative 2 |" in readme
    assert "CC BY 4.0" in readme and "GPL-3.0" in readme
    assert "1 in training data" in readme
    assert "sentianno_news_de: NOT BUILT, no mirror of github.com/lucijakrusic/SentiAnno" in readme
    assert "skip sentianno_news_de" in stderr
    assert not (out / "sentianno_news_de.tsv").exists()


def test_ood_sets_sampling_is_capped_per_class_and_repeatable(mirrors, tmp_path):
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        subprocess.run(
            [sys.executable, str(SCRIPT), "--mirrors", str(mirrors), "--out", str(out)]
            + ["--max-rows", "2", "--only", "amazon_products_de", "--train-data", str(tmp_path)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        outs.append((out / "amazon_products_de.tsv").read_text(encoding="utf-8"))
    rows = outs[0].splitlines()[1:]
    assert sorted(r.split("\t")[0] for r in rows) == ["negative", "positive"]
    assert outs[0] == outs[1]


@pytest.mark.parametrize(
    ("text", "german"),
    [
        ("Der Becher ist dicht und hält lange warm.", True),
        ("Gut und wirksam", True),
        ("Für Geschirrspüler", True),
        ("Works great, the lid is very tight.", False),
        ("Es muy bonito pero pierde el calor.", False),
        ("Il est très bien, mais un peu cher.", False),
        ("Top", False),
    ],
)
def test_ood_sets_language_test(text, german):
    assert looks_german(text) is german

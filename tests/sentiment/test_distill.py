"""toneprobe.sentiment.distill and scripts/distill.py: a sentence-embedding teacher labels
transfer text, and only its confident answers become training rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from toneprobe.sentiment.distill import blend, encode, pseudo_labels, read_texts, write_rows
from toneprobe.sentiment.train import SENTIMENT_LABELS, read_tsv

REPO = Path(__file__).resolve().parents[2]

POSITIVE = [
    "Vielen Dank, das hat wunderbar geklappt.",
    "Super, jetzt funktioniert endlich alles.",
    "Ihre Kollegin war sehr freundlich und hilfsbereit.",
    "Das ging ja schnell, herzlichen Dank!",
    "Ich bin rundum zufrieden mit dem neuen Tarif.",
    "Prima, genau so habe ich mir das vorgestellt.",
]
NEGATIVE = [
    "Das ist eine Frechheit, ich warte seit drei Wochen.",
    "Schon wieder ist das Internet ausgefallen, ich bin echt sauer.",
    "Der Techniker ist einfach nicht gekommen, unmöglich.",
    "Ihre Rechnung ist falsch und keiner hilft mir.",
    "Ich bin total enttäuscht von Ihrem Service.",
    "So etwas Unverschämtes habe ich noch nie erlebt.",
]
NEUTRAL = [
    "Meine Kundennummer ist 4711 0815.",
    "Ich rufe wegen meiner Adresse an.",
    "Der Vertrag läuft auf meinen Mann.",
    "Können Sie mir die Nummer noch einmal durchgeben?",
    "Ich wohne in der Lindenstraße 12.",
    "Es geht um die Rechnung vom März.",
]


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    write_rows(rows, path)
    return path


@pytest.mark.parametrize(
    ("texts", "probs", "expected"),
    [
        (
            ["Das hat super geklappt.", "Ja, mal sehen."],
            [[0.9, 0.05, 0.05], [0.4, 0.3, 0.3]],  # the second answer is not confident
            [("positive", "Das hat super geklappt.")],
        ),
        (
            ["Das ist eine Frechheit.", "Das ist eine Frechheit."],
            [[0.1, 0.85, 0.05], [0.05, 0.05, 0.9]],  # a repeated text keeps its first answer
            [("negative", "Das ist eine Frechheit.")],
        ),
    ],
)
def test_distill_pseudo_labels_keep_confident_answers_once(texts, probs, expected) -> None:
    assert SENTIMENT_LABELS == ("positive", "negative", "neutral")
    rows = pseudo_labels(texts, np.array(probs), SENTIMENT_LABELS, min_confidence=0.8)
    assert rows == expected


def test_distill_blend_mixes_teacher_and_student() -> None:
    """Weight 1 is the teacher, 0 the student; in between, where the two disagree the mix
    follows the more confident one and every row stays a distribution."""
    teacher = np.array([[0.6, 0.3, 0.1], [0.2, 0.7, 0.1]])
    student = np.array([[0.1, 0.1, 0.8], [0.05, 0.9, 0.05]])
    assert np.allclose(blend(teacher, student, 1.0), teacher)
    assert np.allclose(blend(teacher, student, 0.0), student)
    mixed = blend(teacher, student, 0.5)
    assert np.allclose(mixed.sum(axis=1), 1.0)
    assert mixed[0].argmax() == 2  # the student is surer that the first text is neutral
    assert mixed[1].argmax() == 1 and mixed[1, 1] > teacher[1, 1]  # agreement sharpens
    with pytest.raises(ValueError):
        blend(teacher, student, 1.5)


def test_distill_read_texts_takes_the_text_column_of_the_agent_move_file() -> None:
    path = REPO / "data" / "agent_moves" / "train.tsv"
    texts = read_texts(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(texts) == len([line for line in lines[1:] if line.strip()])
    assert texts[0] == lines[1].split("\t")[-1]
    assert not any("\t" in t for t in texts)


def test_distill_write_rows_reads_back_as_training_data(tmp_path: Path) -> None:
    rows = [("positive", POSITIVE[0]), ("negative", NEGATIVE[0]), ("neutral", NEUTRAL[0])]
    d = read_tsv(_write(tmp_path / "transfer_train.tsv", rows))
    assert d.name == "transfer"  # the source name train_models.py --transfer trains it under
    assert list(zip(d.labels, d.texts, strict=True)) == rows


def test_distill_encode_caches_each_text_once(tmp_path: Path) -> None:
    texts = [POSITIVE[0], NEGATIVE[0], POSITIVE[0]]
    first = encode(texts, "use", tmp_path)
    assert first.shape == (3, 512)
    assert np.allclose(first[0], first[2])
    cache = tmp_path / "use.npz"
    with np.load(cache, allow_pickle=False) as z:
        assert len(z["keys"]) == 2  # two distinct texts
    again = encode([NEGATIVE[0]], "use", tmp_path)
    assert np.array_equal(again[0], first[1])


def test_distill_script_teacher_labels_transfer_text(tmp_path: Path) -> None:
    """The script as a process: a USE teacher fitted on a few German lines labels unseen
    praise and complaints; dev texts never become transfer rows."""
    data, cc = tmp_path / "data", tmp_path / "callcenter"
    rows = (
        [("positive", t) for t in POSITIVE]
        + [("negative", t) for t in NEGATIVE]
        + [("neutral", t) for t in NEUTRAL]
    )
    for name in ("sb10k_train", "potts_train", "germeval2017_dev", "sb10k_dev", "potts_dev"):
        _write(data / f"{name}.tsv", rows)
    _write(cc / "train.tsv", rows)
    _write(cc / "dev.tsv", [("negative", "Das ist mir zu teuer, ich kündige.")])
    transfer = tmp_path / "moves.tsv"
    transfer.write_text(
        "id\tlabels\tvoice\ttext\n"
        "x1\tnone\tphone\tHerzlichen Dank, Sie haben mir wirklich sehr geholfen!\n"
        "x2\tnone\tphone\tDas ist ja unverschämt, ich bin total wütend!\n"
        "x3\tnone\tphone\tDas ist mir zu teuer, ich kündige.\n",
        encoding="utf-8",
    )
    ood = tmp_path / "ood"
    _write(
        ood / "reviews_de.tsv",
        [
            ("positive", "Tolles Produkt, ich bin begeistert und sehr zufrieden."),
            ("positive", "Klasse Service, vielen Dank für die schnelle Hilfe!"),
            ("negative", "Totaler Mist, nach zwei Tagen kaputt, ich bin wütend."),
            ("negative", "Eine einzige Enttäuschung, nie wieder bei diesem Laden."),
        ],
    )
    out = tmp_path / "transfer_train.tsv"
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "distill.py"), "--encoder", "use",
         "--data", str(data), "--callcenter", str(cc), "--cache", str(tmp_path / "cache"),
         "--transfer", str(transfer), "--min-confidence", "0.5", "--C", "10",
         "--out", str(out), "--report", "--ood", str(ood)],
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert set(report) == {
        "encoder", "teacher_weight", "sb10k_dev", "potts_dev", "callcenter_dev", "reviews_de",
    }  # fmt: skip
    assert report["reviews_de"] == 1.0  # clear praise and complaints the teacher never saw
    got = dict(zip(read_tsv(out).texts, read_tsv(out).labels, strict=True))
    assert got["Herzlichen Dank, Sie haben mir wirklich sehr geholfen!"] == "positive"
    assert got["das ist ja unverschämt ich bin total wütend"] == "negative"  # ASR form
    assert "Das ist mir zu teuer, ich kündige." not in got  # a dev text

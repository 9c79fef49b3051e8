"""``scripts/evaluate_models.py`` run as a process on tiny models the test trains itself.

Every figure the script prints (dev macro-F1 with its bootstrap interval, the ASR-form share
with its Wilson interval, the out-of-domain rows with their bars, the behavioural suite's pass
rates per capability) is recomputed here from the same models and compared cell by cell, and
the exit code must follow the bars the printed figures meet or miss.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from toneprobe.sentiment import checklist
from toneprobe.sentiment.base import LABELS
from toneprobe.sentiment.embedded import EmbeddedBackend
from toneprobe.sentiment.metrics import format_ci, macro_f1, macro_f1_ci
from toneprobe.sentiment.offense import OffenseClassifier
from toneprobe.sentiment.ood import score_ood
from toneprobe.sentiment.train import Hyper, train_offense, train_sentiment
from toneprobe.sentiment.train_data import OFFENSE_LABELS, asr_form, read_tsv

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "evaluate_models.py"
CALLCENTER_DEV = REPO / "data" / "callcenter" / "dev.tsv"
STYLES_DEV = REPO / "data" / "styles" / "dev.tsv"
CUSTOMER_TEXT_DEV = REPO / "data" / "customer_text" / "dev.tsv"

# All sentences written for this test.
SENT_TRAIN = [
    ("positive", "Vielen Dank, Sie haben mir wirklich sehr geholfen!"),
    ("positive", "Super, jetzt läuft der Router endlich wieder."),
    ("positive", "Das war ein sehr freundliches Gespräch, danke schön."),
    ("positive", "Prima, genau so habe ich mir das vorgestellt."),
    ("positive", "toll dass das so schnell geklappt hat"),
    ("positive", "Herzlichen Dank für Ihre Geduld mit mir."),
    ("negative", "Das ist eine Unverschämtheit, ich warte seit drei Wochen."),
    ("negative", "Schon wieder ist die Abbuchung falsch, ich bin wütend."),
    ("negative", "Ihr Kundendienst ist wirklich eine Katastrophe."),
    ("negative", "ich bin total enttäuscht von ihrer firma"),
    ("negative", "Keiner ruft zurück, das ist doch eine Frechheit."),
    ("negative", "Ich kündige, so einen Ärger hatte ich noch nie."),
    ("neutral", "Meine Vertragsnummer lautet drei acht eins fünf."),
    ("neutral", "Einen kleinen Moment, ich sehe im System nach."),
    ("neutral", "Die Rechnung kommt immer am Monatsanfang."),
    ("neutral", "Können Sie mir Ihre Postleitzahl sagen?"),
    ("neutral", "ich rufe wegen der neuen adresse an"),
    ("neutral", "Der Techniker kommt am Dienstag zwischen acht und zwölf."),
]
SENT_DEV = {
    "sb10k_dev.tsv": [
        ("positive", "Heute war ein richtig schöner Tag im Park."),
        ("negative", "Die Bahn hat schon wieder Verspätung, so nervig."),
        ("neutral", "Morgen tagt der Stadtrat um neun Uhr."),
        ("positive", "Danke euch allen für die lieben Wünsche!"),
    ],
    "potts_dev.tsv": [
        ("negative", "Diese Debatte war eine einzige Enttäuschung."),
        ("positive", "Klasse Rede, endlich sagt es mal jemand."),
        ("neutral", "Die Wahllokale schließen um achtzehn Uhr."),
    ],
    "germeval2017_dev.tsv": [
        ("negative", "Der Zug fiel aus und niemand hat uns informiert."),
        ("neutral", "Die Strecke wird im Sommer erneuert."),
        ("positive", "Sehr freundliches Personal im Speisewagen, danke."),
    ],
}
OFFENSE_TRAIN = [
    ("OFFENSE", "Du bist so ein dämlicher Idiot."),
    ("OFFENSE", "Halt endlich die Klappe, du Vollpfosten."),
    ("OFFENSE", "Was für ein widerlicher Haufen Versager."),
    ("OFFENSE", "Ihr seid doch alle komplett bescheuert."),
    ("OTHER", "Ich finde die Entscheidung des Gerichts richtig."),
    ("OTHER", "Morgen soll es in Hamburg regnen."),
    ("OTHER", "Die Diskussion im Ausschuss war sachlich."),
    ("OTHER", "Wir treffen uns am Samstag im Verein."),
]
OFFENSE_DEV = [
    ("OFFENSE", "So ein dämlicher Versager, unfassbar."),
    ("OTHER", "Der Verein trifft sich am Sonntag."),
    ("OTHER", "Die Entscheidung war sachlich richtig."),
]
# named like the project's review set, so issue 12's review bar (0.70) applies
OOD_REVIEWS = [
    ("positive", "Die Thermoskanne hält den Tee den ganzen Tag warm, danke!"),
    ("positive", "Sehr gut verarbeitet, ich bin begeistert."),
    ("negative", "Der Deckel ist nach einer Woche gebrochen, eine Frechheit."),
    ("negative", "Leider völlig undicht, ich bin enttäuscht."),
]
OOD_DIALOGUE = [
    ("positive", "Oh, das ist ja wunderbar, ich freue mich so!"),
    ("negative", "Lass mich in Ruhe, ich bin stinksauer."),
    ("neutral", "Wo hast du die Schlüssel hingelegt?"),
]


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("label\ttext\n" + "".join(f"{lab}\t{t}\n" for lab, t in rows), "utf-8")
    return path


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("evalmodels")
    models, data, ood = base / "models", base / "data", base / "ood"
    hp = Hyper(C=10.0, min_df=1)
    train_sentiment(
        [_write(base / "train" / "calls_train.tsv", SENT_TRAIN)],
        {},
        models / "sentiment-de",
        hyper=hp,
        embeddings=False,
        cv_folds=2,
    )
    train_offense(
        [_write(base / "train" / "insults_train.tsv", OFFENSE_TRAIN)],
        {},
        models / "offense-de",
        hyper=hp,
        embeddings=False,
        cv_folds=2,
    )
    for name, rows in SENT_DEV.items():
        _write(data / name, rows)
    _write(data / "germeval2018_dev.tsv", OFFENSE_DEV)
    _write(ood / "amazon_products_de.tsv", OOD_REVIEWS)
    _write(ood / "dialogue_de.tsv", OOD_DIALOGUE)
    return {"models": models, "data": data, "ood": ood}


@pytest.fixture(scope="module")
def run(setup: dict[str, Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--data", str(setup["data"]), "--models",
         str(setup["models"]), "--ood", str(setup["ood"])],
        capture_output=True, text=True, cwd=REPO, timeout=600,
    )  # fmt: skip


def _block(stdout: str, title: str) -> list[str]:
    """The table lines after the line starting with ``title`` and the header row."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    out = []
    for line in lines[start + 2 :]:
        if not line.strip():
            break
        out.append(line)
    return out


def _dev_expected(setup: dict[str, Path]) -> dict[str, tuple[int, float, tuple[float, float]]]:
    be = EmbeddedBackend(setup["models"] / "sentiment-de")
    out = {}
    files = {
        "SB10k dev": setup["data"] / "sb10k_dev.tsv",
        "PotTS dev": setup["data"] / "potts_dev.tsv",
        "GermEval 2017 dev (relevant)": setup["data"] / "germeval2017_dev.tsv",
        "call-center dev": CALLCENTER_DEV,
        "customer chat dev": CUSTOMER_TEXT_DEV,
        "styles dev (other genres)": STYLES_DEV,
    }
    for name, path in files.items():
        d = read_tsv(path, LABELS)
        y = np.array([LABELS.index(lab) for lab in d.labels])
        pred = be.predict_proba(d.texts).argmax(axis=1)
        out[name] = (len(y), macro_f1(y, pred, 3), macro_f1_ci(y, pred, 3))
    d = read_tsv(setup["data"] / "germeval2018_dev.tsv", OFFENSE_LABELS)
    y = np.array([OFFENSE_LABELS.index(lab) for lab in d.labels])
    clf = OffenseClassifier(setup["models"] / "offense-de")
    pred = np.array(clf.is_offensive(d.texts), dtype=int)
    out["GermEval 2018 dev (OFFENSE/OTHER)"] = (
        len(y),
        macro_f1(y, pred, 2),
        macro_f1_ci(y, pred, 2),
    )
    return out


BARS = {
    "SB10k dev": 0.68,
    "PotTS dev": None,
    "GermEval 2017 dev (relevant)": 0.55,
    "call-center dev": 0.80,
    "customer chat dev": 0.75,
    "styles dev (other genres)": None,
    "GermEval 2018 dev (OFFENSE/OTHER)": 0.72,
}


def test_evaluate_models_prints_every_dev_set_with_interval_and_bar(setup, run):
    rows = _block(run.stdout, "dev sets (")
    expected = _dev_expected(setup)
    assert len(rows) == len(expected) == len(BARS)
    for line in rows:
        name = next(n for n in expected if line.startswith(n + " "))
        cells = line[len(name) :].split()
        n, f1, ci = expected[name]
        bar = BARS[name]
        assert cells[:3] == [str(n), f"{f1:.4f}", format_ci(ci)], name
        assert ci[0] <= f1 <= ci[1]
        assert cells[3] == ("-" if bar is None else f"{bar:.2f}")
        assert cells[4:6] == ["held", "out"]
        assert (cells[6:] == ["FAIL"]) == (bar is not None and f1 < bar), name


def test_evaluate_models_exit_code_follows_the_dev_bars_and_suite(setup, run):
    expected = _dev_expected(setup)
    dev_miss = any(b is not None and expected[n][1] < b for n, b in BARS.items())
    suite = checklist.load_suite()
    result = checklist.run_suite(suite, EmbeddedBackend(setup["models"] / "sentiment-de"))
    suite_miss = bool(checklist.misses(result, checklist.load_thresholds(suite)))
    failed = dev_miss or suite_miss
    assert run.returncode == (1 if failed else 0), run.stderr
    assert run.stdout.rstrip().endswith("FAIL: a bar was missed" if failed else "OK: all bars met")
    assert "Traceback" not in run.stderr


def test_evaluate_models_asr_share_with_wilson_interval(setup, run):
    be = EmbeddedBackend(setup["models"] / "sentiment-de")
    d = read_tsv(CALLCENTER_DEV, LABELS)
    written = be.predict_proba(d.texts).argmax(axis=1)
    spoken = be.predict_proba([asr_form(t) for t in d.texts]).argmax(axis=1)
    changed = int(np.sum(written != spoken))
    lo, hi = checklist.wilson(changed, len(d.texts))
    (line,) = _block(run.stdout, "ASR form (")
    share = changed / len(d.texts)
    assert line.split() == [
        "call-center",
        "dev",
        str(len(d.texts)),
        str(changed),
        f"{share:.1%}",
        f"{lo:.1%}-{hi:.1%}",
        "<=",
        "5%",
        "met" if share <= 0.05 else "above",
    ]


def test_evaluate_models_ood_rows_carry_the_genre_bar(setup, run):
    be = EmbeddedBackend(setup["models"] / "sentiment-de")
    lines = _block(run.stdout, "OOD sets (")
    assert lines[-1].startswith("binary sets: a neutral answer is wrong")  # the legend
    rows = {line.split()[0]: line.split()[1:] for line in lines[:-1]}
    assert sorted(rows) == ["amazon_products_de", "dialogue_de"]
    d = read_tsv(setup["ood"] / "amazon_products_de.tsv", LABELS)
    s = score_ood(be.predict_proba(d.texts), d.labels)
    cells = rows["amazon_products_de"]
    assert cells[:5] == ["4", "2", "(p/n)", f"{s.macro_f1:.4f}", format_ci(s.ci95)]
    assert cells[8:] == ["0.70", "met" if s.macro_f1 >= 0.70 else "below"]
    assert rows["dialogue_de"][-1] == "-"  # no bar for dialogue


def test_evaluate_models_suite_rates_per_capability_with_wilson(setup, run):
    suite = checklist.load_suite()
    result = checklist.run_suite(suite, EmbeddedBackend(setup["models"] / "sentiment-de"))
    lines = _block(run.stdout, "behavioural suite:")
    printed = {line.split()[0]: line.split()[1:] for line in lines}
    assert len(result.by_capability) >= 20
    assert len(printed) == len(result.by_capability)
    for rate in result.by_capability:
        lo, hi = checklist.wilson(rate.passed, rate.total)
        cells = printed[rate.name]
        assert cells[:4] == [
            rate.type,
            f"{rate.passed}/{rate.total}",
            f"{rate.rate:.2f}",
            f"{lo:.2f}-{hi:.2f}",
        ], rate.name

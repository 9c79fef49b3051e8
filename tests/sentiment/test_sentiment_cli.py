"""`toneprobe sentiment` and `toneprobe train` run as real processes (python -m toneprobe)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import types

import pytest
from cli import run_toneprobe

from toneprobe.commands.sentiment import iter_lines, metrics_rows, run_train
from toneprobe.errors import ConfigError, InputError

LINES = [
    "Vielen Dank, Sie haben mir sehr geholfen!",
    "",
    "Das ist eine Frechheit, ich will kündigen!!",
    "   ",
    "Der Zählerstand wird morgen abgelesen.",
    'Er sagte "nein", und dann war die Leitung tot.',
]
EXPECTED = ["positive", "neutral", "negative", "neutral", "neutral", "neutral"]


def toneprobe(*args: str, stdin: bytes | None = None, cwd=None):
    return run_toneprobe(*args, stdin=stdin, cwd=cwd, text=False, timeout=120)


def jsonl(stdout: bytes) -> list[dict]:
    return [json.loads(line) for line in stdout.decode("utf-8").splitlines()]


@pytest.mark.parametrize("source", [["-"], []])
def test_sentiment_cli_stdin(source):
    data = ("\n".join(LINES) + "\n").encode("utf-8")
    res = toneprobe("sentiment", *source, "--model", "fake", "--format", "jsonl", stdin=data)
    assert res.returncode == 0, res.stderr
    rows = jsonl(res.stdout)
    assert [r["text"] for r in rows] == LINES
    assert [r["label"] for r in rows] == EXPECTED
    assert [r.get("empty", False) for r in rows] == [not line.strip() for line in LINES]
    assert all(set(r["scores"]) == {"positive", "negative", "neutral"} for r in rows)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_sentiment_cli_file_with_empty_lines(tmp_path, newline):
    path = tmp_path / "utterances.txt"
    path.write_bytes(newline.join(["", *LINES, "", ""]).encode("utf-8"))
    res = toneprobe("sentiment", str(path), "--model", "fake", "--format", "jsonl")
    assert res.returncode == 0, res.stderr
    rows = jsonl(res.stdout)
    expected_lines = ["", *LINES, ""]  # the final line end adds no line
    assert len(rows) == len(expected_lines)
    assert [r["text"] for r in rows] == expected_lines
    assert rows[0]["empty"] and rows[-1]["empty"]
    assert not any(r.get("empty") for r in rows if r["text"].strip())


def test_sentiment_cli_csv_parses_and_quotes(tmp_path):
    path = tmp_path / "utterances.txt"
    path.write_text("\n".join(LINES), encoding="utf-8")
    res = toneprobe("sentiment", str(path), "--model", "fake", "--format", "csv")
    assert res.returncode == 0, res.stderr
    reader = csv.DictReader(io.StringIO(res.stdout.decode("utf-8"), newline=""))
    rows = list(reader)
    assert reader.fieldnames == ["text", "label", "positive", "negative", "neutral"]
    assert [r["text"] for r in rows] == LINES
    assert [r["label"] for r in rows] == EXPECTED
    for r in rows:
        total = sum(float(r[k]) for k in ("positive", "negative", "neutral"))
        assert abs(total - 1.0) < 1e-3


def test_sentiment_cli_text_argument_and_table():
    res = toneprobe("sentiment", "Das ist ja ganz toller Service.", "--model", "fake")
    assert res.returncode == 0, res.stderr
    out = res.stdout.decode("utf-8")
    assert "ganz toller Service" in out
    assert "negative" in out


def test_sentiment_cli_cp1252_file(tmp_path):
    path = tmp_path / "export.txt"
    path.write_bytes("Ärger über die Rechnung\r\nDanke für Ihre Geduld\r\n".encode("cp1252"))
    res = toneprobe("sentiment", str(path), "--model", "fake", "--format", "jsonl")
    assert res.returncode == 0, res.stderr
    rows = jsonl(res.stdout)
    assert [r["text"] for r in rows] == ["Ärger über die Rechnung", "Danke für Ihre Geduld"]
    assert [r["label"] for r in rows] == ["negative", "positive"]


def test_sentiment_cli_many_lines_keep_order(tmp_path):
    # more lines than one streamed chunk, so chunking must keep order and count
    lines = [
        f"Anruf {i}: " + ("danke" if i % 3 == 0 else "kündigen" if i % 3 == 1 else "")
        for i in range(2600)
    ]
    path = tmp_path / "many.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = toneprobe("sentiment", str(path), "--model", "fake", "--format", "jsonl")
    assert res.returncode == 0, res.stderr
    rows = jsonl(res.stdout)
    assert [r["text"] for r in rows] == lines
    assert [r["label"] for r in rows[:3]] == ["positive", "negative", "neutral"]


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["--model", "/gibt/es/nicht"], "no such file or directory"),
        (["--model", "{tmp}"], "directory has no usable model"),
        (["--model", "fake", "--label-map", "LABEL_0=positive"], "Hugging Face"),
    ],
)
def test_sentiment_cli_bad_model_exits_2_with_one_line(tmp_path, args, fragment):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    res = toneprobe("sentiment", "Guten Tag", *args, "--format", "jsonl")
    assert res.returncode == 2
    err = res.stderr.decode("utf-8")
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("Error: ")
    assert fragment in err
    assert "Traceback" not in err
    assert not res.stdout


def test_sentiment_cli_directory_as_input_exits_2(tmp_path):
    res = toneprobe("sentiment", str(tmp_path), "--model", "fake")
    assert res.returncode == 2
    assert "is a directory" in res.stderr.decode("utf-8")
    assert "Traceback" not in res.stderr.decode("utf-8")


def test_sentiment_cli_tiny_hf_model_with_label_map(tiny_hf_model, tmp_path):
    model = tiny_hf_model(("LABEL_0", "LABEL_1", "LABEL_2"))
    path = tmp_path / "utterances.txt"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    res = toneprobe(
        "sentiment", str(path), "--model", str(model), "--format", "jsonl", "--batch-size", "2",
        "--label-map", "LABEL_0=negative,LABEL_1=neutral,LABEL_2=positive",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    rows = jsonl(res.stdout)
    assert [r["text"] for r in rows] == LINES
    assert all(r["label"] in {"positive", "negative", "neutral"} for r in rows)
    assert [bool(r.get("empty")) for r in rows] == [not line.strip() for line in LINES]


def test_sentiment_cli_unmappable_labels_named_on_stderr(tiny_hf_model):
    model = tiny_hf_model(("LABEL_0", "LABEL_1", "LABEL_2"))
    res = toneprobe("sentiment", "Danke", "--model", str(model), "--format", "jsonl")
    assert res.returncode == 2
    err = res.stderr.decode("utf-8")
    assert "LABEL_0, LABEL_1, LABEL_2" in err
    assert len(err.strip().splitlines()) == 1, err
    assert not res.stdout
    res = toneprobe("sentiment", "Danke", "--model", str(model), "--label-map", "kaputt")
    assert res.returncode == 2
    assert res.stderr.decode("utf-8").startswith("Error: label map: expected MODEL_LABEL=")


@pytest.mark.parametrize("argv", [["--help"], ["sentiment", "--help"], ["train", "--help"]])
def test_sentiment_cli_help_imports_no_heavy_libraries(argv):
    code = (
        "import sys\n"
        f"sys.argv = ['toneprobe', *{argv!r}]\n"
        "from toneprobe.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('torch', 'transformers', 'spacy') if m in sys.modules]\n"
        "sys.stderr.write('HEAVY=' + ','.join(heavy) + '\\n')\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    err = res.stderr.decode("utf-8")
    assert "HEAVY=\n" in err, err
    assert b"Example" in res.stdout


@pytest.mark.parametrize(
    "text,lines",
    [
        ("a\nb\n", ["a", "b"]),
        ("a\r\n\r\nb", ["a", "", "b"]),
        ("a\rb\r", ["a", "b"]),
        ("\n\n", ["", ""]),
        ("", []),
        ("eins\u2028zwei", ["eins\u2028zwei"]),  # only LF/CR end a line
    ],
)
def test_sentiment_cli_iter_lines(text, lines):
    assert list(iter_lines(text)) == lines


def test_sentiment_cli_train_renders_metrics(monkeypatch, tmp_path, capsys):
    train_file = tmp_path / "train.tsv"
    dev_file = tmp_path / "dev.tsv"
    for f in (train_file, dev_file):
        f.write_text("label\ttext\npositive\tDanke!\nnegative\tFrechheit!\n", encoding="utf-8")
    calls = []

    def fake_train(train_files, dev_files, out_dir, seed=13, hyper=None):
        calls.append((train_files, dev_files, out_dir, seed, hyper))
        return {"dev": {"calls": {"macro_f1": 0.8123, "rows": 2, "cross_fitted": False}}}

    module = types.ModuleType("toneprobe.sentiment.train")
    module.train_sentiment = fake_train
    module.Hyper = dict  # records the keyword arguments
    monkeypatch.setitem(sys.modules, "toneprobe.sentiment.train", module)
    run_train([str(train_file)], dev=[f"calls={dev_file}"], output=tmp_path / "m", seed=7)
    run_train([str(train_file)], dev=[], output=tmp_path / "n", head=False)
    out, err = capsys.readouterr()
    assert json.loads(out.split("\n}\n")[0] + "}")["dev"]["calls"]["macro_f1"] == 0.8123
    assert "0.8123" in err and "calls" in err
    assert calls == [
        (
            [train_file],
            {"calls": dev_file},
            tmp_path / "m",
            7,
            {"head_hidden": 64, "experts": True},
        ),
        ([train_file], {}, tmp_path / "n", 13, {"head_hidden": 0, "experts": False}),
    ]


@pytest.mark.parametrize("dev", [["calls"], ["=x.tsv"], ["calls=/gibt/es/nicht.tsv"]])
def test_sentiment_cli_train_rejects_bad_dev(tmp_path, dev):
    train_file = tmp_path / "train.tsv"
    train_file.write_text("positive\tDanke!\n", encoding="utf-8")
    with pytest.raises((ConfigError, InputError)):
        run_train([str(train_file)], dev=dev, output=tmp_path / "m")


def test_sentiment_cli_train_missing_file_exits_2(tmp_path):
    res = toneprobe("train", str(tmp_path / "fehlt.tsv"), "--output", str(tmp_path / "m"))
    assert res.returncode == 2
    assert "fehlt.tsv" in res.stderr.decode("utf-8")
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    "result,expected",
    [
        ({"dev": {"a": {"macro_f1": 0.5, "flag": True}}}, [("a", {"macro_f1": 0.5})]),
        ({"metrics": {"a": 0.7}}, [("a", {"value": 0.7})]),
        ({"other": 1}, []),
    ],
)
def test_sentiment_cli_metrics_rows(result, expected):
    assert metrics_rows(result) == expected


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "table"])
def test_sentiment_cli_closed_pipe_exits_0(tmp_path, fmt):
    # `toneprobe sentiment big.txt | head -1`: far more output than a pipe buffer holds
    path = tmp_path / "big.txt"
    path.write_text("Vielen Dank für Ihre Hilfe heute am Telefon\n" * 4000, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "toneprobe", "sentiment", str(path), "-m", "fake", "--format", fmt],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8")
    assert proc.wait(timeout=60) == 0, err
    assert "Traceback" not in err


def test_sentiment_cli_default_model(tmp_path):
    # no --model: the embedded model shipped in models/ (run from another directory)
    data = ("\n".join(LINES) + "\n").encode("utf-8")
    res = toneprobe("sentiment", "-", "--format", "jsonl", stdin=data, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    rows = jsonl(res.stdout)
    assert [r["text"] for r in rows] == LINES
    assert [bool(r.get("empty")) for r in rows] == [not line.strip() for line in LINES]
    assert rows[0]["label"] == "positive"  # "Vielen Dank, Sie haben mir sehr geholfen!"
    assert rows[2]["label"] == "negative"  # "Das ist eine Frechheit, ich will kündigen!!"

"""toneprobe.toml / [tool.toneprobe]: discovery, validation with file and key, --min."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli import run_toneprobe

from toneprobe.config import Config, find_config, load_config, parse_min_options
from toneprobe.errors import ConfigError


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_config_found_upward_from_working_directory(tmp_path: Path, monkeypatch) -> None:
    _write(tmp_path / "toneprobe.toml", "[thresholds]\nhangup_f1 = 0.8\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    config = load_config()
    assert config.thresholds.hangup_f1 == 0.8
    assert config.source is not None and config.source.endswith("toneprobe.toml")


def test_config_pyproject_tool_table(tmp_path: Path) -> None:
    _write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n[tool.toneprobe.aliases]\n"J. Krüger" = "Jana Krüger"\n'
        "[tool.toneprobe.redaction]\naddress = false\n",
    )
    found = find_config(tmp_path)
    assert found == (tmp_path / "pyproject.toml", "tool.toneprobe")
    config = load_config(start=tmp_path)
    assert config.canonical_agent("j. krüger") == "Jana Krüger"
    assert "address" not in config.redaction.options().kinds


def test_config_pyproject_without_table_is_skipped(tmp_path: Path) -> None:
    _write(tmp_path / "toneprobe.toml", "[weights]\nrespect = 0.5\n")
    _write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "x"\n')
    config = load_config(start=tmp_path / "sub")
    assert config.weights.as_dict() == {"respect": 0.5}


def test_config_defaults_without_file(tmp_path: Path) -> None:
    config = load_config(start=tmp_path)
    assert config == Config()
    assert config.redaction.enabled
    assert not config.thresholds.as_dict()


@pytest.mark.parametrize(
    "text,message",
    [
        (
            '[thresholds]\ndeescalation_f1 = "hoch"\n',
            "toneprobe.toml: thresholds.deescalation_f1: Input should be a valid number",
        ),
        ("[thresholds]\nhangup_f2 = 0.7\n", "toneprobe.toml: thresholds.hangup_f2: unknown key"),
        ("[colours]\nagent = 'blau'\n", "toneprobe.toml: colours: unknown key"),
        ("[weights]\nrespect = 1.5\n", "toneprobe.toml: weights.respect: Input should be less"),
        ('[redaction]\nphone = "ja"\n', "toneprobe.toml: redaction.phone: Input should be a valid"),
        ("[roles]\nagent = 'Berater'\n", "toneprobe.toml: roles.agent: Input should be a valid"),
        ("[thresholds\n", "toneprobe.toml: invalid TOML"),
    ],
)
def test_config_error_names_file_and_key(
    tmp_path: Path, monkeypatch, text: str, message: str
) -> None:
    _write(tmp_path / "toneprobe.toml", text)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as err:
        load_config()
    assert str(err.value).startswith(message), str(err.value)


def test_config_explicit_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "ci.toml", "[thresholds]\nagent_spearman = 0.8\n")
    assert load_config(path).thresholds.agent_spearman == 0.8
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")


def test_config_pyproject_error_names_tool_prefix(tmp_path: Path) -> None:
    path = _write(tmp_path / "pyproject.toml", "[tool.toneprobe.thresholds]\nhangup_f1 = []\n")
    with pytest.raises(ConfigError, match=r"tool\.toneprobe\.thresholds\.hangup_f1"):
        load_config(path)


@pytest.mark.parametrize(
    "values,expected",
    [
        (["deescalation_f1=0.75"], {"deescalation_f1": 0.75}),
        (["hangup_f1=0.7", "agent_spearman=0.8"], {"hangup_f1": 0.7, "agent_spearman": 0.8}),
        ([], {}),
    ],
)
def test_config_min_options(values: list[str], expected: dict[str, float]) -> None:
    assert parse_min_options(values) == expected


@pytest.mark.parametrize(
    "value,message",
    [("deescalation_f1", "expected NAME=VALUE"), ("f1=0.5", "unknown threshold"),
     ("hangup_f1=viel", "not a number"), ("hangup_f1=3", "between -1 and 1")],
)  # fmt: skip
def test_config_min_options_errors(value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_min_options([value])


def test_config_word_lists_are_toml_arrays(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "toneprobe.toml",
        '[roles]\nagent = ["Disponent(in)"]\ncustomer = ["Fahrgast"]\n'
        '[redaction]\nkeep_names = ["Stadtwerke Musterstadt"]\n',
    )
    config = load_config(str(path))
    assert config.roles.agent == ("Disponent(in)",)
    assert config.roles.customer == ("Fahrgast",)
    assert config.redaction.keep_names == ("Stadtwerke Musterstadt",)
    bad = _write(tmp_path / "bad.toml", '[roles]\nagent = ["Disponentin", 3]\n')
    with pytest.raises(ConfigError, match=r"roles\.agent"):
        load_config(str(bad))


CALL = """\
Disponentin: Verkehrsbetriebe Nordstadt, Sie sprechen mit Frau Albers, was kann ich für Sie tun?
Fahrgast: Mein Bus ist heute schon wieder nicht gekommen, ich stehe seit vierzig Minuten hier.
Disponentin: Das tut mir leid. Ich schaue sofort nach, welche Linie Sie nehmen wollten.
Fahrgast: Die 14 Richtung Hauptbahnhof.
Disponentin: Die Linie 14 fällt wegen einer Baustelle aus, der Ersatzbus kommt in fünf Minuten.
Fahrgast: Na gut, danke.
"""


def _toneprobe(*args: str, cwd: Path):
    return run_toneprobe(*args, cwd=cwd, timeout=120)


def test_config_roles_make_speaker_labels_agent_and_customer(tmp_path: Path) -> None:
    """Without [roles] the labels look like names and the agent is called "Disponentin";
    with them, the labels are roles and the agent's name comes from her self-introduction."""
    import json

    _write(tmp_path / "calls" / "bus.txt", CALL)
    plain = _toneprobe("convert", "calls/bus.txt", cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert json.loads(plain.stdout)["agent"] == "Disponentin"

    _write(
        tmp_path / "toneprobe.toml", '[roles]\nagent = ["Disponent(in)"]\ncustomer = ["Fahrgast"]\n'
    )
    conv = _toneprobe("convert", "calls/bus.txt", cwd=tmp_path)
    assert conv.returncode == 0, conv.stderr
    doc = json.loads(conv.stdout)
    assert doc["agent"] == "Frau Albers" and doc["customer"] is None
    assert [t["role"] for t in doc["turns"]] == ["agent", "customer"] * 3

    # the same in a two-worker batch (the labels reach the worker processes) and in explain
    for i in range(3):
        _write(tmp_path / "calls" / f"bus{i}.txt", CALL)
    score = _toneprobe("score", "calls", "-F", "jsonl", "-j", "2", "--model", "fake", cwd=tmp_path)
    assert score.returncode == 0, score.stderr
    rows = [json.loads(line) for line in score.stdout.splitlines()]
    assert len(rows) == 4
    assert {r["agent"] for r in rows} == {"Frau Albers"}
    assert {r["roles"]["method"] for r in rows} == {"explicit"}
    explain = _toneprobe("explain", "calls/bus.txt", "--model", "fake", cwd=tmp_path)
    assert explain.returncode == 0, explain.stderr
    assert "Frau Albers" in explain.stdout


def test_config_weights_reach_the_worker_processes(tmp_path: Path) -> None:
    """score -j 2 sums components with the configured weights, exactly like -j 1."""
    import json

    samples = Path(__file__).resolve().parents[1] / "sample_transcripts" / "json"

    def scores(*extra: str) -> list[float]:
        proc = _toneprobe("score", str(samples), "-F", "jsonl", "--model", "fake", "-q", *extra,
                          cwd=tmp_path)  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return [json.loads(line)["empathy_score"] for line in proc.stdout.splitlines()]

    default = scores("-j", "1")
    _write(
        tmp_path / "toneprobe.toml",
        "[weights]\nrespect = 1.0\ndeescalation = 0.0\nhangup = 0.0\nempathy = 0.0\n",
    )
    serial, pooled = scores("-j", "1"), scores("-j", "2")
    assert serial == pooled
    assert serial != default  # the configured weights did change the scores

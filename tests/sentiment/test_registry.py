"""How a --model value picks a backend (toneprobe.sentiment.registry)."""

from __future__ import annotations

import pytest

from toneprobe.errors import ConfigError, ModelError
from toneprobe.sentiment import load_backend
from toneprobe.sentiment.registry import BACKENDS, get_backend, is_embedded_dir


def test_registry_lists_exactly_three_backends():
    assert sorted(BACKENDS) == ["embedded", "fake", "hf"]


@pytest.mark.parametrize("name", [None, "default", "embedded"])
def test_registry_default_is_embedded(name):
    pytest.importorskip("toneprobe.sentiment.embedded")
    backend = get_backend(name)
    assert type(backend).__name__ == "EmbeddedBackend"
    assert not backend._loaded


def test_registry_embedded_directory(tmp_path):
    pytest.importorskip("toneprobe.sentiment.embedded")
    for name in ("model.json", "vocab.json", "weights.npz"):
        (tmp_path / name).write_bytes(b"")
    assert is_embedded_dir(tmp_path)
    backend = load_backend(str(tmp_path))
    assert type(backend).__name__ == "EmbeddedBackend"
    assert backend.path == tmp_path


@pytest.mark.parametrize("present", [(), ("model.json",), ("model.json", "vocab.json")])
def test_registry_incomplete_directory_is_not_a_model(tmp_path, present):
    for name in present:
        (tmp_path / name).write_text("{}", encoding="utf-8")
    assert not is_embedded_dir(tmp_path)
    with pytest.raises(ModelError, match="directory has no usable model"):
        load_backend(str(tmp_path))


def test_registry_file_is_not_a_model(tmp_path):
    path = tmp_path / "modell.bin"
    path.write_bytes(b"\x00\x01")
    with pytest.raises(ModelError, match="not a directory"):
        load_backend(str(path))


@pytest.mark.parametrize("value", ["bert-base-german", "./nicht/da", "Fake"])
def test_registry_unknown_name_says_no_such_file(value):
    with pytest.raises(ModelError) as exc:
        load_backend(value)
    assert str(exc.value).startswith(f"model '{value}': no such file or directory")


def test_registry_hf_by_name_needs_path():
    with pytest.raises(ConfigError):
        get_backend("hf")


@pytest.mark.parametrize("option", [{"label_map": "LABEL_0=positive"}, {"max_length": 12}])
def test_registry_hf_only_options_rejected_for_fake(option):
    with pytest.raises(ConfigError, match="Hugging Face"):
        load_backend("fake", **option)


def test_registry_general_options_are_dropped_when_not_taken():
    # batch_size is passed by the CLI whatever the backend; FakeBackend takes no options
    assert load_backend("fake", batch_size=8, threads=None).predict(["Danke!"])[0].label == (
        "positive"
    )

"""Model weights memory-mapped from ``weights.npz`` (weights.py): the very arrays np.load
gives, read-only, and a model saved again in place leaves a running process's weights alone."""

from __future__ import annotations

import mmap
import zipfile
from pathlib import Path

import numpy as np
import pytest

from toneprobe.sentiment.embedded import load_linear
from toneprobe.sentiment.weights import load_weights

MODELS = Path(__file__).resolve().parents[2] / "models"
SHIPPED = ["sentiment-de", "agent-moves-de", "customer-states-de", "offense-de"]


def mapped(a: np.ndarray) -> bool:
    base = a
    while base is not None and not isinstance(base, mmap.mmap):
        base = getattr(base, "base", None)
    return isinstance(base, mmap.mmap)


@pytest.mark.parametrize("model", SHIPPED)
def test_shipped_weights_equal_np_load_and_the_large_ones_are_mapped(model: str) -> None:
    path = MODELS / model / "weights.npz"
    got = load_weights(path)
    with np.load(path, allow_pickle=False) as z:
        assert sorted(got) == sorted(z.files)
        for name in z.files:
            want = z[name]
            assert got[name].dtype == want.dtype and got[name].shape == want.shape
            assert np.array_equal(got[name], want), name
            assert type(got[name]) is np.ndarray  # a plain array, not np.memmap
            assert mapped(got[name]) == (want.nbytes >= 1 << 20), name
            if mapped(got[name]):
                assert not got[name].flags.writeable


def test_layouts_and_dtypes_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    arrays = {
        "c_order": rng.normal(size=(700, 300)).astype(np.float32),
        "fortran": np.asfortranarray(rng.normal(size=(300, 500))),
        "half": rng.normal(size=(5000, 128)).astype(np.float16),
        "ints": np.arange(400_000, dtype=np.int32),
        "small": np.array([1.5, 2.5]),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }
    path = tmp_path / "weights.npz"
    np.savez(path, **arrays)
    got = load_weights(path, mmap_min_bytes=1024)
    for name, want in arrays.items():
        assert np.array_equal(got[name], want) and got[name].dtype == want.dtype, name
        assert got[name].flags.f_contiguous == want.flags.f_contiguous or want.ndim < 2
    assert mapped(got["c_order"]) and mapped(got["fortran"]) and mapped(got["half"])
    assert not mapped(got["small"]) and not mapped(got["empty"])


def test_compressed_members_are_read_into_memory(tmp_path: Path) -> None:
    path = tmp_path / "weights.npz"
    want = np.arange(1_000_000, dtype=np.float32)
    np.savez_compressed(path, coef=want)
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("coef.npy").compress_type == zipfile.ZIP_DEFLATED
    got = load_weights(path)
    assert np.array_equal(got["coef"], want) and not mapped(got["coef"])


def test_object_arrays_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "weights.npz"
    np.savez(path, names=np.array([{"x": 1}] * 200_000, dtype=object))
    with pytest.raises(ValueError):
        load_weights(path, mmap_min_bytes=1024)


def test_a_model_loads_the_same_mapped_or_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [
        "Das ist ja wohl eine Frechheit, schon wieder keine Rückmeldung!",
        "Vielen Dank, das hat mir sehr geholfen.",
        "Meine Kundennummer ist 4711.",
    ]
    mapped_model, _ = load_linear(MODELS / "sentiment-de")
    assert mapped(mapped_model.coef)
    from toneprobe.sentiment import weights

    monkeypatch.setattr(weights, "MMAP_MIN_BYTES", 1 << 62)
    monkeypatch.setattr(
        "toneprobe.sentiment.embedded.load_weights",
        lambda p: weights.load_weights(p, mmap_min_bytes=1 << 62),
    )
    in_memory, _ = load_linear(MODELS / "sentiment-de")
    assert not mapped(in_memory.coef)
    assert np.array_equal(mapped_model.predict_proba(texts), in_memory.predict_proba(texts))


def test_saving_again_in_place_leaves_a_loaded_model_alone(tmp_path: Path) -> None:
    """train.py writes weights.npz beside and renames it: a process that mapped the old file
    keeps the old bytes (writing into the mapped file would change them under it)."""
    from toneprobe.sentiment.train import save_model

    model, _ = load_linear(MODELS / "agent-moves-de")
    out = tmp_path / "moves"
    save_model(model, out, "agent_moves", 0.5, {})
    loaded, _ = load_linear(out)
    assert mapped(loaded.coef)
    before = np.array(loaded.coef)
    model.coef = np.zeros_like(model.coef)
    save_model(model, out, "agent_moves", 0.5, {})
    assert np.array_equal(loaded.coef, before)
    again, _ = load_linear(out)
    assert not again.coef.any()
    assert sorted(p.name for p in out.iterdir() if "tmp" in p.name) == []


def test_a_mapped_table_hashes_to_the_same_key_read_from_its_file() -> None:
    """shared_table keys vector tables by content; for a mapped table the bytes are read
    from the file (its pages stay out of memory), and the key is the one of the same
    table in memory, so the move and state models still share one table object."""
    import json

    from toneprobe.sentiment.features import table_key
    from toneprobe.sentiment.weights import _mapped_file

    words = json.loads((MODELS / "agent-moves-de" / "vocab.json").read_text("utf-8"))["emb_words"]
    got = load_weights(MODELS / "agent-moves-de" / "weights.npz")["emb_vectors"]
    with np.load(MODELS / "agent-moves-de" / "weights.npz") as z:
        in_memory = z["emb_vectors"]
    assert _mapped_file(got) is not None and _mapped_file(in_memory) is None
    assert _mapped_file(got[1:]) is None  # a part of a mapping is hashed from memory
    pooling = ("mean", "max", "min")
    assert table_key(words, got, pooling) == table_key(words, in_memory, pooling)
    states = load_weights(MODELS / "customer-states-de" / "weights.npz")["emb_vectors"]
    assert table_key(words, states, pooling) == table_key(words, got, pooling)
    changed = np.array(in_memory)
    changed[5, 3] += 1
    assert table_key(words, changed, pooling) != table_key(words, got, pooling)


def test_mapping_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONEPROBE_MMAP_WEIGHTS", "0")
    got = load_weights(MODELS / "sentiment-de" / "weights.npz")
    assert not any(mapped(a) for a in got.values())
    monkeypatch.setenv("TONEPROBE_MMAP_WEIGHTS", "1")
    assert mapped(load_weights(MODELS / "sentiment-de" / "weights.npz")["coef"])


def test_npy_format_3_members_are_read_by_np_load(tmp_path: Path) -> None:
    """Format 3.0 headers are UTF-8 (field names beyond Latin-1): left to np.load."""
    path = tmp_path / "weights.npz"
    arr = np.zeros(300_000, dtype=[("ä", np.float32)])
    with zipfile.ZipFile(path, "w") as zf, zf.open("table.npy", "w") as fh:
        np.lib.format.write_array(fh, arr, version=(3, 0))
    got = load_weights(path, mmap_min_bytes=1024)["table"]
    assert got.dtype.names == ("ä",) and not mapped(got)


def test_a_table_renamed_over_after_mapping_hashes_what_was_mapped(tmp_path: Path) -> None:
    """update_hash reads a mapped array's file only while it is the file that was mapped."""
    import hashlib
    import os

    from toneprobe.sentiment.weights import update_hash

    path = tmp_path / "weights.npz"
    np.savez(path, v=np.ones(500_000, dtype=np.float32))
    arr = load_weights(path)["v"]
    assert mapped(arr)
    np.savez(tmp_path / "new.npz", v=np.full(500_000, 2, dtype=np.float32))
    os.replace(tmp_path / "new.npz", path)
    h = hashlib.sha256()
    update_hash(h, arr)
    assert h.hexdigest() == hashlib.sha256(np.ones(500_000, dtype=np.float32).tobytes()).hexdigest()


def _resident_kb(path: Path) -> int:
    """Resident kB of this process's mappings of ``path`` (Linux /proc/self/smaps)."""
    total, current = 0, False
    with open("/proc/self/smaps", encoding="utf-8") as fh:
        for line in fh:
            head = line.split()
            if head and "-" in head[0] and len(head) >= 5 and ":" in head[3]:
                current = line.rstrip("\n").endswith(str(path))
            elif current and line.startswith("Rss:"):
                total += int(head[1])
    return total


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="Linux /proc only")
def test_released_pages_are_no_longer_resident_and_the_values_stay(tmp_path: Path) -> None:
    # what the fork server does after warming up: it reads weights, then stops mapping them
    from toneprobe.sentiment.weights import release_mapped_pages

    big = np.arange(3 << 20, dtype=np.float32).reshape(-1, 1024)  # 12 MB
    path = tmp_path / "weights.npz"
    np.savez(path, coef=big)
    arrays = load_weights(path)
    assert isinstance(arrays["coef"].base, np.memmap)
    assert float(arrays["coef"].sum(dtype=np.float64)) == float(big.sum(dtype=np.float64))
    assert _resident_kb(path) >= 10_000  # every page read is mapped
    assert release_mapped_pages() >= 1
    assert _resident_kb(path) < 200
    np.testing.assert_array_equal(arrays["coef"], big)  # read again from the page cache

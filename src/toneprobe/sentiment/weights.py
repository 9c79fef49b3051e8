"""Read a model's ``weights.npz`` with its large arrays memory-mapped from the file.

``np.savez`` stores each array as an uncompressed ``.npy`` member of a zip file, so the bytes
of every array lie in one piece in the file. Mapped read-only (``np.memmap`` at the member's
data offset) instead of read into memory, an array's pages come from the operating system's
page cache when they are first read: every process that scores (a pool's workers, several
``toneprobe`` runs at once) shares one copy of the weights, and a process holds only the pages
it has read (a fork server that loads the models and scores one probe call holds almost
none). The values are the very bytes ``np.load`` would give; only where they live differs.

Compressed members, small ones and files that are not zip files are read with ``np.load`` as
before; object arrays are refused (``allow_pickle=False``).
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

#: arrays smaller than this are read into memory (a page or two; not worth a mapping)
MMAP_MIN_BYTES = 1 << 20
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")  # a zip member's local file header
_LOCAL_SIG = 0x04034B50


def load_weights(path: Path, mmap_min_bytes: int = MMAP_MIN_BYTES) -> dict[str, np.ndarray]:
    """``{name: array}`` of an ``.npz`` file; large uncompressed members are read-only
    memory maps, the rest are in-memory arrays. Raises ``ValueError``/``OSError`` on a bad
    file (as ``np.load`` does)."""
    path = Path(path)
    with np.load(path, allow_pickle=False) as z:
        names = list(z.files)
        mapped = _mappable(path, mmap_min_bytes)
        return {k: mapped[k] if k in mapped else z[k] for k in names}


def _mappable(path: Path, mmap_min_bytes: int) -> dict[str, np.ndarray]:
    """Memory maps of the members that are stored uncompressed and large enough."""
    out: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as zf, path.open("rb") as fh:
        for info in zf.infolist():
            if (
                info.compress_type != zipfile.ZIP_STORED
                or info.file_size < mmap_min_bytes
                or not info.filename.endswith(".npy")
            ):
                continue
            fh.seek(info.header_offset)
            fields = _LOCAL_HEADER.unpack(fh.read(_LOCAL_HEADER.size))
            if fields[0] != _LOCAL_SIG:
                raise ValueError(f"{path}: {info.filename}: bad zip member header")
            name_len, extra_len = fields[9], fields[10]
            fh.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
            if dtype.hasobject:
                raise ValueError(f"{path}: {info.filename}: object arrays are not allowed")
            offset = fh.tell()
            size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            end = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
            if offset + size > end + info.file_size or size == 0:
                continue  # not laid out as expected: np.load reads it
            mm = np.memmap(
                path, dtype=dtype, mode="r", offset=offset, shape=shape,
                order="F" if fortran else "C",
            )  # fmt: skip
            out[info.filename[: -len(".npy")]] = mm.view(np.ndarray)
    return out


def update_hash(h: Any, arr: np.ndarray) -> None:
    """Feed the bytes of ``arr`` (C order) to the hash ``h``. An array that :func:`load_weights`
    mapped is read from its file in chunks instead, so that hashing it (``shared_table`` keys
    vector tables by content) does not bring its pages into this process's memory."""
    source = _mapped_file(arr)
    if source is None:
        h.update(np.ascontiguousarray(arr).view(np.uint8).reshape(-1).data)
        return
    path, offset = source
    with open(path, "rb") as fh:
        fh.seek(offset)
        left = arr.nbytes
        while left:
            chunk = fh.read(min(left, 1 << 20))
            if not chunk:
                raise OSError(f"{path}: shorter than the array mapped from it")
            h.update(chunk)
            left -= len(chunk)


def _mapped_file(arr: np.ndarray) -> tuple[str, int] | None:
    """(file, offset) when ``arr`` is the whole of a read-only file mapping, C-contiguous."""
    base: Any = arr
    while base is not None and not isinstance(base, np.memmap):
        base = base.base
    if base is None or base.mode != "r" or base.filename is None:
        return None
    same = (
        arr.flags.c_contiguous
        and arr.nbytes == base.nbytes
        and arr.__array_interface__["data"][0] == base.__array_interface__["data"][0]
    )
    return (base.filename, int(base.offset)) if same else None

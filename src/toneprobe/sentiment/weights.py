"""Read a model's ``weights.npz`` with its large arrays memory-mapped from the file.

``np.savez`` stores each array as an uncompressed ``.npy`` member of a zip file, so the bytes
of every array lie in one piece in the file. Mapped read-only (``np.memmap`` at the member's
data offset) instead of read into memory, an array's pages come from the operating system's
page cache when they are first read: every process that scores (a pool's workers, several
``toneprobe`` runs at once) shares one copy of the weights, and a process holds only the pages
it has read (a fork server that loads the models and scores one probe call holds almost
none). The values are the very bytes ``np.load`` would give; only where they live differs.

A mapped file must not be rewritten in place while a process uses it (``cp`` over it,
``rsync --inplace``): the process would read the new bytes or stop with SIGBUS. Replace a model
by writing the new file beside it and renaming it over the old one, as ``train.py`` does: a
running process keeps the old file's bytes. ``TONEPROBE_MMAP_WEIGHTS=0`` reads every array
into memory instead (e.g. for models on a network file system that others rewrite).

Compressed members, small ones, ``.npy`` format 3.0 and files that are not zip files are read
with ``np.load`` as before; object arrays are refused (``allow_pickle=False``).
"""

from __future__ import annotations

import mmap
import os
import struct
import weakref
import zipfile
from pathlib import Path
from typing import IO, Any

import numpy as np

#: arrays smaller than this are read into memory (a page or two; not worth a mapping)
MMAP_MIN_BYTES = 1 << 20
MMAP_ENV = "TONEPROBE_MMAP_WEIGHTS"
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")  # a zip member's local file header
_LOCAL_SIG = 0x04034B50
_IDENTITY = "_toneprobe_file_identity"  # set on each np.memmap made here
_MAPPINGS: list[weakref.ref[np.memmap]] = []  # every np.memmap made here (arrays are unhashable)


def load_weights(path: Path, mmap_min_bytes: int | None = None) -> dict[str, np.ndarray]:
    """``{name: array}`` of an ``.npz`` file; large uncompressed members are read-only
    memory maps, the rest are in-memory arrays. Raises ``ValueError``/``OSError`` on a bad
    file (as ``np.load`` does). Every array comes from the one file opened here, even if the
    path is renamed over meanwhile."""
    path = Path(path)
    if mmap_min_bytes is None:
        off = os.environ.get(MMAP_ENV, "1").strip().lower() in ("0", "no", "false", "off")
        mmap_min_bytes = -1 if off else MMAP_MIN_BYTES
    with path.open("rb") as fh, np.load(fh, allow_pickle=False) as z:
        names = list(z.files)
        mapped = _mappable(fh, str(path), mmap_min_bytes) if mmap_min_bytes >= 0 else {}
        return {k: mapped[k] if k in mapped else z[k] for k in names}


def _mappable(fh: IO[bytes], name: str, mmap_min_bytes: int) -> dict[str, np.ndarray]:
    """Memory maps of the members that are stored uncompressed and large enough."""
    out: dict[str, np.ndarray] = {}
    identity = _file_identity(fh)
    with zipfile.ZipFile(fh) as zf:
        infos = zf.infolist()
    for info in infos:
        if (
            info.compress_type != zipfile.ZIP_STORED
            or info.file_size < mmap_min_bytes
            or not info.filename.endswith(".npy")
        ):
            continue
        fh.seek(info.header_offset)
        fields = _LOCAL_HEADER.unpack(fh.read(_LOCAL_HEADER.size))
        if fields[0] != _LOCAL_SIG:
            raise ValueError(f"{name}: {info.filename}: bad zip member header")
        data_start = info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10]
        fh.seek(data_start)
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            continue  # format 3.0 (utf-8 field names): np.load reads it
        if dtype.hasobject:
            raise ValueError(f"{name}: {info.filename}: object arrays are not allowed")
        offset = fh.tell()
        size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if offset + size > data_start + info.file_size or size == 0:
            continue  # not laid out as expected: np.load reads it
        mm = np.memmap(
            fh, dtype=dtype, mode="r", offset=offset, shape=shape, order="F" if fortran else "C"
        )
        setattr(mm, _IDENTITY, identity)
        _MAPPINGS[:] = [ref for ref in _MAPPINGS if ref() is not None]
        _MAPPINGS.append(weakref.ref(mm))
        out[info.filename[: -len(".npy")]] = mm.view(np.ndarray)
    return out


def release_mapped_pages() -> int:
    """Stop mapping the pages this process has read from the weights it mapped (Linux
    ``madvise(MADV_DONTNEED)``; elsewhere nothing happens); returns the number of mappings.

    The values stay where they are (in the page cache, or on disk): the next read maps the
    page again. For the fork server, which reads weights while it warms the models up: the
    kernel maps the cached pages around every page read (fault-around), so with the models in
    the page cache it ended up mapping most of them, counted in its resident set although it
    never scores a call; its workers read what they need themselves."""
    advice = getattr(mmap, "MADV_DONTNEED", None)
    released = 0
    for ref in list(_MAPPINGS):
        raw = getattr(ref(), "_mmap", None)
        if advice is None or raw is None:
            continue
        try:
            raw.madvise(advice)
        except (OSError, ValueError):  # closed, or the platform refuses: keep the pages
            continue
        released += 1
    return released


def _file_identity(fh: IO[bytes]) -> tuple[int, ...]:
    """What tells an open file from another one at the same path (device, inode, size, mtime)."""
    st = os.fstat(fh.fileno())
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def update_hash(h: Any, arr: np.ndarray) -> None:
    """Feed the bytes of ``arr`` (C order) to the hash ``h``. An array that :func:`load_weights`
    mapped is read from its file in chunks instead, so that hashing it (``shared_table`` keys
    vector tables by content) does not bring its pages into this process's memory; if the
    file at that path is no longer the one mapped, the mapping is read after all."""
    source = _mapped_file(arr)
    if source is not None:
        path, offset, identity = source
        try:
            with open(path, "rb") as fh:
                if _file_identity(fh) == identity:
                    _hash_file(h, fh, offset, arr.nbytes)
                    return
        except OSError:
            pass
    h.update(np.ascontiguousarray(arr).view(np.uint8).reshape(-1).data)


def _hash_file(h: Any, fh: IO[bytes], offset: int, n: int) -> None:
    fh.seek(offset)
    while n:
        chunk = fh.read(min(n, 1 << 20))
        if not chunk:
            raise OSError("the file is shorter than the array mapped from it")
        h.update(chunk)
        n -= len(chunk)


def _mapped_file(arr: np.ndarray) -> tuple[str, int, tuple[int, ...]] | None:
    """(file, offset, identity) when ``arr`` is the whole of a mapping made here, C order."""
    base: Any = arr
    while base is not None and not isinstance(base, np.memmap):
        base = base.base
    identity = getattr(base, _IDENTITY, None)
    if base is None or identity is None or base.filename is None:
        return None
    same = (
        arr.flags.c_contiguous
        and arr.nbytes == base.nbytes
        and arr.__array_interface__["data"][0] == base.__array_interface__["data"][0]
    )
    return (base.filename, int(base.offset), identity) if same else None


def write_weights(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` to ``path`` as ``np.savez`` does (uncompressed: the large ones can be
    mapped), into a file beside it that is then renamed over ``path``: a process that has the
    old file mapped keeps reading the old bytes."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}-{os.getpid()}.tmp.npz")
    np.savez(tmp, **arrays)  # type: ignore[arg-type]
    tmp.replace(path)

"""File utilities every stage shares: hashing, atomic writes, JSON, and the one deterministic zip writer.

Outputs are written atomically (a temporary file beside the target, then a rename) so a reader never
sees half a file, and zips are deterministic (fixed dates and modes, stable member order) so the same
content gives the same bytes.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Iterable

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))


_SYNC_LATER = contextvars.ContextVar("sync_later", default=False)


@contextlib.contextmanager
def sync_later():
    """Writes inside skip their own fsync: they are staged files, which `sync_filesystem` makes durable
    all at once before they are moved into place (one flush instead of one per file)."""
    token = _SYNC_LATER.set(True)
    try:
        yield
    finally:
        _SYNC_LATER.reset(token)


def sync_filesystem(folder: Path) -> None:
    """Flush everything written to `folder`'s file system to disk (Linux: syncfs; elsewhere: sync)."""
    import ctypes
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        os.sync()
        return
    try:
        syncfs = getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None)
        if syncfs is None or syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


def _atomic(path: Path, write) -> None:
    """Call `write(fh)` on a temporary file beside `path`, then rename it into place (fsynced, unless
    inside `sync_later`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            if not _SYNC_LATER.get():
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically: readers never see half a file."""
    _atomic(path, lambda fh: fh.write(data))


def write_json(path: Path, data: dict) -> None:
    write_atomic(path, (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8"))


def read_json(path: Path) -> dict | None:
    """The JSON object in `path`, or None when it is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_zip(members: dict[str, bytes] | Iterable[tuple[str, bytes]], dst: Path, *, mode: int = 0o644,
              level: int | None = None, first: str | None = None) -> None:
    """A deterministic zip at `dst`, atomically: fixed dates and modes, names sorted (`first` first)."""
    items = dict(members)
    names = sorted(items, key=lambda n: (n != first, n))

    def write(fh) -> None:
        with zipfile.ZipFile(fh, "w") as out:
            for name in names:
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3
                info.external_attr = (0o100000 | mode) << 16
                out.writestr(info, items[name], compresslevel=level)
    _atomic(dst, write)

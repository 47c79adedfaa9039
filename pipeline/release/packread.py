"""Reading a sealed pack (folder or zip) without trusting it.

A pack to verify may come from anywhere, so before anything is read: a zip with too many members, a member
whose declared size or compression ratio is beyond any sealed pack (a zip bomb), or a name that could
write outside a folder when unpacked (absolute, `..`, a backslash, a drive letter) or a symlink, is refused
with one line naming it. Members are then hashed in chunks, never read whole into memory, and a member
that inflates beyond its declared size is refused too. The limits are module constants.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
import zipfile
import zlib
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pipeline.errors import ArchiveError

SEAL = "seal.json"
MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 1 << 30
"""1 GiB uncompressed per member: a submission pack PDF is tens of MB."""
MAX_TOTAL_BYTES = 4 << 30
MAX_RATIO = 100
"""Uncompressed / compressed size; PDFs and .docx hardly compress, YAML about tenfold."""
RATIO_FLOOR = 1 << 20
"""The ratio is only checked for members larger than this (small text files may compress very well)."""
CHUNK = 1 << 20
_DRIVE = re.compile(r"^[A-Za-z]:")


class UnsafePack(ArchiveError):
    """A pack that cannot be trusted to be read: a zip bomb, an unsafe member name, a corrupt zip."""

    exit_code = 1


@dataclass(frozen=True)
class ZipMember:
    zip: Path
    info: zipfile.ZipInfo


Member = Path | ZipMember


@dataclass
class Pack:
    path: Path
    record: dict
    seal_sha256: str
    """sha256 of seal.json: the fingerprint to keep outside the pack."""
    members: dict[str, Member]
    """Everything but seal.json, by its path in the seal."""


def unsafe_name(name: str) -> str | None:
    """Why a member name could land outside the folder it is unpacked into, or None."""
    if name.startswith("/") or _DRIVE.match(name):
        return "an absolute path"
    if "\\" in name:
        return "a backslash"
    if "\x00" in name:
        return "a NUL character"
    if ".." in name.split("/"):
        return "a '..' component"
    return None


def _zip_members(path: Path) -> dict[str, ZipMember]:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnsafePack(f"{path} is not a readable zip: {exc}") from exc
    if len(infos) > MAX_MEMBERS:
        raise UnsafePack(f"{path} has {len(infos)} members, more than {MAX_MEMBERS}: refused (not a sealed pack)")
    members: dict[str, ZipMember] = {}
    total = 0
    for info in infos:
        name = info.filename
        why = unsafe_name(name)
        if why is None and stat.S_ISLNK(info.external_attr >> 16):
            why = "a symbolic link"
        if why is None and name in members:
            why = "a name that appears twice"
        if why is None and info.flag_bits & 0x1:
            why = "encryption"
        if why:
            raise UnsafePack(f"{path}: member {name!r} has {why}: refused")
        if info.is_dir():
            continue
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES or \
                (info.file_size > RATIO_FLOOR and ratio > MAX_RATIO):
            raise UnsafePack(f"{path}: member {name!r} declares {info.file_size:,} bytes from {info.compress_size:,} "
                             f"(limits: {MAX_MEMBER_BYTES:,} a member, {MAX_TOTAL_BYTES:,} in all, ratio {MAX_RATIO}): "
                             "refused as a possible zip bomb")
        members[name] = ZipMember(path, info)
    tops = {n.split("/", 1)[0] for n in members}
    strip = len(tops) == 1 and all("/" in n for n in members)
    return {(n.split("/", 1)[1] if strip else n): m for n, m in members.items()}


def _folder_members(path: Path) -> dict[str, Path]:
    members = {}
    for p in sorted(path.rglob("*")):
        if p.is_symlink():
            raise UnsafePack(f"{path}: {p.relative_to(path).as_posix()} is a symbolic link: refused")
        if p.is_file():
            members[p.relative_to(path).as_posix()] = p
    return members


def chunks(member: Member, zf: zipfile.ZipFile | None = None) -> Iterator[bytes]:
    """The member's bytes in chunks; a zip member that inflates beyond its declared size is refused."""
    if isinstance(member, Path):
        with open(member, "rb") as fh:
            yield from iter(lambda: fh.read(CHUNK), b"")
        return
    name, limit = member.info.filename, min(member.info.file_size, MAX_MEMBER_BYTES)
    try:
        with (nullcontext(zf) if zf else zipfile.ZipFile(member.zip)) as archive, archive.open(member.info) as fh:
            seen = 0
            while chunk := fh.read(CHUNK):
                seen += len(chunk)
                if seen > limit:
                    raise UnsafePack(f"{member.zip}: member {name!r} inflates beyond its declared "
                                     f"{member.info.file_size:,} bytes: refused as a possible zip bomb")
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError) as exc:
        raise UnsafePack(f"{member.zip}: member {name!r} cannot be read: {exc}") from exc


def member_sha(member: Member, zf: zipfile.ZipFile | None = None) -> str:
    digest = hashlib.sha256()
    for chunk in chunks(member, zf):
        digest.update(chunk)
    return digest.hexdigest()


def member_bytes(member: Member) -> bytes:
    return b"".join(chunks(member))


def open_zip(path: Path) -> zipfile.ZipFile | None:
    """One open zip to hash many members from (its members are hashed without reopening it)."""
    return zipfile.ZipFile(path) if path.is_file() else None


def read_pack(path: Path | str) -> Pack:
    """seal.json of a sealed folder or zip and the other members, after the safety checks above."""
    path = Path(path)
    if path.is_dir():
        members: dict[str, Member] = dict(_folder_members(path))
    elif path.is_file() and zipfile.is_zipfile(path):
        members = dict(_zip_members(path))
    else:
        raise ArchiveError(f"{path} is neither a sealed folder nor a zip")
    entry = members.pop(SEAL, None)
    if entry is None:
        raise ArchiveError(f"{path} is not a sealed pack: it has no {SEAL}")
    data = member_bytes(entry)
    try:
        record = json.loads(data)
        record["files"] = [{"path": str(e["path"]), "sha256": str(e["sha256"])} for e in record["files"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ArchiveError(f"{SEAL} in {path} is unreadable: {exc}") from exc
    return Pack(path, record, hashlib.sha256(data).hexdigest(), members)

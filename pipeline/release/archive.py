"""Sealed versions: a successful build plus its inputs, frozen under archive/<id>/<version>/ and as a zip.

    archive/<id>/<version>/      manifest.json, word/*.docx, pdf/*.pdf, <id>-submission-pack.pdf,
                                 inputs/sources/..., inputs/templates/..., seal.json   (read-only)
    archive/<id>/<version>.zip   the same files under <id>-<version>/, byte-identical for identical content

`seal.json` lists every sealed file with its sha256; `verify` recomputes them. The sha256 of seal.json is
the pack's fingerprint: `seal` prints it to be recorded outside the pack (board minutes, the e-mail to the
HKMA), and `verify --fingerprint` catches a pack whose files and seal.json were rewritten consistently.
Nothing is ever overwritten: an existing version is refused, and a failed seal leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipeline.errors import ArchiveError
from pipeline.files import sha256_bytes, sha256_file, write_zip as write_deterministic_zip
from pipeline.release.packread import SEAL, UnsafePack, member_sha, open_zip, read_pack
from pipeline.release.manifest import MANIFEST, read_manifest
from pipeline.project import Project

INPUTS = "inputs"
VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,40}$")


@dataclass(frozen=True)
class Sealed:
    folder: Path
    zip: Path
    files: int
    """Number of files sealed (seal.json not counted)."""
    fingerprint: str
    """sha256 of seal.json, which lists every sealed file's sha256: to record outside the pack."""


@dataclass
class Verification:
    path: Path
    verified: int = 0
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    fingerprint: str = ""
    """sha256 of the pack's seal.json."""
    expected_fingerprint: str | None = None
    refused: str | None = None
    """Why the pack was not read at all (zip bomb, unsafe member name, unreadable zip)."""

    @property
    def fingerprint_matches(self) -> bool:
        return self.expected_fingerprint is None or self.expected_fingerprint == self.fingerprint

    @property
    def ok(self) -> bool:
        return not (self.changed or self.added or self.removed or self.refused) and self.fingerprint_matches

    def lines(self) -> list[str]:
        if self.refused:
            return [f"FAILED: {self.refused}"]
        out = [f"changed: {p}" for p in self.changed] + [f"added: {p}" for p in self.added]
        out += [f"removed: {p}" for p in self.removed]
        if out:
            return out + [f"FAILED: {len(out)} difference(s) from {SEAL} in {self.path}"]
        if not self.fingerprint_matches:
            return [f"FAILED: {SEAL} in {self.path} does not match the recorded fingerprint: the pack was changed "
                    f"after it was sealed (its sha256 is {self.fingerprint}, not {self.expected_fingerprint})"]
        matched = ", fingerprint matches" if self.expected_fingerprint else ""
        return [f"ok: {self.verified} files verified in {self.path}{matched}"]


def input_path(rel: str) -> str:
    """Where a source or template listed in the manifest (relative to the project) sits in a seal."""
    parts = [p for p in PurePosixPath(rel.replace(os.sep, "/")).parts if p not in ("/", "..", ".")]
    return str(PurePosixPath(INPUTS, *parts))


def sealed_files(project: Project, manifest: dict, build_dir: Path) -> dict[str, tuple[Path, str]]:
    """{path in the seal: (file to copy, sha256 the manifest promises)} for outputs and inputs."""
    files = {e["path"]: (build_dir / e["path"], e["sha256"]) for e in manifest.get("outputs", [])}
    for e in manifest.get("sources", []) + manifest.get("templates", []):
        src = Path(e["path"]) if Path(e["path"]).is_absolute() else project.root / e["path"]
        files[input_path(e["path"])] = (src, e["sha256"])
    return files


def seal(project: Project, arrangement_id: str, version: str) -> Sealed:
    if not VERSION.match(version or ""):
        raise ArchiveError(f"version {version!r} is not allowed: use letters, digits, '.', '_' or '-' "
                           "(up to 41 characters, starting with a letter or digit)")
    if project.archive == project.build or project.build in project.archive.parents:
        raise ArchiveError(f"the archive {project.archive} is inside build/, which `make clean` deletes")
    build_dir = project.build / arrangement_id
    manifest = read_manifest(build_dir)
    if not build_dir.is_dir():
        raise ArchiveError(f"no build of {arrangement_id!r} at {build_dir}: run `regpack build` first")
    if manifest is None:
        raise ArchiveError(f"{build_dir / MANIFEST} is missing or unreadable: the build did not finish; rebuild")
    if manifest.get("arrangement") not in (None, arrangement_id):
        raise ArchiveError(f"{build_dir / MANIFEST} describes {manifest['arrangement']!r}, not {arrangement_id!r}")
    target_parent = project.archive / arrangement_id
    folder, zip_path = target_parent / version, target_parent / f"{version}.zip"
    _refuse_existing(folder, zip_path, arrangement_id, version)

    files = sealed_files(project, manifest, build_dir)
    problems = []
    for rel, (src, expected) in sorted(files.items()):
        if not src.is_file():
            problems.append(f"{rel}: listed in the manifest but missing ({src})")
        elif sha256_file(src) != expected:
            what = "changed since the build" if rel.startswith(INPUTS + "/") else "modified after the build"
            problems.append(f"{rel}: {what} (sha256 differs from {MANIFEST})")
    if problems:
        raise ArchiveError(f"refusing to seal {arrangement_id} {version}: rebuild first\n  " + "\n  ".join(problems))

    target_parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".sealing-{version}-", dir=target_parent))
    zip_tmp = None
    try:
        files[MANIFEST] = (build_dir / MANIFEST, "")
        hashes = {}
        for rel, (src, expected) in sorted(files.items()):
            dest = staging / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
            hashes[rel] = sha256_file(dest)        # what is sealed is what was checked
            if expected and hashes[rel] != expected:
                raise ArchiveError(f"{rel} changed while it was being sealed; nothing was sealed, try again")
        record = {
            "arrangement": arrangement_id, "version": version,
            "sealed": manifest.get("build_date"), "regpack": manifest.get("regpack"),
            "source_version": manifest.get("version"), "final": manifest.get("final"),
            "manifest_sha256": hashes[MANIFEST],
            "files": [{"path": rel, "sha256": hashes[rel]} for rel in sorted(files)],
        }
        seal_json = (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        (staging / SEAL).write_bytes(seal_json)
        fd, zip_tmp = tempfile.mkstemp(prefix=f".{version}.zip.", dir=target_parent)
        os.close(fd)
        write_zip(staging, Path(zip_tmp), f"{arrangement_id}-{version}")
        make_read_only(staging)
        os.chmod(zip_tmp, 0o444)
        _refuse_existing(folder, zip_path, arrangement_id, version)
        try:
            os.rename(staging, folder)      # fails if the folder appeared meanwhile (not empty)
        except OSError as exc:
            raise ArchiveError(f"{arrangement_id} version {version}: cannot create {folder}: {exc}") from exc
        try:
            _place(Path(zip_tmp), zip_path)
        except BaseException as exc:
            _remove(folder)
            if isinstance(exc, OSError):
                raise ArchiveError(f"{arrangement_id} version {version}: cannot create {zip_path}: {exc}") from exc
            raise
    finally:
        _remove(staging)
        if zip_tmp:
            Path(zip_tmp).unlink(missing_ok=True)
    return Sealed(folder, zip_path, len(files), sha256_bytes(seal_json))


def _refuse_existing(folder: Path, zip_path: Path, arrangement_id: str, version: str) -> None:
    for path in (folder, zip_path):
        if path.exists():
            raise ArchiveError(f"{arrangement_id} version {version} is already sealed ({path}); "
                               "sealed versions are never overwritten: choose a new version")


def _place(tmp: Path, dest: Path) -> None:
    """Move `tmp` to `dest` without ever replacing an existing file (hard link where supported)."""
    try:
        os.link(tmp, dest)
    except FileExistsError:
        raise
    except OSError:                         # no hard links on this file system (some network shares)
        if dest.exists():
            raise FileExistsError(17, "exists", str(dest)) from None
        os.replace(tmp, dest)


def write_zip(folder: Path, dest: Path, prefix: str) -> None:
    """A zip of every file under `folder`, as `prefix/<path>`: sorted names, fixed dates, read-only modes."""
    names = sorted(str(p.relative_to(folder).as_posix()) for p in folder.rglob("*") if p.is_file())
    write_deterministic_zip(((f"{prefix}/{name}", (folder / name).read_bytes()) for name in names), dest,
                            mode=0o444, level=9)


def make_read_only(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        os.chmod(path, 0o555 if path.is_dir() else 0o444)
    os.chmod(folder, 0o555)


def _remove(path: Path) -> None:
    if not path.exists():
        return
    for p in [path, *path.rglob("*")]:
        if p.is_dir():
            os.chmod(p, 0o755)
    shutil.rmtree(path, ignore_errors=True)


def verify(path: Path | str, fingerprint: str | None = None) -> Verification:
    """Recompute every sealed file's sha256 (streamed) against seal.json, and seal.json's own sha256
    against `fingerprint` when given (the value `seal` printed, kept outside the pack)."""
    result = Verification(Path(path), expected_fingerprint=fingerprint.lower() if fingerprint else None)
    try:
        pack = read_pack(path)
        result.fingerprint = pack.seal_sha256
        expected = {e["path"]: e["sha256"] for e in pack.record["files"]}
        with (open_zip(pack.path) or nullcontext()) as zf:
            for rel in sorted(expected):
                if rel not in pack.members:
                    result.removed.append(rel)
                elif member_sha(pack.members[rel], zf) != expected[rel]:
                    result.changed.append(rel)
                else:
                    result.verified += 1
    except UnsafePack as exc:
        result.refused = str(exc)
        return result
    result.added = sorted(set(pack.members) - set(expected))
    return result

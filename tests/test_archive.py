"""Sealing a real build into archive/<id>/<version>/ and its zip, and verifying both."""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from pipeline.release import packread
from pipeline.release.archive import seal, verify, write_zip
from pipeline.errors import ArchiveError
from pipeline.project import Project
from tests.conftest import ARR, ROOT, regpack

DOCS = ("notification-package", "risk-assessment-form", "board-paper")


def copy_built(built_project: Path, dest: Path) -> Path:
    """A private copy of the session's built example project (sources, templates, build/)."""
    shutil.copytree(built_project, dest, ignore=shutil.ignore_patterns("archive"))
    return dest


def writable_copy(folder: Path, dest: Path) -> Path:
    shutil.copytree(folder, dest)
    for path in [dest, *dest.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return dest


@pytest.fixture(scope="module")
def project(built_project, tmp_path_factory) -> Path:
    return copy_built(built_project, tmp_path_factory.mktemp("archive") / "project")


@pytest.fixture(scope="module")
def sealing(project) -> subprocess.CompletedProcess:
    result = regpack(project, "seal", "--arrangement", ARR, "--version", "v1")
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def sealed(project, sealing) -> Path:
    assert "sealed" in sealing.stdout
    return project / "archive" / ARR / "v1"


def test_seal_prints_the_fingerprint_of_seal_json(sealing, sealed):
    fingerprint = hashlib.sha256((sealed / "seal.json").read_bytes()).hexdigest()
    lines = sealing.stdout.splitlines()
    assert lines[1] == f"fingerprint (record it outside the pack): {fingerprint}"
    assert lines[2].endswith(f"`regpack verify {sealed.parent / 'v1.zip'} --fingerprint {fingerprint}`")


def _rewrite_consistently(folder: Path, rel: str) -> None:
    """The attack: change a sealed file, then recompute its sha256 in seal.json."""
    target = folder / rel
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    record = json.loads((folder / "seal.json").read_text())
    for entry in record["files"]:
        if entry["path"] == rel:
            entry["sha256"] = hashlib.sha256(bytes(data)).hexdigest()
    (folder / "seal.json").write_text(json.dumps(record, indent=2) + "\n")


def test_fingerprint_catches_a_pack_rewritten_consistently(project, sealed, tmp_path):
    fingerprint = hashlib.sha256((sealed / "seal.json").read_bytes()).hexdigest()
    assert verify(sealed, fingerprint).lines()[-1].endswith(", fingerprint matches")
    assert verify(sealed.parent / "v1.zip", fingerprint).ok
    forged = writable_copy(sealed, tmp_path / "v1")
    _rewrite_consistently(forged, "pdf/board-paper.pdf")
    assert verify(forged).ok                 # hashes alone cannot tell: what the fingerprint is for
    forged_sha = hashlib.sha256((forged / "seal.json").read_bytes()).hexdigest()
    expected = [f"FAILED: seal.json in {forged} does not match the recorded fingerprint: the pack was changed "
                f"after it was sealed (its sha256 is {forged_sha}, not {fingerprint})"]
    assert verify(forged, fingerprint).lines() == expected
    cli = regpack(project, "verify", str(forged), "--fingerprint", fingerprint.upper())
    assert cli.returncode == 1 and cli.stdout.splitlines() == expected
    write_zip(forged, tmp_path / "v1.zip", f"{ARR}-v1")
    zipped = verify(tmp_path / "v1.zip", fingerprint)
    assert not zipped.ok and zipped.lines()[0].startswith(f"FAILED: seal.json in {tmp_path / 'v1.zip'} does not ")
    bad = regpack(project, "verify", str(sealed), "--fingerprint", "12ab")
    assert bad.returncode == 2 and "expected 64 hexadecimal digits" in bad.stderr


def test_seal_holds_outputs_inputs_and_seal_record(project, sealed):
    manifest_path = project / "build" / ARR / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for slug in DOCS:
        assert (sealed / "word" / f"{slug}.docx").is_file() and (sealed / "pdf" / f"{slug}.pdf").is_file()
    assert (sealed / f"{ARR}-submission-pack.pdf").is_file()
    assert (sealed / "manifest.json").read_bytes() == manifest_path.read_bytes()
    assert (sealed / "inputs" / "sources" / ARR / "contingency.yaml").read_bytes() == \
        (project / "sources" / ARR / "contingency.yaml").read_bytes()
    assert (sealed / "inputs" / "sources" / "institution.yaml").is_file()
    assert (sealed / "inputs" / "templates" / "board-paper.docx").is_file()
    record = json.loads((sealed / "seal.json").read_text())
    assert record["version"] == "v1" and record["arrangement"] == ARR
    assert record["sealed"] == manifest["build_date"] == "2026-01-01T00:00:00+00:00"  # not the clock
    assert record["manifest_sha256"] == hashlib.sha256(manifest_path.read_bytes()).hexdigest()
    listed = {e["path"] for e in record["files"]}
    on_disk = {p.relative_to(sealed).as_posix() for p in sealed.rglob("*") if p.is_file()} - {"seal.json"}
    assert listed == on_disk
    assert len(listed) == len(manifest["outputs"]) + 1 + len(manifest["sources"]) + len(manifest["templates"])


def test_seal_is_read_only(sealed):
    for path in [sealed, *sealed.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o555 if path.is_dir() else 0o444), path
    assert stat.S_IMODE(sealed.with_suffix(".zip").stat().st_mode) == 0o444


def test_zip_is_deterministic(sealed, tmp_path):
    zip_path = sealed.parent / "v1.zip"
    with zipfile.ZipFile(zip_path) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names) and all(n.startswith(f"{ARR}-v1/") for n in names)
    assert f"{ARR}-v1/seal.json" in names and f"{ARR}-v1/word/board-paper.docx" in names
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100444}
    write_zip(sealed, tmp_path / "a.zip", f"{ARR}-v1")
    write_zip(sealed, tmp_path / "b.zip", f"{ARR}-v1")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes() == zip_path.read_bytes()


def test_sealing_the_same_version_twice_is_refused(project, sealed):
    before = sorted(p.name for p in sealed.parent.iterdir())
    result = regpack(project, "seal", "--arrangement", ARR, "--version", "v1")
    assert result.returncode == 6
    assert "version v1 is already sealed" in result.stderr
    assert sorted(p.name for p in sealed.parent.iterdir()) == before


@pytest.mark.parametrize("which", ["folder", "zip"])
def test_verify_passes_on_a_fresh_seal(project, sealed, which):
    target = sealed if which == "folder" else sealed.parent / "v1.zip"
    result = verify(target)
    assert result.ok and result.lines()[-1].startswith(f"ok: {result.verified} files verified")
    cli = regpack(project, "verify", str(target))
    assert cli.returncode == 0 and "ok: " in cli.stdout


def test_verify_names_the_changed_added_and_removed_files(project, sealed, tmp_path):
    copy = writable_copy(sealed, tmp_path / "v1")
    pdf = copy / "pdf" / "board-paper.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x01
    pdf.write_bytes(bytes(data))
    (copy / "notes.txt").write_text("added later")
    (copy / "inputs" / "sources" / ARR / "exit.yaml").unlink()
    result = verify(copy)
    assert not result.ok
    assert result.lines()[:3] == ["changed: pdf/board-paper.pdf", "added: notes.txt",
                                  f"removed: inputs/sources/{ARR}/exit.yaml"]
    cli = regpack(project, "verify", str(copy))
    assert cli.returncode == 1 and "changed: pdf/board-paper.pdf" in cli.stdout


def test_verify_zip_names_the_changed_file(sealed, tmp_path):
    tampered = tmp_path / "v1.zip"
    with zipfile.ZipFile(sealed.parent / "v1.zip") as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("word/notification-package.docx"):
                data = data[:-1] + bytes([data[-1] ^ 0x01])
            dst.writestr(info, data)
    result = verify(tampered)
    assert not result.ok and result.lines()[0] == "changed: word/notification-package.docx"


def test_seal_refuses_a_build_modified_after_it_was_made(built_project, tmp_path):
    proj = copy_built(built_project, tmp_path / "p")
    with open(proj / "build" / ARR / "pdf" / "risk-assessment-form.pdf", "ab") as fh:
        fh.write(b"\n")
    with pytest.raises(ArchiveError, match=r"pdf/risk-assessment-form\.pdf: modified after the build"):
        seal(Project.at(proj), ARR, "v2")
    assert not (proj / "archive").exists()   # a refusal writes nothing, not even an empty folder


def test_seal_refuses_sources_changed_since_the_build(built_project, tmp_path):
    proj = copy_built(built_project, tmp_path / "p")
    with open(proj / "sources" / ARR / "cost-benefit.md", "a") as fh:
        fh.write("\nEdited after the build.\n")
    with pytest.raises(ArchiveError, match=rf"inputs/sources/{ARR}/cost-benefit\.md: changed since the build"):
        seal(Project.at(proj), ARR, "v2")


def test_seal_refuses_missing_build_manifest_and_bad_versions(built_project, tmp_path):
    proj = copy_built(built_project, tmp_path / "p")
    with pytest.raises(ArchiveError, match="no build of 'other-arrangement'"):
        seal(Project.at(proj), "other-arrangement", "v1")
    for bad in ("../v1", "", ".hidden", "v 1", "x" * 42):
        with pytest.raises(ArchiveError, match="is not allowed"):
            seal(Project.at(proj), ARR, bad)
    (proj / "build" / ARR / "manifest.json").unlink()
    with pytest.raises(ArchiveError, match="manifest.json is missing"):
        seal(Project.at(proj), ARR, "v1")
    assert not (proj / "archive" / ARR / "v1").exists()


def test_archive_location_from_environment_and_make_clean_keeps_it(built_project, tmp_path):
    proj = copy_built(built_project, tmp_path / "p")
    elsewhere = tmp_path / "records"
    result = regpack(proj, "seal", "--arrangement", ARR, "--version", "2027.01-final",
                     env={"REGPACK_ARCHIVE": str(elsewhere)})
    assert result.returncode == 0, result.stderr
    assert verify(elsewhere / ARR / "2027.01-final.zip").ok
    shutil.copy(ROOT / "Makefile", proj / "Makefile")
    regpack(proj, "seal", "--arrangement", ARR, "--version", "v1")
    subprocess.run(["make", "-C", str(proj), "clean"], check=True, capture_output=True)
    assert not (proj / "build").exists()
    assert verify(proj / "archive" / ARR / "v1").ok


def _zip(path: Path, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            zf.writestr(info, data)
    return path


def _pack(path: Path, members: dict[str, bytes]) -> Path:
    """A well-formed sealed pack zip holding `members` (under pack/), with their seal.json."""
    record = {"files": [{"path": n, "sha256": hashlib.sha256(d).hexdigest()} for n, d in members.items()]}
    return _zip(path, [(f"pack/{n}", d) for n, d in members.items()]
                + [("pack/seal.json", json.dumps(record).encode())])


def _refused(path: Path) -> str:
    result = verify(path)
    assert not result.ok and result.refused and len(result.lines()) == 1
    return result.lines()[0]


def test_verify_refuses_a_zip_bomb(project, tmp_path):
    bomb = _pack(tmp_path / "bomb.zip", {"pdf/a.pdf": bytes(8 << 20)})        # 8 MB of zeros in ~8 KB
    assert bomb.stat().st_size < 100_000
    packed = zipfile.ZipFile(bomb).getinfo("pack/pdf/a.pdf").compress_size
    assert _refused(bomb) == (f"FAILED: {bomb}: member 'pack/pdf/a.pdf' declares 8,388,608 bytes from {packed:,} "
                              "(limits: 1,073,741,824 a member, 4,294,967,296 in all, ratio 100): refused as a "
                              "possible zip bomb")
    cli = regpack(project, "verify", str(bomb))
    assert cli.returncode == 1 and len(cli.stdout.splitlines()) == 1 and "possible zip bomb" in cli.stdout


def test_verify_refuses_members_over_the_limits(tmp_path, monkeypatch):
    monkeypatch.setattr(packread, "MAX_MEMBER_BYTES", 1000)
    noise = b"".join(hashlib.sha256(bytes([i])).digest() for i in range(64))   # 2 KB that hardly compresses
    big = _pack(tmp_path / "big.zip", {"word/a.docx": noise})
    assert "member 'pack/word/a.docx' declares 2,048 bytes" in _refused(big)
    monkeypatch.setattr(packread, "MAX_MEMBERS", 3)
    many = _pack(tmp_path / "many.zip", {f"f{i}.txt": b"x" for i in range(4)})
    assert _refused(many) == f"FAILED: {many} has 5 members, more than 3: refused (not a sealed pack)"


def test_verify_refuses_a_member_larger_than_it_declares(tmp_path):
    path = _pack(tmp_path / "liar.zip", {"notes.txt": b"a" * 50_000})
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")                     # the first central directory entry: notes.txt
    data[entry + 24:entry + 28] = (100).to_bytes(4, "little")   # its uncompressed size, as declared
    path.write_bytes(bytes(data))
    line = _refused(path)
    assert line.startswith(f"FAILED: {path}: member 'pack/notes.txt' ") and "cannot be read" in line


def _link(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize("name, why", [
    ("/etc/cron.d/x", "an absolute path"), ("pack/../../x", "a '..' component"), ("pack\\x", "a backslash"),
    ("C:/x", "an absolute path"), (_link("pack/link"), "a symbolic link"),
    ("pack/seal.json", "a name that appears twice"),
])
def test_verify_refuses_unsafe_member_names(project, tmp_path, name, why):
    path = tmp_path / "unsafe.zip"
    with pytest.warns(UserWarning) if why.endswith("twice") else contextlib.nullcontext():
        _zip(path, [("pack/seal.json", b'{"files": []}'), (name, b"x")])
    shown = name.filename if isinstance(name, zipfile.ZipInfo) else name
    assert _refused(path) == f"FAILED: {path}: member {shown!r} has {why}: refused"
    cli = regpack(project, "verify", str(path))
    assert cli.returncode == 1 and cli.stdout.strip() == f"FAILED: {path}: member {shown!r} has {why}: refused"


def test_a_folder_with_a_symlink_is_refused(sealed, tmp_path):
    copy = writable_copy(sealed, tmp_path / "v1")
    (copy / "pdf" / "board-paper.pdf").unlink()
    (copy / "pdf" / "board-paper.pdf").symlink_to(sealed / "pdf" / "board-paper.pdf")
    assert _refused(copy) == f"FAILED: {copy}: pdf/board-paper.pdf is a symbolic link: refused"


def test_verify_streams_zip_members_in_chunks(sealed, monkeypatch):
    sizes = []
    read = zipfile.ZipExtFile.read

    def spy(self, n=-1):
        sizes.append(n)
        return read(self, n)
    monkeypatch.setattr(zipfile.ZipExtFile, "read", spy)
    monkeypatch.setattr(packread, "CHUNK", 64 * 1024)
    zip_path = sealed.parent / "v1.zip"
    assert verify(zip_path).ok
    largest = max(i.file_size for i in zipfile.ZipFile(zip_path).infolist())
    assert largest > 64 * 1024 and set(sizes) == {64 * 1024}    # never a whole member at once
    assert len(sizes) > len(zipfile.ZipFile(zip_path).infolist()) + largest // (64 * 1024)

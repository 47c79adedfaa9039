"""Sealing a real build into archive/<id>/<version>/ and its zip, and verifying both."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

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
def sealed(project) -> Path:
    result = regpack(project, "seal", "--arrangement", ARR, "--version", "v1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sealed" in result.stdout
    return project / "archive" / ARR / "v1"


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

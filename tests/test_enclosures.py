"""Enclosures that cannot go into the HKMA's pack are errors at their line, and nothing is written."""

from __future__ import annotations

import pytest
from pypdf import PdfWriter

from conftest import ARR, copy_project
from pipeline.cli import main

A = f"sources/{ARR}"


def _check(project, capsys, *args) -> tuple[int, list[str]]:
    code = main(["-C", str(project), "check", *args])
    return code, capsys.readouterr().err.splitlines()


def _line_of(project, text: str) -> int:
    lines = (project / A / "arrangement.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


@pytest.fixture
def project(tmp_path, monkeypatch):
    project = copy_project(tmp_path / "p")
    monkeypatch.chdir(project)  # messages quote paths relative to where regpack runs
    return project


def _enclose(project, name: str, data: bytes) -> int:
    (project / A / "enclosures" / name).write_bytes(data)
    path = project / A / "arrangement.yaml"
    path.write_text(path.read_text().replace("file: enclosures/singapore-legal-opinion.pdf", f"file: enclosures/{name}"))
    return _line_of(project, f"file: enclosures/{name}")


def test_a_missing_enclosure(project, capsys):
    (project / A / "enclosures" / "singapore-legal-opinion.pdf").unlink()
    line = _line_of(project, "file: enclosures/singapore-legal-opinion.pdf")
    code, err = _check(project, capsys)
    assert code == 2
    assert err[0].startswith(f"{A}/arrangement.yaml:{line}: arrangement.enclosures[1].file: enclosure "
                             "'enclosures/singapore-legal-opinion.pdf' not found")
    assert not (project / "build").exists()


@pytest.mark.parametrize("name, data, says", [
    ("opinion.txt", b"just text", "is a .txt; enclose a PDF, or a Word .docx file to convert"),
    ("opinion.pdf", b"PK\x03\x04not a pdf", "is not a PDF (it does not start with %PDF-)"),
    ("opinion.pdf", b"%PDF-1.7\n%%garbage only\n", "cannot be read as a PDF"),
    ("opinion.docx", b"%PDF-1.7 not a zip", "is not a Word file (not a valid Office zip)"),
])
def test_an_enclosure_of_the_wrong_kind_or_damaged(project, capsys, name, data, says):
    line = _enclose(project, name, data)
    code, err = _check(project, capsys)
    assert code == 2
    assert err[0].startswith(f"{A}/arrangement.yaml:{line}: arrangement.enclosures[1].file: enclosure "
                             f"'enclosures/{name}' {says}"), err


def test_an_encrypted_enclosure(project, capsys, tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("secret")
    with open(tmp_path / "locked.pdf", "wb") as fh:
        writer.write(fh)
    line = _enclose(project, "locked.pdf", (tmp_path / "locked.pdf").read_bytes())
    code, err = _check(project, capsys)
    assert code == 2
    assert err[0] == (f"{A}/arrangement.yaml:{line}: arrangement.enclosures[1].file: enclosure 'enclosures/locked.pdf' "
                      "is encrypted (password-protected); enclose an unprotected copy")


def test_an_unreasonably_large_enclosure(project, capsys, monkeypatch):
    import pipeline.sources.enclosures as enclosures
    monkeypatch.setattr(enclosures, "MAX_BYTES", 10_000)
    code, err = _check(project, capsys)
    assert code == 2
    assert "is 41,753 bytes, over the limit of 10,000; enclose a smaller PDF" in err[0] or "over the limit" in err[0]


def test_evidence_citing_a_missing_enclosure_warns_and_fails_final(project, capsys):
    path = project / A / "controls.yaml"
    path.write_text(path.read_text().replace("Enclosure TPC-LO-2026-118", "Enclosure TPC-LO-2099-999", 1))
    code, err = _check(project, capsys)
    assert code == 0
    assert any("cites enclosure 'TPC-LO-2099-999', which is not among the arrangement's enclosures" in e for e in err)
    code, err = _check(project, capsys, "--final")
    assert code == 2
    assert any("cites enclosure 'TPC-LO-2099-999'" in e for e in err)

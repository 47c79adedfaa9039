"""The minimal sample project (tests/projects/minimal/): the fewest fields the models allow still make
valid Word documents, PDFs and a pack."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from docxread import docx_comments, docx_text
from tests.conftest import ooxml_check, regpack, sample_project

ARR = "mtb-payroll-saas"
DOCS = ["board-paper", "contingency-plan", "exit-strategy", "notification-package", "risk-assessment-form"]


def test_the_minimal_project_builds(tmp_path: Path):
    project = sample_project(tmp_path / "minimal")
    result = regpack(project, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    out = project / "build" / ARR
    words = sorted((out / "word").glob("*.docx"))
    assert [p.stem for p in words] == DOCS
    assert sorted(p.stem for p in (out / "pdf").glob("*.pdf")) == DOCS
    for path in words:  # the provider is named in every document but the continuity annexes
        if path.stem not in ("contingency-plan", "exit-strategy"):
            assert "PayCloud Hong Kong Limited" in docx_text(path), path.name
    notification = out / "word" / "notification-package.docx"
    assert any("TODO" in text for _, text in docx_comments(notification))
    assert "PayCloud" in "".join(page.extract_text() for page in PdfReader(out / f"{ARR}-submission-pack.pdf").pages)
    check = ooxml_check(words)
    assert check.returncode == 0, check.stdout + check.stderr

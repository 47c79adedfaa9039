"""End to end: the example sources become three Word documents, three PDF/A files, a bookmarked pack
and a manifest; facts from the sources appear in Word and PDF text."""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from docxread import docx_comments, docx_text
from tests.conftest import ARR, ROOT, copy_project, ooxml_check, regpack

DOCS = ("notification-package", "risk-assessment-form", "board-paper")


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def out(built_project) -> Path:
    return built_project / "build" / ARR


def test_outputs_exist(out):
    for slug in DOCS:
        assert (out / "word" / f"{slug}.docx").stat().st_size > 10_000
        assert (out / "pdf" / f"{slug}.pdf").stat().st_size > 10_000
    assert (out / f"{ARR}-submission-pack.pdf").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    listed = {e["path"] for e in manifest["outputs"]}
    assert {f"word/{s}.docx" for s in DOCS} | {f"pdf/{s}.pdf" for s in DOCS} <= listed
    assert any(e["path"].endswith("controls.yaml") for e in manifest["sources"])
    assert all(len(e["sha256"]) == 64 for e in manifest["sources"] + manifest["templates"] + manifest["outputs"])


@pytest.mark.parametrize("slug", DOCS)
def test_source_facts_in_word_and_pdf(out, slug):
    word = docx_text(out / "word" / f"{slug}.docx")
    pdf = " ".join(pdf_text(out / "pdf" / f"{slug}.pdf").split())
    for fact in ("Harbourfront Meridian Bank Limited", "海濱子午銀行有限公司", "Amazon Web Services, Inc.",
                 "Retail payments hub on Amazon Web Services"):
        assert fact in word, fact
        assert fact in pdf, fact


def test_control_response_in_notification(out):
    word = docx_text(out / "word" / "notification-package.docx")
    pdf = " ".join(pdf_text(out / "pdf" / "notification-package.pdf").split())
    assert "TM-G-1 §3.1.4" in word
    for phrase in ("customer-managed", "KMS"):
        assert phrase in word and phrase in pdf


def test_every_docx_is_schema_valid(out):
    result = ooxml_check(sorted((out / "word").glob("*.docx")))  # fails under CI when missing
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 invalid" in result.stdout


def test_pack_has_one_bookmark_per_document(out):
    reader = PdfReader(out / f"{ARR}-submission-pack.pdf")
    top = [item.title for item in reader.outline if not isinstance(item, list)]
    assert top[1:3] == ["Outsourcing Notification Package",
                        "Risk Assessment Form on Technology-related Outsourcing (including Cloud Computing)"]
    assert len(top) == 5  # then the two enclosures; the board paper is in the board pack
    nested = [item for item in reader.outline if isinstance(item, list)]
    assert len(nested) >= 2  # each document's headings nest below its bookmark


def test_fonts_embedded_including_chinese(out):
    for slug in DOCS:
        listing = subprocess.run(["pdffonts", str(out / "pdf" / f"{slug}.pdf")], capture_output=True, text=True).stdout
        rows = listing.splitlines()[2:]
        assert rows, listing
        for row in rows:
            assert re.search(r"\s(yes)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", row), row
        assert "CJK" in listing, listing


def test_source_text_is_data_not_markup(out):
    word = docx_text(out / "word" / "notification-package.docx")
    assert "{{REF}}" in word
    assert "Risk & Compliance" in docx_text(out / "word" / "board-paper.docx")
    assert "< 5 ms" in word or "< 50 ms" in word


def test_draft_marked_and_open_items_commented(out):
    board = out / "word" / "board-paper.docx"
    assert "DRAFT" in docx_text(board)
    comments = docx_comments(board)
    assert any("is partial" in text and "Owner" in text for _, text in comments), comments
    assert any("partial" in text for _, text in docx_comments(out / "word" / "notification-package.docx"))


def test_plausible_page_counts(out):
    pages = {slug: len(PdfReader(out / "pdf" / f"{slug}.pdf").pages) for slug in DOCS}
    assert pages["notification-package"] > 10
    assert pages["risk-assessment-form"] > 6
    assert pages["board-paper"] > 6


def test_rebuild_with_nothing_changed_does_nothing(built_project, out):
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    result = regpack(built_project, "build")
    assert result.returncode == 0, result.stderr
    assert "Nothing to do" in result.stdout
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert before == after


def test_templates_hold_no_institution_specific_text():
    for template in (ROOT / "templates").glob("*.docx"):
        with zipfile.ZipFile(template) as z:
            xml = " ".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("word/") and n.endswith(".xml"))
        for word in ("Harbourfront", "HMB", "海濱", "Amazon", "AWS", "Singapore", "payments"):
            assert word not in xml, (template.name, word)


def test_shared_facts_read_the_same_in_all_documents(out):
    texts = {slug: " ".join(docx_text(out / "word" / f"{slug}.docx").split()) for slug in DOCS}
    for fact in ("Amazon Web Services, Inc.", "3 May 2027", "AWS Asia Pacific (Hong Kong) Region"):
        for slug, text in texts.items():
            assert fact in text, (slug, fact)
    for fact in ("2 hours", "15 minutes", "10 months"):
        assert fact in texts["notification-package"] and fact in texts["board-paper"], fact
    for slug, text in texts.items():  # no second spelling of the go-live date
        assert "2027-05-03" not in text, slug


def test_failed_build_leaves_previous_outputs(tmp_path):
    project = copy_project(tmp_path / "p")
    (project / "build" / ARR).mkdir(parents=True)
    marker = project / "build" / ARR / "manifest.json"
    marker.write_text('{"previous": true}\n')
    vendor = project / "sources" / ARR / "vendor.yaml"
    vendor.write_text(vendor.read_text().replace("legal_name:", "legal_nme:", 1))
    result = regpack(project, "build")
    assert result.returncode == 2
    assert "did you mean 'legal_name'" in result.stderr
    assert "Traceback" not in result.stderr
    assert marker.read_text() == '{"previous": true}\n'
    assert sorted(p.name for p in (project / "build").rglob("*")) == [ARR, "manifest.json"]


def test_contents_page_numbers_match_the_headings(out):
    """The notification package's table of contents was refreshed: each entry's page number is the
    page (in the document's own footer numbering) where that heading is."""
    pdf = out / "pdf" / "notification-package.pdf"
    reader = PdfReader(pdf)
    contents = reader.pages[1].extract_text()
    entries = re.findall(r"^(\d+) (.+?)\s*\.{3,}\s*(\d+)\s*$", contents, flags=re.M)
    assert len(entries) >= 10, contents
    assert "refreshed when the document is built" not in contents
    for number, title, page in entries:
        text = reader.pages[int(page) - 1].extract_text()
        assert f"{number} {title.strip()}" in " ".join(text.split()) or title.strip() in text, (title, page)


def test_libreoffice_started_once_per_worker(tmp_path):
    project = copy_project(tmp_path / "p")
    result = regpack(project, "build", "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert "5 documents rendered and converted" in result.stdout
    assert "LibreOffice started 2x" in result.stdout


def test_a_hanging_converter_times_out_and_keeps_the_previous_build(tmp_path):
    project = copy_project(tmp_path / "p")
    assert regpack(project, "build").returncode == 0
    before = {p: p.read_bytes() for p in (project / "build").rglob("*") if p.is_file()}
    fake = tmp_path / "soffice-that-hangs"
    fake.write_text("#!/bin/sh\nsleep 600\n")
    fake.chmod(0o755)
    contingency = project / "sources" / ARR / "contingency.yaml"
    contingency.write_text(contingency.read_text().replace("rto_hours: 2", "rto_hours: 3", 1))
    result = regpack(project, "build", "--timeout", "3", env={"REGPACK_SOFFICE": str(fake)})
    assert result.returncode == 4, result.stdout + result.stderr
    assert "timed out" in result.stderr and "Traceback" not in result.stderr
    after = {p: p.read_bytes() for p in (project / "build").rglob("*") if p.is_file()}
    assert before == after
    leftover = subprocess.run(["pgrep", "-f", str(fake)], capture_output=True, text=True).stdout
    assert leftover == ""

"""A pack the HKMA would accept: the right reader, real enclosures, signable pages, wording without
internal text. Asserted on the example as built (draft) and as a final build."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from conftest import ARR, copy_project, regpack
from docxread import docx_text
from pipeline.documents.registry import PACKS, pack_problems
from pipeline.documents.spec import PackSpec
from pipeline.pdf.merge import pdf_outline_titles, pdf_text

ENCLOSURES = ["Independent assessment of the AWS IT control environment (summary report)",
              "Legal opinion on Singapore law (backup and disaster recovery in Singapore)"]


def top_bookmarks(pdf: Path) -> list[str]:
    return [title for depth, title in pdf_outline_titles(pdf) if depth == 0]


def test_the_hkma_pack_holds_no_board_paper_and_the_board_has_its_own(built_project):
    out = built_project / "build" / ARR
    submission = top_bookmarks(out / f"{ARR}-submission-pack.pdf")
    assert submission == ["Cover and contents", "Outsourcing Notification Package",
                          "Risk Assessment Form on Technology-related Outsourcing (including Cloud Computing)",
                          *ENCLOSURES]
    text = pdf_text(out / f"{ARR}-submission-pack.pdf")
    assert "Board Paper" not in text and "RESOLVED THAT" not in text
    board = top_bookmarks(out / f"{ARR}-board-pack.pdf")
    assert board == ["Cover and contents", "Board Paper: Approval of Outsourcing Arrangement", "Contingency Plan",
                     "Exit Strategy"]
    board_text = pdf_text(out / f"{ARR}-board-pack.pdf")
    assert "RESOLVED THAT the outsourcing of the hosting and operation of the retail payments hub" in board_text


def test_a_board_document_is_refused_in_the_regulator_pack():
    assert pack_problems() == []
    wrong = PackSpec("submission-pack", "Submission pack", "HKMA", "regulator", ("NOTIF", "BOARD"))
    assert pack_problems((wrong,)) == ["submission-pack goes to the regulator but board-paper is a board document: "
                                       "it must not be in it"]
    assert {p.audience for p in PACKS} == {"regulator", "board"}


def test_enclosures_are_bookmarked_listed_and_recorded(built_project):
    out = built_project / "build" / ARR
    manifest = json.loads((out / "manifest.json").read_text())
    recorded = manifest["enclosures"]
    assert [e["title"] for e in recorded] == ENCLOSURES
    assert all(e["role"] == "enclosure" and len(e["sha256"]) == 64 for e in recorded)
    converted = recorded[0]["pdf"]
    assert (out / converted).is_file() and {"path": converted, "sha256": recorded[0]["pdf_sha256"]} in manifest["outputs"]
    letter = docx_text(out / "word" / "notification-package.docx")
    for title in ENCLOSURES:
        assert title in letter
    cover = pdf_text(out / f"{ARR}-submission-pack.pdf").split("Page numbers in each document")[0]
    assert "Encl. 1" in cover and "Encl. 2" in cover


def _paragraphs(path: Path) -> list[str]:
    document = docx.Document(str(path))
    return ["".join(t.text or "" for t in p.iter(qn("w:t"))).strip() for p in document.element.body.iter(qn("w:p"))]


def test_the_notification_says_nothing_long_twice(built_project):
    paragraphs = [p for p in _paragraphs(built_project / "build" / ARR / "word" / "notification-package.docx")
                  if len(p) >= 120]
    repeated = sorted({p[:80] for p in paragraphs if paragraphs.count(p) > 1})
    assert not repeated


def test_pictures_have_alt_text_and_documents_are_british_english(built_project):
    for path in sorted((built_project / "build" / ARR / "word").glob("*.docx")):
        document = docx.Document(str(path))
        pictures = document.element.body.iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr")
        assert all(p.get("descr") for p in pictures), path.name
        lang = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:lang"))
        assert lang.get(qn("w:val")) == "en-GB", path.name


def test_the_declaration_follows_the_signatories_and_lists_the_open_items(built_project):
    text = docx_text(built_project / "build" / ARR / "word" / "notification-package.docx")
    assert "We, the undersigned, on behalf of Harbourfront Meridian Bank Limited" in text
    assert "except for the open items listed below" in text
    assert "SA-2 §2.9.1(c) (partial): Legal to finalise the customer notice wording" in text
    for who in ("Chief Executive, for and on behalf of", "Alternate Chief Executive, for and on behalf of", "Company chop"):
        assert who in text


INTERNAL = [re.compile(p) for p in (r"\bTODO\b", r"regpack", r"\b[A-Z][A-Z0-9]*-[0-9][0-9A-Za-z.()]*-[a-z][a-z0-9-]+\b",
                                    r"\(AGREEMENT\)", r"workbook", r"own assumption", r"reconstruct")]


@pytest.mark.libreoffice
def test_a_final_build_of_the_example_sends_no_todo_and_no_tool_wording(tmp_path):
    project = copy_project(tmp_path / "p")
    result = regpack(project, "build", "--final", "--strict")
    assert result.returncode == 0, result.stderr
    out = project / "build" / ARR
    for name in ("notification-package", "risk-assessment-form", "contingency-plan", "exit-strategy"):
        word = docx_text(out / "word" / f"{name}.docx")
        pdf = subprocess.run(["pdftotext", str(out / "pdf" / f"{name}.pdf"), "-"], capture_output=True, text=True).stdout
        for pattern in INTERNAL:
            assert not pattern.search(word), (name, pattern.pattern, pattern.search(word))
            assert not pattern.search(pdf), (name, pattern.pattern)
    assert not docx.Document(str(out / "word" / "notification-package.docx")).comments


def _headings(path: Path) -> set[str]:
    document = docx.Document(str(path))
    out = set()
    for p in document.element.body.iter(qn("w:p")):
        style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        if style is not None and style.get(qn("w:val"), "").startswith(("Heading", "heading")):
            text = " ".join("".join(t.text or "" for t in p.iter(qn("w:t"))).split())
            if text:
                out.add(text)
    return out


def test_no_heading_is_stranded_at_a_page_foot(built_project):
    out = built_project / "build" / ARR
    stranded = []
    for word in sorted((out / "word").glob("*.docx")):
        headings = _headings(word)
        text = subprocess.run(["pdftotext", "-layout", str(out / "pdf" / f"{word.stem}.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
        pages = text.split("\f")
        for number, page in enumerate(pages[:-1], start=1):
            lines = [" ".join(line.split()) for line in page.splitlines() if line.strip()]
            body = [line for line in lines if not re.search(r"Page \d+ of \d+$", line)]
            if not body:
                continue
            last = re.sub(r"^(\d+(\.\d+)*\.?|Part [A-Z]:?)\s+", "", body[-1])
            if last in headings or body[-1] in headings:
                stranded.append(f"{word.stem} page {number}: {body[-1]}")
    assert not stranded

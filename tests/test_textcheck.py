"""Word and PDF say the same (pipeline/pdf/textcheck.py): the comparison on Word files made here and
converted by the real LibreOffice, its matching rules on plain text, a build that fails naming what a
PDF lost, and the example built clean with every row of the board paper's responsibility table."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from conftest import ARR, EPOCH, copy_project

try:
    from test_rawpdf import plain_pdf
except ImportError:  # tests/ became a package
    from tests.test_rawpdf import plain_pdf
from pipeline.libreoffice.converter import ConvertJob, Converter
from pipeline.pdf import textcheck
from pipeline.pdf.pagetext import Unusual, page_texts
from pipeline.pdf.textcheck import GAP, Passage, TextLost, missing, normal, text_losses

SECTION = "Shared responsibility and open gaps"
ROWS = [("Responsibility", "Met", "Total"), ("Institution", "93", "95"), ("Shared", "35", "35"),
        ("Provider", "3", "3")]
LONG = "The provider restores the service from the locked backup vault and reports to the committee. " * 4


def _field(paragraph, instruction: str, result: str) -> None:
    """A complex field: begin, instruction, separate, result, end."""
    def char(kind: str) -> None:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(el)

    char("begin")
    instr = OxmlElement("w:instrText")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)
    char("separate")
    paragraph.add_run(result)
    char("end")


def _table(document, rows, repeat: bool = True):
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = document.styles["Table Grid"]
    for i, values in enumerate(rows):
        for cell, value in zip(table.rows[i].cells, values):
            cell.text = value
        if i == 0 and repeat:
            table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    return table


def make_docx(path: Path, rows) -> Path:
    """A heading, a paragraph with a page field mid-sentence and a hidden run, the responsibility
    table, a bulleted list in a cell, then a long table whose rows split across pages."""
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Confidential | DRAFT"
    _field(document.sections[0].footer.paragraphs[0], "PAGE", "1")
    document.add_heading(SECTION, 1)
    paragraph = document.add_paragraph("Of 133 applicable requirements (see page ")
    _field(paragraph, "PAGE", "9")
    paragraph.add_run(") 133 have a response.")
    paragraph.add_run(" Hidden reviewer note.").font.hidden = True
    _table(document, rows)
    cell = _table(document, [("Plan", "Steps"), ("Exit", "")]).rows[1].cells[1]
    cell.paragraphs[0].text = "Notify the HKMA"
    cell.paragraphs[0].style = document.styles["List Bullet"]
    cell.add_paragraph("Migrate the data", style="List Bullet")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_heading("Recovery tests", 1)
    _table(document, [("Test", "Result")] + [(f"Test {n}", f"{LONG} Run {n}.") for n in range(1, 16)])
    document.save(path)
    return path


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """'full': the document and its PDF; 'cut': the same without the Shared and Provider rows."""
    tmp = tmp_path_factory.mktemp("textcheck")
    docs = {"full": make_docx(tmp / "full.docx", ROWS), "cut": make_docx(tmp / "cut.docx", ROWS[:2])}
    jobs = [ConvertJob(path, path.with_suffix(".pdf"), name) for name, path in docs.items()]
    with Converter(workers=1, timeout=120) as converter:
        converter.convert_all(jobs)
    return {job.name: (job.docx, job.pdf) for job in jobs}


def test_a_row_the_pdf_lacks_is_named_with_its_section(converted):
    full_docx, _ = converted["full"]
    _, cut_pdf = converted["cut"]
    assert text_losses(full_docx, cut_pdf, "sample/board-paper") == [
        f'sample/board-paper: section "{SECTION}": table row "Shared | 35 | 35" is in the Word document but not in its PDF',
        f'sample/board-paper: section "{SECTION}": table row "Provider | 3 | 3" is in the Word document but not in its PDF']


def test_what_reaches_the_pdf_is_not_reported(converted):
    """Page fields, list bullets, hidden text, the header and footer and rows split across pages."""
    for docx_path, pdf_path in converted.values():
        assert text_losses(docx_path, pdf_path, "sample") == []
    docx_path, pdf_path = converted["full"]
    passages, area = textcheck.word_passages(docx_path)
    pages = textcheck.pdf_pages(pdf_path, area)
    rows = [[normal(t) for t in p.texts] for p in passages if p.kind == "table row"]
    split = [r for r in rows if "".join(r) not in "".join(pages)]
    assert split and all(textcheck._split_row(r, pages) for r in split)  # the split-row rule was needed
    assert not any("hidden" in page or "confidential" in page for page in pages)


def test_the_content_stream_reader_reads_what_pdftotext_reads(converted, built_project):
    """The build reads LibreOffice's PDFs from their content streams (pagetext.py); on this test's
    documents (header, footer, fields, lists, split rows) and on every PDF of the example (pictures,
    hyperlinks, Chinese) it gives, page by page, the text pdftotext gives."""
    example = sorted((built_project / "build" / ARR / "word").glob("*.docx"))
    pairs = list(converted.values()) + [(d, d.parent.parent / "pdf" / f"{d.stem}.pdf") for d in example]
    read = []
    for docx_path, pdf_path in pairs:
        _, body = textcheck.word_passages(docx_path)
        for area in (body, (0, 0, 0, 0)):  # the body, the whole page (letterhead, headers, footers)
            ours = [normal(page) for page in page_texts(pdf_path, area)]  # raises Unusual if not read here
            theirs = textcheck.pdftotext_pages(pdf_path, area)
            assert ours == theirs[:-1] and theirs[-1] == "", pdf_path  # pdftotext ends each page with a form feed
            read += ours
    assert len(read) > 120 and any("海濱子午銀行有限公司" in page for page in read)


def test_a_pdf_drawn_otherwise_is_read_by_pdftotext(tmp_path):
    content = b"BT /F1 12 Tf 1 0 0 1 72 700 Tm (Hello, world) Tj ET"
    pdf = tmp_path / "other.pdf"
    pdf.write_bytes(plain_pdf({
        1: b"\n<</Type/Catalog/Pages 2 0 R>>\nendobj",
        2: b"\n<</Type/Pages/Kids[3 0 R]/Count 1/MediaBox[0 0 612 792]>>\nendobj",
        3: b"\n<</Type/Page/Parent 2 0 R/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R>>\nendobj",
        4: b"\n<</Length %d>>\nstream\n" % len(content) + content + b"\nendstream\nendobj",
        5: b"\n<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>\nendobj"}, 1))
    with pytest.raises(Unusual):
        page_texts(pdf, (0, 0, 0, 0))
    assert textcheck.pdf_pages(pdf, (0, 0, 0, 0))[0] == "hello,world"


def test_normal_form():
    assert normal("Of ﬁve  soft\u00adhyphen-\nated\tWORDS") == "offivesofthyphenatedwords"
    assert normal(f"a{GAP}{GAP} b") == f"a{GAP}b"


def _row(*cells: str) -> Passage:
    return Passage("S", "table row", list(cells))


def test_a_lost_row_of_short_cells_is_found_although_each_cell_occurs_elsewhere():
    pages = ["of133,35shared,3provider;0gapresponsibilitymettotalinstitution9395",
             "responsibilitymettotalnextsection3535"]
    assert missing([_row("Shared", "35", "35"), _row("Institution", "93", "95")], pages) == \
        [_row("Shared", "35", "35")]


def test_a_row_split_by_a_page_break_with_a_field_in_its_last_cell():
    pages = ["introtmg1§3.1.4metnotificationpackage;responsesunder21",
             "requirementstatuswheretmg1tmg1§3.2.1met"]
    row = _row("TM-G-1 §3.1.4", "Met", "Notification package; responses under TM-G-1", GAP)
    assert missing([row], pages) == []
    assert missing([row], [pages[0], "requirementstatuswheretmg2"]) == [row]


def test_a_paragraph_that_runs_on_to_the_next_page_and_cells_out_of_order():
    pages = ["...theboardapprovesthe", "arrangementsubjecttoconditions.ba"]
    paragraph = Passage("S", "paragraph", ["The board approves the arrangement subject to conditions."])
    assert missing([paragraph, _row("a", "b")], pages) == [_row("a", "b")]


def test_passages_found_out_of_document_order():
    """The search starts where the previous passage was found; one found earlier in the PDF still counts,
    as does a split row on a page before that."""
    pages = ["secondparagraphtext.introtmg1§3.1.4metnotificationpackage;responsesunder21",
             "requirementstatuswheretmg1firstparagraphtext."]
    first, second = (Passage("S", "paragraph", [f"{n} paragraph text."]) for n in ("First", "Second"))
    row = _row("TM-G-1 §3.1.4", "Met", "Notification package; responses under TM-G-1", GAP)
    assert missing([first, second, row], pages) == []
    assert missing([first, second, row, _row("Absent", "row")], pages) == [_row("Absent", "row")]


def test_a_hyperlink_field_keeps_its_text_and_other_fields_leave_a_gap(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph("See ")
    _field(paragraph, 'HYPERLINK "https://www.hkma.gov.hk/"', "the HKMA's register of authorized institutions")
    paragraph.add_run(", page ")
    _field(paragraph, "PAGE", "7")
    document.save(tmp_path / "fields.docx")
    passages, _ = textcheck.word_passages(tmp_path / "fields.docx")
    assert [p.texts for p in passages] == [[f"See the HKMA's register of authorized institutions, page {GAP}"]]


def _pdftotext_layout(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_example_board_paper_has_every_responsibility_row(built_project):
    text = _pdftotext_layout(built_project / "build" / ARR / "pdf" / "board-paper.pdf")
    rows = [m.group(1) for m in re.finditer(r"^\s*(Institution|Shared|Provider)(?:\s+\d+){5}\s*$", text, re.M)]
    assert rows == ["Institution", "Shared", "Provider"]


def test_example_no_word_passage_missing_from_its_pdf(built_project):
    """The build checked it already; this says so on its own, for every document of the example."""
    words = sorted((built_project / "build" / ARR / "word").glob("*.docx"))
    assert len(words) >= 3
    for docx_path in words:
        pdf_path = docx_path.parent.parent / "pdf" / f"{docx_path.stem}.pdf"
        assert text_losses(docx_path, pdf_path, docx_path.stem) == []


def test_build_fails_naming_what_the_pdf_lost(tmp_path, monkeypatch, capfd):
    """A board paper whose PDF lacks two rows (as LibreOffice 7.4 dropped them): exit 4, one line per
    row with document and section, and nothing written."""
    from pipeline.cli import main
    project = copy_project(tmp_path / "project")
    real = textcheck.pdf_pages

    def without_rows(pdf: Path, area):
        pages = real(pdf, area)
        if pdf.stem != "board-paper":
            return pages
        passages, _ = textcheck.word_passages(pdf.parent.parent / "word" / f"{pdf.stem}.docx")
        lost = ["".join(map(normal, p.texts)) for p in passages if p.kind == "table row" and p.section == SECTION
                and p.texts[0] in ("Shared", "Provider")]
        assert len(lost) == 2
        for key in lost:
            pages = [page.replace(key, "") for page in pages]
        return pages

    monkeypatch.setattr(textcheck, "pdf_pages", without_rows)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert main(["-C", str(project), "build"]) == TextLost.exit_code == 4
    err = capfd.readouterr().err
    lines = [line for line in err.splitlines() if "is in the Word document but not in its PDF" in line]
    pattern = (rf'(error: )?{ARR}/board-paper: section "{SECTION}": table row "(Shared|Provider)( \| \d+){{5}}" '
               r"is in the Word document but not in its PDF")
    assert len(lines) == 2 and all(re.fullmatch(pattern, line) for line in lines), err
    assert "2 passage(s) of Word documents missing from their PDFs; nothing was written" in err
    assert not (project / "build" / ARR).exists()

"""The converter against a real LibreOffice: what the PDFs hold (faults: test_convert_faults.py)."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from pypdf import PdfReader

from pipeline.pdf.normalize import normalize_pdf
from pipeline.libreoffice.converter import ConvertJob, Converter, find_soffice, libreoffice_version
from pipeline.libreoffice.install import profile_template
from pipeline.errors import RegpackError, ToolMissing

BANK = "香港示範銀行有限公司"
STALE = "STALE TOC PLACEHOLDER - update fields"
STALE_REF = "STALE CROSS-REFERENCE"


def _field(paragraph, instruction: str, placeholder: str) -> None:
    """A complex field (begin / instrText / separate / result / end) holding stale result text."""
    def char(kind: str) -> None:
        run = OxmlElement("w:r")
        fld = OxmlElement("w:fldChar")
        fld.set(qn("w:fldCharType"), kind)
        run.append(fld)
        paragraph._p.append(run)

    char("begin")
    run = OxmlElement("w:r")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run.append(instr)
    paragraph._p.append(run)
    char("separate")
    paragraph.add_run(placeholder)
    char("end")


def make_docx(path: Path, title: str, sections: list[str]) -> Path:
    """Title, a stale TOC, then one page per section: Heading 1, Chinese text, a Heading 2;
    at the end a cross-reference to the title, with a stale result."""
    document = docx.Document()
    document.core_properties.author = "regpack tests"
    heading = document.add_heading("", level=0)
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), "1")
    start.set(qn("w:name"), "doc_title")
    end.set(qn("w:id"), "1")
    heading._p.append(start)
    heading.add_run(title)
    heading._p.append(end)
    _field(document.add_paragraph(), r'TOC \o "1-3" \h \z \u', STALE)
    for number, section in enumerate(sections, start=1):
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_heading(section, level=1)
        run = document.add_paragraph().add_run(f"{BANK} 外判通知 {number}. ")
        fonts, lang = OxmlElement("w:rFonts"), OxmlElement("w:lang")
        fonts.set(qn("w:eastAsia"), "Noto Sans CJK HK")  # the default (MS Mincho) is Japanese
        lang.set(qn("w:eastAsia"), "zh-HK")
        run._r.get_or_add_rPr().extend([fonts, lang])
        document.add_paragraph("The bank notifies the HKMA of the outsourcing arrangement. " * 12)
        document.add_heading(f"{section}: details", level=2)
        document.add_paragraph("Controls, contingency and exit planning. " * 10)
    _field(document.add_paragraph("This paper: "), r"REF doc_title \h", STALE_REF)
    document.save(path)
    return path


DOCS = {
    "notification": ("Outsourcing notification", ["Service description", "Service provider", "Data location"]),
    "risk-assessment": ("Risk assessment form", ["Inherent risk", "Controls", "Residual risk", "Sign-off"]),
    "board-paper": ("Board paper", ["Purpose", "Recommendation"]),
}


def pdftotext(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("convert")
    jobs = [ConvertJob(make_docx(tmp / f"{name}.docx", title, sections), tmp / f"{name}.pdf", name)
            for name, (title, sections) in DOCS.items()]
    seen = []
    with Converter(workers=2, timeout=60, progress=seen.append) as converter:
        results = converter.convert_all(jobs)
        workers = converter.worker_count(len(jobs))
    return {"jobs": jobs, "results": results, "seen": seen, "starts": converter.starts, "workers": workers}


def test_results_in_job_order_with_page_counts(converted):
    assert [r.job for r in converted["results"]] == converted["jobs"]
    assert sorted(r.job.name for r in converted["seen"]) == sorted(DOCS)
    for result in converted["results"]:
        assert result.pages == len(DOCS[result.job.name][1]) + 1 == len(PdfReader(result.job.pdf).pages)
        assert result.job.pdf.read_bytes().startswith(b"%PDF-")
    assert not [p for p in converted["jobs"][0].pdf.parent.iterdir() if p.name.startswith(".")]


def test_one_libreoffice_per_worker_not_per_document(converted):
    assert converted["workers"] == 2
    assert converted["starts"] == 2


def test_text_including_traditional_chinese(converted):
    for job in converted["jobs"]:
        text = pdftotext(job.pdf)
        assert BANK in text
        assert all(section in text for section in DOCS[job.name][1])


def test_table_of_contents_shows_real_page_numbers(converted):
    for job in converted["jobs"]:
        toc = pdftotext(job.pdf, page=1)
        text = pdftotext(job.pdf)
        assert STALE not in text and STALE_REF not in text
        assert f"This paper: {DOCS[job.name][0]}" in text
        for page, section in enumerate(DOCS[job.name][1], start=2):
            assert re.match(rf"\s*{re.escape(section)}\b", pdftotext(job.pdf, page=page))
            for heading in (section, f"{section}: details"):
                entry = re.search(rf"^\s*{re.escape(heading)}[ .]*(\d+)\s*$", toc, re.MULTILINE)
                assert entry, f"{heading!r} missing from the TOC of {job.name}:\n{toc}"
                assert int(entry.group(1)) == page


def test_headings_become_bookmarks(converted):
    outline = PdfReader(converted["jobs"][0].pdf).outline
    titles = [item.title for item in outline if not isinstance(item, list)]
    assert "Service description" in titles
    nested = [item for item in outline if isinstance(item, list)]
    assert any(child.title == "Service description: details" for child in nested[0])


def test_every_font_embedded_including_cjk(converted):
    for job in converted["jobs"]:
        rows = subprocess.run(["pdffonts", str(job.pdf)], capture_output=True, text=True,
                              check=True).stdout.splitlines()[2:]
        assert rows
        for row in rows:  # name type encoding emb sub uni object ID: emb is the 4th column from the right
            assert row.split()[-5] == "yes", row
        assert any("CJK" in row for row in rows), rows


def _type1_ids(pdf: Path) -> list[bytes]:
    """The /UniqueID in the clear-text part of each embedded Type 1 font (LibreOffice's CJK subsets)."""
    ids = []
    for page in PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            for descendant in [font.get_object()] + [d.get_object() for d in font.get_object().get("/DescendantFonts", [])]:
                program = descendant.get("/FontDescriptor", {}).get("/FontFile")
                if program is not None:
                    ids += re.findall(rb"/UniqueID (\d+) def", program.get_object().get_data())
    return sorted(set(ids))


def _page_images(pdf: Path, out: Path) -> list[bytes]:
    out.mkdir()
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(out / "page")], check=True)
    return [p.read_bytes() for p in sorted(out.iterdir())]


def test_the_same_document_gives_the_same_pdf_whatever_the_worker_converted_before(tmp_path):
    """LibreOffice numbers the Type 1 fonts it embeds per process (the CJK subsets): normalisation
    replaces the number with one drawn from the font, and leaves the font program working."""
    document = make_docx(tmp_path / "n.docx", *DOCS["notification"])
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    with Converter(workers=1, timeout=60) as converter:  # one worker: the second conversion comes after the first
        converter.convert_all([ConvertJob(document, first, "first"), ConvertJob(document, second, "second")])
    before = _type1_ids(first), _type1_ids(second)
    assert before[0] and before[1] and before[0] != before[1]
    images = _page_images(second, tmp_path / "before")
    for pdf in (first, second):
        normalize_pdf(pdf, datetime(2026, 3, 2, tzinfo=timezone.utc), "the same Word file")
    assert first.read_bytes() == second.read_bytes()
    assert _type1_ids(second) != before[1] and BANK in pdftotext(second)
    assert _page_images(second, tmp_path / "after") == images  # the glyphs draw as before


def test_pdfa_2b_declared_in_xmp(converted):
    for job in converted["jobs"]:
        xmp = PdfReader(job.pdf).xmp_metadata
        raw = xmp.stream.get_data().decode("utf-8", "replace")
        assert re.search(r"pdfaid:part(>|=\")2", raw), raw
        assert re.search(r"pdfaid:conformance(>|=\")B", raw), raw


def test_worker_count(monkeypatch):
    converter = Converter(soffice="/bin/true")
    monkeypatch.setenv("REGPACK_WORKERS", "3")
    assert converter.worker_count(10) == 3
    assert converter.worker_count(2) == 2
    monkeypatch.setenv("REGPACK_WORKERS", "many")
    with pytest.raises(RegpackError, match="REGPACK_WORKERS"):
        converter.worker_count(2)
    monkeypatch.delenv("REGPACK_WORKERS")
    assert converter.worker_count(100) == os.cpu_count()
    assert Converter(workers=1, soffice="/bin/true").worker_count(5) == 1


def test_version_reported_by_the_worker_matches_the_command(converted):
    printed = subprocess.run([find_soffice(), "--version"], capture_output=True, text=True).stdout.strip()
    assert printed.startswith("LibreOffice ")
    assert libreoffice_version() == printed


def test_missing_command_says_how_to_install(monkeypatch, tmp_path):
    with pytest.raises(ToolMissing, match="apt-get install libreoffice-writer-nogui"):
        Converter(soffice=str(tmp_path / "no-soffice"))
    monkeypatch.setenv("REGPACK_SOFFICE", str(tmp_path / "no-soffice"))
    with pytest.raises(ToolMissing, match="REGPACK_SOFFICE"):
        find_soffice()
    monkeypatch.delenv("REGPACK_SOFFICE")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolMissing) as caught:
        find_soffice()
    assert len(str(caught.value).splitlines()) == 1


def _fake_soffice(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "fake-soffice"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return script


def test_profile_template_is_made_once_per_installation(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    template = profile_template(find_soffice(), timeout=60)
    assert template is not None and (template / "user").is_dir()
    assert template.parent == tmp_path / "cache" / "regpack"
    assert profile_template(find_soffice(), timeout=60) == template
    assert [p.name for p in template.parent.iterdir()] == [template.name]  # no leftovers
    fake = _fake_soffice(tmp_path, "exit 0")
    assert profile_template(str(fake), timeout=60) is None

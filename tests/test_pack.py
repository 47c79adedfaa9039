"""Assembling the submission pack from PDFs converted by a real LibreOffice."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from pipeline.libreoffice.converter import ConvertJob, Converter
from pipeline.pdf.rawpdf import NotPlain, RawPdf, ref, refs_in, value
from pipeline.pdf.merge import (
    PackDocument,
    PackMetadata,
    assemble_pack,
    page_ranges,
    pdf_outline_titles,
    pdf_page_count,
    pdf_text,
)

try:
    from test_convert import make_docx
except ImportError:  # tests/ became a package
    from tests.test_convert import make_docx

HKT = timezone(timedelta(hours=8))
META = PackMetadata(
    title="Cloud outsourcing submission pack",
    subject="Notification to the HKMA under SA-2",
    author="Hong Kong Demo Bank Limited",
    keywords="HKMA, SA-2, outsourcing, cloud",
    creation_date=datetime(2025, 3, 14, 9, 30, tzinfo=HKT),
)
DOCS = [  # title, label, sections
    ("Outsourcing notification package", "A", ["Service description", "Service provider", "Data location"]),
    ("Risk assessment form", "B", ["Inherent risk", "Controls"]),
    ("Board paper", "C", ["Purpose", "Recommendation", "Resolution", "Annex"]),
]


def make_front(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("Cloud outsourcing submission pack", level=0)
    document.add_paragraph("Hong Kong Demo Bank Limited")
    document.add_page_break()
    document.add_heading("Index of documents", level=1)
    for title, label, _ in DOCS:
        document.add_paragraph(f"{label}  {title}")
    document.save(path)
    return path


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pack")
    jobs = [ConvertJob(make_front(tmp / "front.docx"), tmp / "front.pdf", "front")]
    jobs += [ConvertJob(make_docx(tmp / f"{label}.docx", title, sections), tmp / f"{label}.pdf", title)
             for title, label, sections in DOCS]
    with Converter(timeout=60) as converter:
        converter.convert_all(jobs)
    front = jobs[0].pdf
    documents = [PackDocument(title, tmp / f"{label}.pdf", label) for title, label, _ in DOCS]
    return tmp, front, documents


@pytest.fixture(scope="module")
def pack(pdfs):
    tmp, front, documents = pdfs
    out = tmp / "pack.pdf"
    total = assemble_pack(front, documents, out, META)
    return out, total


def test_total_pages_and_ranges(pdfs, pack):
    _, front, documents = pdfs
    out, total = pack
    assert pdf_page_count(front) == 2
    assert [pdf_page_count(d.pdf) for d in documents] == [4, 3, 5]
    assert total == pdf_page_count(out) == 2 + 4 + 3 + 5
    assert page_ranges(2, documents) == [(3, 6), (7, 9), (10, 14)]
    text = PdfReader(out).pages[9 - 1].extract_text()
    assert "Controls" in text


def test_one_top_level_bookmark_per_document_with_headings_nested(pack):
    out, _ = pack
    outline = pdf_outline_titles(out)
    assert [title for depth, title in outline if depth == 0] == ["Cover and contents"] + [t for t, _, _ in DOCS]
    for title, _, sections in DOCS:
        start = outline.index((0, title))
        end = next((i for i in range(start + 1, len(outline)) if outline[i][0] == 0), len(outline))
        below = outline[start + 1:end]
        for section in sections:
            assert (1, section) in below
            assert (2, f"{section}: details") in below  # hierarchy preserved
            assert below.index((1, section)) < below.index((2, f"{section}: details"))


def test_bookmarks_point_at_the_right_pages(pack):
    out, _ = pack
    reader = PdfReader(out)
    tops = [item for item in reader.outline if not isinstance(item, list)]
    assert [reader.get_destination_page_number(item) for item in tops] == [0, 2, 6, 9]


def test_page_labels(pack):
    out, _ = pack
    labels = PdfReader(out).page_labels
    assert labels == ["i", "ii", "A-1", "A-2", "A-3", "A-4", "B-1", "B-2", "B-3",
                      "C-1", "C-2", "C-3", "C-4", "C-5"]


def test_metadata_and_page_mode(pack):
    out, _ = pack
    reader = PdfReader(out)
    info = reader.metadata
    assert info["/Title"] == META.title and info["/Subject"] == META.subject
    assert info["/Author"] == META.author and info["/Keywords"] == META.keywords
    assert info["/Creator"] == "regpack" and info["/Producer"].startswith("regpack")
    assert info["/CreationDate"] == info["/ModDate"] == "D:20250314093000+08'00'"
    assert reader.page_mode == "/UseOutlines"
    # pypdf guesses a text encoding for some byte strings (a hash can look like UTF-16): compare bytes
    first, second = (part.original_bytes for part in reader.trailer["/ID"])
    assert len(first) == 16 and first == second


def test_text_of_the_pack(pack):
    out, _ = pack
    text = pdf_text(out)
    assert "Index of documents" in text and "Recommendation" in text and "香港示範銀行有限公司" in text


def test_reproducible_and_atomic(pdfs, pack, tmp_path):
    _, front, documents = pdfs
    out, total = pack
    again = tmp_path / "again.pdf"
    assert assemble_pack(front, documents, again, META) == total
    assert again.read_bytes() == out.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.pdf"]
    other = tmp_path / "other.pdf"
    assemble_pack(front, documents, other, PackMetadata(**{**META.__dict__, "title": "Changed"}))
    assert PdfReader(other).trailer["/ID"][0].original_bytes != PdfReader(out).trailer["/ID"][0].original_bytes


def test_without_front_pdf(pdfs, tmp_path):
    _, _, documents = pdfs
    out = tmp_path / "bare.pdf"
    assert assemble_pack(None, documents[:1], out, META) == 4
    assert PdfReader(out).page_labels == ["A-1", "A-2", "A-3", "A-4"]
    assert pdf_outline_titles(out)[0] == (0, DOCS[0][0])


def test_naive_creation_date_is_refused(pdfs, tmp_path):
    _, front, documents = pdfs
    naive = PackMetadata(**{**META.__dict__, "creation_date": datetime(2025, 3, 14)})
    with pytest.raises(ValueError, match="timezone"):
        assemble_pack(front, documents, tmp_path / "x.pdf", naive)


def test_a_part_whose_table_is_off_is_written_again_by_pypdf_first(pdfs, tmp_path):
    """A part whose cross-reference table points beside an object (a tool that edited it by hand): the
    byte-for-byte copy refuses it, and the pack is made from every part rewritten by pypdf."""
    _, front, documents = pdfs
    data = documents[0].pdf.read_bytes()
    raw = RawPdf(data)
    page = refs_in(value(raw.body(ref(raw.catalog(), b"/Pages")), b"/Kids"))[0]
    entry = b"%010d 00000 n" % raw.offset(page)
    assert data.count(entry) == 1
    shifted = data.replace(entry, b"%010d 00000 n" % (raw.offset(page) + 1))
    with pytest.raises(NotPlain):
        RawPdf(shifted).body(page)
    odd = tmp_path / "odd.pdf"
    odd.write_bytes(shifted)
    out = tmp_path / "pack.pdf"
    parts = [PackDocument(documents[0].title, odd, documents[0].label)] + documents[1:]
    assert assemble_pack(front, parts, out, META) == 14
    assert PdfReader(out).page_labels[2] == "A-1" and "Recommendation" in pdf_text(out)

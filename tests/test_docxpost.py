"""Comments, core properties and deterministic zips on finished .docx files."""

from __future__ import annotations

import re
import sys
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import docx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from docxread import docx_comments, docx_text  # noqa: E402
from pipeline.word.finalize import CoreProps, ReviewComment, finalize_docx  # noqa: E402
from tests.conftest import ooxml_check  # noqa: E402

HKT = timezone(timedelta(hours=8))
PROPS = CoreProps(title="Notification package", subject="HKMA outsourcing", author="Risk Office",
                  keywords="HKMA; SA-2", category="Regulatory", comments="draft 3",
                  created=datetime(2024, 5, 1, 10, 30, 0, tzinfo=HKT))
WHEN = datetime(2024, 6, 2, 9, 0, 0, tzinfo=HKT)


@pytest.fixture
def src(tmp_path: Path) -> Path:
    doc = docx.Document()
    doc.sections[0].header.paragraphs[0].text = "Header: Confidential"
    doc.sections[0].footer.paragraphs[0].text = "Footer: page"
    doc.add_paragraph("Introduction")
    p = doc.add_paragraph("The vendor ")
    p.add_run("Acme Cloud")
    p.add_run(" Ltd provides hosting.")
    table = doc.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Exit plan tested yearly"
    table.cell(0, 1).text = "Yes"
    doc.add_paragraph("Closing remarks")
    doc.core_properties.last_printed = datetime(2020, 1, 1)
    path = tmp_path / "src.docx"
    doc.save(path)
    return path


COMMENTS = [ReviewComment("Cloud Ltd", "Confirm legal entity name"),
            ReviewComment("Exit plan", "Attach the test report", author="Reviewer", initials="RV"),
            ReviewComment("not in the document", "never anchored")]


def test_comments_anchored_and_missing_returned(src, tmp_path):
    dst = tmp_path / "out" / "final.docx"
    missing = finalize_docx(src, dst, PROPS, COMMENTS, when=WHEN)
    assert missing == ["not in the document"]
    assert docx_comments(dst) == [("The vendor Acme Cloud Ltd provides hosting.", "Confirm legal entity name"),
                                  ("Exit plan tested yearly", "Attach the test report")]
    xml = zipfile.ZipFile(dst).read("word/document.xml").decode()
    # the range covers the whole paragraph holding the anchor text, which is unchanged
    ranged = re.search(r'<w:commentRangeStart w:id="0"/>(.*?)<w:commentRangeEnd w:id="0"/>', xml, re.S).group(1)
    assert "".join(re.findall(r"<w:t[^>]*>([^<]*)<", ranged)) == "The vendor Acme Cloud Ltd provides hosting."
    assert docx.Document(str(dst)).paragraphs[1].text == "The vendor Acme Cloud Ltd provides hosting."
    comments = zipfile.ZipFile(dst).read("word/comments.xml").decode()
    assert comments.count('w:date="2024-06-02T01:00:00Z"') == 2
    assert 'w:author="Reviewer"' in comments and 'w:initials="RV"' in comments


def test_core_properties(src, tmp_path):
    dst = tmp_path / "final.docx"
    finalize_docx(src, dst, PROPS)
    cp = docx.Document(str(dst)).core_properties
    assert (cp.title, cp.subject, cp.author, cp.keywords, cp.category, cp.comments) == (
        "Notification package", "HKMA outsourcing", "Risk Office", "HKMA; SA-2", "Regulatory", "draft 3")
    assert cp.created == cp.modified == datetime(2024, 5, 1, 2, 30, 0, tzinfo=timezone.utc)
    assert cp.last_modified_by == "Risk Office" and cp.revision == 1 and cp.last_printed is None


def test_valid_ooxml(src, tmp_path):
    dst = tmp_path / "final.docx"
    finalize_docx(src, dst, PROPS, COMMENTS, when=WHEN)
    res = ooxml_check([dst])  # skipped when ../shared/tools/ooxml-check is missing, failed under CI
    assert res.returncode == 0, res.stdout + res.stderr


def test_byte_identical_and_zip_layout(src, tmp_path):
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    finalize_docx(src, a, PROPS, COMMENTS, when=WHEN)
    finalize_docx(src, b, PROPS, COMMENTS, when=WHEN)
    assert a.read_bytes() == b.read_bytes()
    infos = zipfile.ZipFile(a).infolist()
    names = [i.filename for i in infos]
    assert names[0] == "[Content_Types].xml" and names[1:] == sorted(names[1:])
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.compress_type for i in infos} == {zipfile.ZIP_DEFLATED}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.docx", "b.docx", "src.docx"]  # no temp left


def test_in_place_and_when_defaults_to_created(src):
    finalize_docx(src, src, PROPS, [ReviewComment("Introduction", "ok")])
    comments = zipfile.ZipFile(src).read("word/comments.xml").decode()
    assert 'w:date="2024-05-01T02:30:00Z"' in comments


def test_docx_text_order(src, tmp_path):
    dst = tmp_path / "final.docx"
    finalize_docx(src, dst, PROPS, COMMENTS, when=WHEN)
    text = docx_text(dst)
    order = ["Introduction", "Acme Cloud Ltd", "Exit plan tested yearly", "Yes", "Closing remarks",
             "Header: Confidential", "Footer: page", "Confirm legal entity name"]
    positions = [text.index(s) for s in order]
    assert positions == sorted(positions)


def test_naive_datetime_rejected(src, tmp_path):
    naive = CoreProps(**{**PROPS.__dict__, "created": datetime(2024, 1, 1)})
    with pytest.raises(ValueError):
        finalize_docx(src, tmp_path / "x.docx", naive)

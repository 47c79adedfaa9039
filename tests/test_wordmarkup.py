"""Markdown -> WordprocessingML, rendered through real docxtpl templates."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jinja2
import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docxtpl import DocxTemplate

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from docxread import docx_text  # noqa: E402
from pipeline.word.markdown import MarkdownToWord  # noqa: E402
from tests.conftest import ooxml_check  # noqa: E402


BODY = """\
# Scope & purpose

The **service provider** hosts *core banking* and `a < b & c` per [HKMA SA-2](https://www.hkma.gov.hk/eng/?a=1&b=2).
First line  
second line after a hard break.

Literal: <script>alert(1)</script> and <b>hi</b>, Smith & Jones, a < b, {{ not a tag }}, {% if x %}.\x07

1. First step
2. Second step
    - detail one
    - detail two
3. Third step

Between the lists.

1. Restarted step
    1. nested a
    2. nested b
2. Another step

- bullet one
- bullet two

| Risk | Rating |
|------|-------:|
| Concentration & exit | **High** |
| Data <leak> | Low |
"""

CELL = """\
Cell with **bold**.

| A | B |
|---|---|
| 1 | 2 |
"""


def make_template(path: Path, list_number_numbering: bool = True) -> Path:
    doc = Document()
    if "Hyperlink" not in [s.name for s in doc.styles]:
        doc.styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
    if not list_number_numbering:
        ppr = doc.styles["List Number"].element.pPr
        ppr.remove(ppr.numPr)
    doc.add_paragraph("Intro")
    doc.add_paragraph("{{p body|markdown }}")
    table = doc.add_table(rows=1, cols=2)
    table.cell(0, 0).paragraphs[0].text = "{{p cell|markdown }}"
    table.cell(0, 1).paragraphs[0].text = "right"
    doc.add_paragraph("Provider: {{r name|inline_markdown }} (end)")
    doc.add_paragraph("{{p caption|markdown('Caption') }}")
    doc.save(path)
    return path


def render(tmp_path: Path, body: str = BODY, name: str = "out.docx", **kw) -> Path:
    tpl = DocxTemplate(make_template(tmp_path / "tpl.docx", **kw))
    converter = MarkdownToWord(tpl)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    env.filters["markdown"] = converter
    env.filters["inline_markdown"] = converter.inline
    ctx = {"body": body, "cell": CELL, "name": "**Acme** & *Sons* <Ltd>", "caption": "Figure *one*"}
    tpl.render(ctx, jinja_env=env, autoescape=True)
    out = tmp_path / name
    tpl.save(out)
    return out


def part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


def paragraphs(xml: str) -> list[str]:
    return re.findall(r"<w:p[ >].*?</w:p>", xml, flags=re.S)


def para_with(xml: str, text: str) -> str:
    return next(p for p in paragraphs(xml) if text in html.unescape("".join(re.findall(r"<w:t[^>]*>([^<]*)<", p))))


def assert_valid(path: Path) -> None:
    res = ooxml_check([path])  # skipped when ../shared/tools/ooxml-check is missing, failed under CI
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.fixture
def rendered(tmp_path: Path) -> Path:
    return render(tmp_path)


def test_output_is_valid_ooxml(rendered):
    assert_valid(rendered)


def test_inline_formatting_and_hyperlink(rendered):
    xml = part(rendered, "word/document.xml")
    assert re.search(r"<w:rPr><w:b/><w:bCs/></w:rPr><w:t[^>]*>service provider<", xml)
    assert re.search(r"<w:rPr><w:i/><w:iCs/></w:rPr><w:t[^>]*>core banking<", xml)
    assert re.search(r'w:ascii="Liberation Mono"[^>]*/></w:rPr><w:t[^>]*>a &lt; b &amp; c<', xml)
    m = re.search(r'<w:hyperlink r:id="(rId\d+)"[^>]*><w:r><w:rPr><w:rStyle w:val="Hyperlink"/>', xml)
    assert m
    rels = part(rendered, "word/_rels/document.xml.rels")
    rel = re.search(r'<Relationship [^>]*Id="%s"[^>]*/>' % m.group(1), rels).group(0)
    assert 'Target="https://www.hkma.gov.hk/eng/?a=1&amp;b=2"' in rel and 'TargetMode="External"' in rel
    assert "<w:br/>" in para_with(xml, "First line")


def test_heading_is_bold_body_text_not_heading_style(rendered):
    xml = part(rendered, "word/document.xml")
    p = para_with(xml, "Scope & purpose")
    assert '<w:pStyle w:val="BodyText"/>' in p and "<w:b/>" in p
    assert "Heading" not in xml


def test_lists_styles_and_restart(rendered):
    xml = part(rendered, "word/document.xml")
    style = lambda text: re.search(r'<w:pStyle w:val="([^"]+)"', para_with(xml, text)).group(1)  # noqa: E731
    assert style("First step") == style("Restarted step") == "ListNumber"
    assert style("detail one") == "ListBullet2"
    assert style("nested a") == "ListNumber2"
    assert style("bullet one") == "ListBullet"
    num = lambda text: int(re.search(r'<w:numId w:val="(\d+)"', para_with(xml, text)).group(1))  # noqa: E731
    assert num("First step") == num("Third step")
    assert len({num("First step"), num("Restarted step"), num("nested a")}) == 3
    numbering = part(rendered, "word/numbering.xml")
    for n in (num("First step"), num("Restarted step"), num("nested a")):
        block = re.search(r'<w:num w:numId="%d">.*?</w:num>' % n, numbering, flags=re.S).group(0)
        assert re.search(r'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>', block)
    # both top-level lists use the abstract numbering of the List Number style (numId 5 -> 7)
    abstract = lambda n: re.search(  # noqa: E731
        r'<w:num w:numId="%d">\s*<w:abstractNumId w:val="(\d+)"' % n, numbering).group(1)
    assert abstract(num("First step")) == abstract(num("Restarted step")) == abstract(5)
    # no empty list paragraphs left behind after nested lists
    assert not [p for p in paragraphs(xml) if "ListNumber" in p and "<w:t" not in p]


def test_table(rendered):
    xml = part(rendered, "word/document.xml")
    tables = re.findall(r"<w:tbl>.*?</w:tbl>", xml, flags=re.S)
    md_table = next(t for t in tables if "Concentration" in t)
    assert '<w:tblBorders>' in md_table and '<w:insideH w:val="single"' in md_table  # grid lines, no table style
    assert '<w:tblW w:w="5000" w:type="pct"/>' in md_table
    assert md_table.count("<w:gridCol ") == 2
    first_row = re.search(r"<w:tr>.*?</w:tr>", md_table, flags=re.S).group(0)
    assert "<w:trPr><w:tblHeader/></w:trPr>" in first_row and "<w:b/>" in first_row
    assert md_table.count("<w:tblHeader/>") == 1
    assert '<w:jc w:val="right"/>' in md_table
    # a table is always followed by a paragraph (cells must end with one)
    assert re.search(r"</w:tbl><w:p>", xml)


def test_markdown_in_table_cell(rendered):
    xml = part(rendered, "word/document.xml")
    outer = xml[xml.index("<w:tbl>", xml.index("Intro")):]
    assert "Cell with " in outer and "</w:tbl><w:p><w:pPr><w:pStyle w:val=\"BodyText\"/></w:pPr></w:p></w:tc>" in outer


def test_literal_text_never_interpreted(rendered):
    text = docx_text(rendered)
    for literal in ("<script>alert(1)</script>", "<b>hi</b>", "Smith & Jones", "a < b",
                    "{{ not a tag }}", "{% if x %}", "Data <leak>", "a < b & c"):
        assert literal in text, literal
    assert "\x07" not in text
    xml = part(rendered, "word/document.xml")
    assert "<w:t xml:space=\"preserve\">hi" not in xml  # <b> did not become a bold run


def test_inline_filter_gives_runs_only(tmp_path):
    out = render(tmp_path)
    p = para_with(part(out, "word/document.xml"), "Provider: ")
    assert re.search(r"<w:b/><w:bCs/></w:rPr><w:t[^>]*>Acme<", p)
    assert "Provider: Acme & Sons <Ltd> (end)" in docx_text(out)
    tpl = DocxTemplate(make_template(tmp_path / "t2.docx"))
    value = MarkdownToWord(tpl).inline("**x** [y](https://example.org)")
    assert value.startswith("<w:r>") and "<w:p" not in value and "<w:hyperlink" in value


def test_style_argument_and_missing_style(tmp_path):
    out = render(tmp_path)
    assert '<w:pStyle w:val="Caption"/>' in para_with(part(out, "word/document.xml"), "Figure")
    tpl = DocxTemplate(make_template(tmp_path / "t3.docx"))
    with pytest.raises(KeyError, match="No Such Style"):
        MarkdownToWord(tpl)("x", style="No Such Style")


def test_deterministic(tmp_path):
    a, b = render(tmp_path, name="a.docx"), render(tmp_path, name="b.docx")
    for name in ("word/document.xml", "word/numbering.xml", "word/_rels/document.xml.rels"):
        assert part(a, name) == part(b, name)


def test_empty_and_control_characters(tmp_path):
    tpl = DocxTemplate(make_template(tmp_path / "t4.docx"))
    conv = MarkdownToWord(tpl)
    assert conv("") == '<w:p><w:pPr><w:pStyle w:val="BodyText"/></w:pPr></w:p>'
    assert "\x01" not in conv("a\x01b\x0cc") and ">abc<" in conv("a\x01b\x0cc")


def test_list_style_without_numbering_gets_its_own(tmp_path):
    out = render(tmp_path, list_number_numbering=False)
    assert_valid(out)
    numbering = part(out, "word/numbering.xml")
    assert numbering.count('<w:name w:val="regpack List Number"/>') == 1


def test_pdf_lists_restart(rendered, tmp_path):
    soffice = shutil.which("soffice")
    if not soffice or not shutil.which("pdftotext"):
        pytest.skip("LibreOffice / pdftotext not installed")
    outdir = tmp_path / "pdf"
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(outdir), str(rendered)],
                   capture_output=True, timeout=180, check=True)
    pdf = outdir / "out.pdf"
    assert pdf.exists() and pdf.stat().st_size > 0
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert re.search(r"1\.\s*First step", text) and re.search(r"3\.\s*Third step", text)
    assert re.search(r"1\.\s*Restarted step", text) and re.search(r"2\.\s*Another step", text)
    assert re.search(r"1\.\s*nested a", text)
    assert "Smith & Jones" in text and "<b>hi</b>" in text


def test_markdown_in_header_has_no_broken_relationship(tmp_path):
    doc = Document()
    doc.styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
    doc.sections[0].header.paragraphs[0].text = "{{p hdr|markdown }}"
    doc.add_paragraph("{{p body|markdown }}")
    doc.save(tmp_path / "h.docx")
    tpl = DocxTemplate(tmp_path / "h.docx")
    conv = MarkdownToWord(tpl)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    env.filters["markdown"] = conv
    tpl.render({"hdr": "**Draft** see [policy](https://example.org) & <notes>", "body": "x"},
               jinja_env=env, autoescape=True)
    tpl.save(tmp_path / "h-out.docx")
    assert_valid(tmp_path / "h-out.docx")
    assert "Draft see policy & <notes>" in docx_text(tmp_path / "h-out.docx")
    assert "<w:hyperlink" not in part(tmp_path / "h-out.docx", "word/header1.xml")


def test_inline_flattens_blocks_with_single_breaks_and_explicit_start_is_kept(tmp_path):
    tpl = DocxTemplate(make_template(tmp_path / "t5.docx"))
    conv = MarkdownToWord(tpl)
    value = conv.inline("para one\n\npara **two**\n\n- item")
    assert value.count("<w:br/>") == 2 and "<w:p" not in value
    conv("3. three\n4. four")
    numbering = tpl.docx.part.numbering_part.element.xml
    assert '<w:startOverride w:val="3"/>' in numbering

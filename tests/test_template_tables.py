"""Table column widths never break a word in a header: every word of every repeating header row of the
shipped templates fits its column, measured with the font's own metrics (Carlito, as the PDFs use)."""

from __future__ import annotations

import zipfile
from functools import lru_cache
from pathlib import Path

import pytest
from lxml import etree
from PIL import ImageFont

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted((ROOT / "templates").glob("*.docx"))
FONTS = Path("/usr/share/fonts/truetype/crosextra")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BORDERS_PT = 1.0
"""Room for the cell's left and right border lines (0.5 pt each in the templates)."""


@lru_cache(maxsize=None)
def _font(bold: bool, size_pt: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / ("Carlito-Bold.ttf" if bold else "Carlito-Regular.ttf")), size_pt)


def word_width(word: str, bold: bool, size_pt: float) -> float:
    """The advance width of `word` in points (a font loaded at N pixels measures in N-point units)."""
    return _font(bold, size_pt).getlength(word)


class Styles:
    """Font size and weight of paragraph styles, following `basedOn`, then the document defaults."""

    def __init__(self, xml: bytes):
        root = etree.fromstring(xml)
        self.by_id = {s.get(f"{W}styleId"): s for s in root.iter(f"{W}style")}
        self.defaults = root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")

    def prop(self, style_id: str | None, tag: str):
        seen = set()
        while style_id and style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            found = self.by_id[style_id].find(f"{W}rPr/{W}{tag}")
            if found is not None:
                return found
            based = self.by_id[style_id].find(f"{W}basedOn")
            style_id = None if based is None else based.get(f"{W}val")
        return None if self.defaults is None else self.defaults.find(f"{W}{tag}")


def _on(element) -> bool:
    return element is not None and element.get(f"{W}val", "true") not in ("0", "false", "off")


def _twips(element, default: int) -> int:
    return default if element is None else int(element.get(f"{W}w", default))


def header_overflows(docx: Path) -> list[str]:
    """`template: table N: "word" needs X pt, its column has Y pt` for each header word that does not fit."""
    with zipfile.ZipFile(docx) as archive:
        body = etree.fromstring(archive.read("word/document.xml")).find(f"{W}body")
        styles = Styles(archive.read("word/styles.xml"))
    problems = []
    for number, tbl in enumerate(body.iter(f"{W}tbl"), 1):
        grid = [int(col.get(f"{W}w")) for col in tbl.iterfind(f"{W}tblGrid/{W}gridCol")]
        margins = tbl.find(f"{W}tblPr/{W}tblCellMar")
        left = _twips(None if margins is None else margins.find(f"{W}left"), 108)
        right = _twips(None if margins is None else margins.find(f"{W}right"), 108)
        for tr in tbl.iterfind(f"{W}tr"):
            if tr.find(f"{W}trPr/{W}tblHeader") is None:
                continue
            column = 0
            for tc in tr.iterfind(f"{W}tc"):
                span = int(tc.find(f"{W}tcPr/{W}gridSpan").get(f"{W}val")) if tc.find(f"{W}tcPr/{W}gridSpan") is not None else 1
                cell_mar = tc.find(f"{W}tcPr/{W}tcMar")
                room = (sum(grid[column:column + span])
                        - _twips(None if cell_mar is None else cell_mar.find(f"{W}left"), left)
                        - _twips(None if cell_mar is None else cell_mar.find(f"{W}right"), right)) / 20 - BORDERS_PT
                column += span
                for p in tc.iter(f"{W}p"):
                    style = p.find(f"{W}pPr/{W}pStyle")
                    style_id = None if style is None else style.get(f"{W}val")
                    for run in p.iterfind(f"{W}r"):
                        size = run.find(f"{W}rPr/{W}sz")
                        size = size if size is not None else styles.prop(style_id, "sz")
                        size_pt = int(size.get(f"{W}val")) / 2 if size is not None else 10
                        bold = run.find(f"{W}rPr/{W}b")
                        bold = _on(bold if bold is not None else styles.prop(style_id, "b"))
                        text = "".join(t.text or "" for t in run.iter(f"{W}t"))
                        for word in text.split():
                            needs = word_width(word, bold, size_pt)
                            if "{" not in word and needs > room:
                                problems.append(f'{docx.name}: table {number}: "{word}" needs {needs:.1f} pt, '
                                                f"its column has {room:.1f} pt")
    return problems


def test_the_templates_are_there():
    assert {p.name for p in TEMPLATES} >= {"notification-package.docx", "risk-assessment-form.docx",
                                           "board-paper.docx", "pack-cover.docx"}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.stem)
def test_no_header_word_breaks(template):
    assert header_overflows(template) == []


def test_the_measure_finds_a_word_too_wide(tmp_path):
    """The measure is not vacuous: 'Responsibility' in Carlito bold 9 pt (~53 pt) does not fit a 2 cm
    column (56.7 pt less 8.5 pt of margins and 1 pt of borders), and fits a 2.5 cm one."""
    narrow = word_width("Responsibility", True, 9)
    assert 48.2 < narrow < 2.5 * 72 / 2.54 - 9.5
    docx = tmp_path / "t.docx"
    _write_table_docx(docx, widths_twips=(1134, 1417), header=("Responsibility", "Met"))
    assert header_overflows(docx) == ['t.docx: table 1: "Responsibility" needs '
                                      f'{narrow:.1f} pt, its column has 47.2 pt']
    _write_table_docx(docx, widths_twips=(1417, 1417), header=("Responsibility", "Met"))
    assert header_overflows(docx) == []


def _write_table_docx(path: Path, widths_twips: tuple[int, ...], header: tuple[str, ...]) -> None:
    """A minimal document: one table with a repeating, bold, 9 pt header row and 85-twip cell margins."""
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    cells = "".join(f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="TT"/>'
                    f'</w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t>{text}</w:t></w:r></w:p></w:tc>'
                    for width, text in zip(widths_twips, header))
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for width in widths_twips)
    document = (f'<w:document {w}><w:body><w:tbl><w:tblPr><w:tblCellMar><w:left w:w="85" w:type="dxa"/>'
                f'<w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
                f'<w:tr><w:trPr><w:tblHeader/></w:trPr>{cells}</w:tr></w:tbl></w:body></w:document>')
    styles = (f'<w:styles {w}><w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val="22"/></w:rPr></w:rPrDefault>'
              f'</w:docDefaults><w:style w:type="paragraph" w:styleId="TT"><w:rPr><w:sz w:val="18"/></w:rPr>'
              f'</w:style></w:styles>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", document)
        archive.writestr("word/styles.xml", styles)

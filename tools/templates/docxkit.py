"""Helpers to write regpack's Word templates with python-docx: styles, fields, tables, cover.

These scripts bootstrap the templates in `templates/`. After that the .docx files are the source
of truth and legal may edit them in Word; re-running the scripts overwrites such edits.
"""

from __future__ import annotations

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

from pipeline.word.markdown import TABLE_BORDERS

NAVY = RGBColor(0x1F, 0x3A, 0x5F)
GREY = RGBColor(0x59, 0x59, 0x59)
BODY_FONT = "Carlito"  # metric-compatible with Calibri; Word substitutes Calibri if absent
HEAD_FONT = "Carlito"
CJK_FONT = "Noto Sans CJK TC"


def _rfonts(style, name: str) -> None:
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), name)
    fonts.set(qn("w:eastAsia"), CJK_FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)


def _heading_numbering(doc) -> int:
    """A multi-level list 1 / 1.1 / 1.1.1 linked to Heading 1-3; returns its numId."""
    numbering = doc.part.numbering_part.element
    ids = [int(n.get(qn("w:abstractNumId"))) for n in numbering.findall(qn("w:abstractNum"))]
    abstract_id = max(ids) + 1
    abstract = OxmlElement("w:abstractNum")
    abstract.set(qn("w:abstractNumId"), str(abstract_id))
    mlt = OxmlElement("w:multiLevelType")
    mlt.set(qn("w:val"), "multilevel")
    abstract.append(mlt)
    for level, text in enumerate(["%1", "%1.%2", "%1.%2.%3"]):
        lvl = OxmlElement("w:lvl")
        lvl.set(qn("w:ilvl"), str(level))
        for tag, val in (("w:start", "1"), ("w:numFmt", "decimal"), ("w:pStyle", f"Heading{level + 1}"),
                         ("w:lvlText", text), ("w:lvlJc", "left")):
            el = OxmlElement(tag)
            el.set(qn("w:val"), val)
            lvl.append(el)
        ppr = OxmlElement("w:pPr")
        ind = OxmlElement("w:ind")
        ind.set(qn("w:left"), str(567 + 284 * level))
        ind.set(qn("w:hanging"), str(567 + 284 * level))
        ppr.append(ind)
        lvl.append(ppr)
        abstract.append(lvl)
    first_num = numbering.find(qn("w:num"))
    first_num.addprevious(abstract)
    num_ids = [int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))]
    num_id = max(num_ids) + 1
    num = OxmlElement("w:num")
    num.set(qn("w:numId"), str(num_id))
    ref = OxmlElement("w:abstractNumId")
    ref.set(qn("w:val"), str(abstract_id))
    num.append(ref)
    numbering.append(num)
    return num_id


def _number_heading(style, num_id: int, level: int) -> None:
    ppr = style.element.get_or_add_pPr()
    numpr = OxmlElement("w:numPr")
    ilvl = OxmlElement("w:ilvl")
    ilvl.set(qn("w:val"), str(level))
    nid = OxmlElement("w:numId")
    nid.set(qn("w:val"), str(num_id))
    numpr.append(ilvl)
    numpr.append(nid)
    before = {"pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl"}
    for child in ppr:
        if child.tag.split("}")[-1] not in before:
            child.addprevious(numpr)
            return
    ppr.append(numpr)


def new_document():
    """A4 document with every style the templates and the Markdown converter use."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    section.header_distance = section.footer_distance = Cm(1.1)
    styles = doc.styles
    normal = styles["Normal"]
    _rfonts(normal, BODY_FONT)
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.1
    for name in ("Body Text", "List Bullet", "List Bullet 2", "List Number", "List Number 2"):
        styles[name].font.size = Pt(10.5)
        styles[name].paragraph_format.space_after = Pt(4)
    num_id = _heading_numbering(doc)
    for level, size in enumerate((15, 12.5, 11)):
        st = styles[f"Heading {level + 1}"]
        _rfonts(st, HEAD_FONT)
        st.font.size, st.font.bold, st.font.color.rgb = Pt(size), True, NAVY
        st.font.italic = False
        st.paragraph_format.space_before = Pt(14 if level == 0 else 10)
        st.paragraph_format.space_after = Pt(6)
        st.paragraph_format.keep_with_next = True
        _number_heading(st, num_id, level)  # after the other properties: schema order
    for name, size, bold, color in (("Title", 24, True, NAVY), ("Subtitle", 14, False, GREY)):
        st = styles[name]
        _rfonts(st, HEAD_FONT)
        st.font.size, st.font.bold, st.font.color.rgb = Pt(size), bold, color
        st.font.italic = False
        st.paragraph_format.space_after = Pt(8)
    _add_style(doc, "Hyperlink", WD_STYLE_TYPE.CHARACTER, color=RGBColor(0x05, 0x63, 0xC1), underline=True)
    _add_style(doc, "Small", WD_STYLE_TYPE.PARAGRAPH, size=8.5, color=GREY)
    _add_style(doc, "Table Text", WD_STYLE_TYPE.PARAGRAPH, size=9)
    for name in ("List Bullet", "List Bullet 2", "List Number", "List Number 2"):  # lists in table cells
        st = doc.styles.add_style(f"Table {name}", WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = styles[name]
        st.font.size = Pt(9)
        st.paragraph_format.space_after = Pt(2)
    _add_style(doc, "Cover Line", WD_STYLE_TYPE.PARAGRAPH, size=13, color=GREY)
    _add_style(doc, "Draft Mark", WD_STYLE_TYPE.PARAGRAPH, size=11, bold=True,
               color=RGBColor(0xC0, 0x00, 0x00))
    _add_style(doc, "Heading Unnumbered", WD_STYLE_TYPE.PARAGRAPH, size=15, bold=True, color=NAVY)
    for level in (1, 2, 3):
        st = _add_style(doc, f"TOC {level}", WD_STYLE_TYPE.PARAGRAPH, size=10.5)
        st.paragraph_format.left_indent = Cm(0.5 * (level - 1))
        st.paragraph_format.space_after = Pt(2)
    table_grid = styles["Table Grid"]
    table_grid.font.size = Pt(9)
    _british_english(doc)
    _declare_font(doc, BODY_FONT)
    _update_fields_on_open(doc)
    return doc


def _british_english(doc) -> None:
    """Every document's language: British English (Chinese text marked as Hong Kong Chinese)."""
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    for key, value in (("w:val", "en-GB"), ("w:eastAsia", "zh-HK"), ("w:bidi", "ar-SA")):
        lang.set(qn(key), value)


def _declare_font(doc, name: str) -> None:
    """Declare `name` in the font table with Calibri's metrics (Carlito is metric-compatible), so Word
    knows the font and what to use in its place instead of guessing."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from lxml import etree
    part = doc.part.part_related_by(RT.FONT_TABLE)
    root = etree.fromstring(part.blob)
    if root.find(f"{qn('w:font')}[@{qn('w:name')}='{name}']") is not None:
        return
    font = etree.SubElement(root, qn("w:font"), {qn("w:name"): name})
    for tag, value in (("w:altName", "Calibri"), ("w:panose1", "020F0502020204030204"), ("w:charset", "00"),
                       ("w:family", "swiss"), ("w:pitch", "variable")):
        etree.SubElement(font, qn(tag), {qn("w:val"): value})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _add_style(doc, name, kind, size=None, bold=None, color=None, underline=None):
    st = doc.styles.add_style(name, kind)
    if kind == WD_STYLE_TYPE.PARAGRAPH:
        st.base_style = doc.styles["Normal"]
    if size:
        st.font.size = Pt(size)
    if bold is not None:
        st.font.bold = bold
    if color is not None:
        st.font.color.rgb = color
    if underline:
        st.font.underline = True
    return st


def _update_fields_on_open(doc) -> None:
    """Word refreshes the table of contents and page fields when legal opens the draft."""
    settings = doc.settings.element
    el = OxmlElement("w:updateFields")
    el.set(qn("w:val"), "true")
    # schema order: updateFields comes just before these (CT_Settings sequence)
    later = {"hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr",
             "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
             "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown", "smartTagType",
             "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol", "listSeparator"}
    for child in settings:
        if child.tag.split("}")[-1] in later:
            child.addprevious(el)
            return
    settings.append(el)


def add_field(paragraph, instruction: str, placeholder: str = "1") -> None:
    """A complex field (PAGE, NUMPAGES, TOC ...) with placeholder text."""
    def run_with(tag, **attrs):
        run = paragraph.add_run()
        el = OxmlElement(tag)
        for k, v in attrs.items():
            el.set(qn(k), v)
        run._r.append(el)
        return run
    run_with("w:fldChar", **{"w:fldCharType": "begin", "w:dirty": "true"})
    instr = paragraph.add_run()
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = f" {instruction} "
    instr._r.append(it)
    run_with("w:fldChar", **{"w:fldCharType": "separate"})
    paragraph.add_run(placeholder)
    run_with("w:fldChar", **{"w:fldCharType": "end"})


def page_break(doc) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def direct_borders(table) -> None:
    """Grid lines and cell margins on the table itself, not through a table style (see TABLE_BORDERS)."""
    tblpr = table._tbl.tblPr
    for style in tblpr.findall(qn("w:tblStyle")):
        tblpr.remove(style)
    fragment = parse_xml(f"<w:tblPr {nsdecls('w')}>{TABLE_BORDERS}</w:tblPr>")
    after = {"tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
             "tblW", "jc", "tblCellSpacing", "tblInd"}
    anchor = next((c for c in tblpr if c.tag.split("}")[-1] not in after), None)
    for child in list(fragment):
        anchor.addprevious(child) if anchor is not None else tblpr.append(child)


def shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def repeat_header(row) -> None:
    """The row repeats at the top of each page. Never with `cant_split` rows in the same table (see loop_table)."""
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    trpr.append(el)


def cant_split(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    trpr.insert(0, OxmlElement("w:cantSplit"))


def set_widths(table, widths_cm) -> None:
    """Cell widths and the table grid (LibreOffice lays tables out from the grid)."""
    table.autofit = False
    for col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths_cm):
        col.set(qn("w:w"), str(int(Cm(width).twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm):
            cell.width = Cm(width)


def cell_text(cell, text: str, bold: bool = False, style: str = "Table Text") -> None:
    par = cell.paragraphs[0]
    par.style = style
    run = par.add_run(text)
    run.bold = bold or None


def loop_table(doc, headers, cells, loop: str, widths, header_fill="1F3A5F"):
    """A table with a repeating header row and one row per item of `loop` (docxtpl `{%tr %}`)."""
    table = doc.add_table(rows=4, cols=len(headers))
    direct_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers):
        cell_text(cell, text, bold=True)
        cell.paragraphs[0].runs[0].font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        shade(cell, header_fill)
    repeat_header(table.rows[0])
    cell_text(table.rows[1].cells[0], "{%tr for " + loop + " %}")
    for cell, text in zip(table.rows[2].cells, cells):
        cell_text(cell, text)
    # no cant_split here: LibreOffice 7.4 drops the rows of a table whose header repeats and whose rows
    # may not split when it reaches a page foot with room for the header and one row (engineering notes)
    cell_text(table.rows[3].cells[0], "{%tr endfor %}")
    set_widths(table, widths)
    doc.add_paragraph(style="Small")
    return table


def kv_table(doc, pairs, widths=(5.0, 11.6)):
    """A two-column label / value table."""
    table = doc.add_table(rows=len(pairs), cols=2)
    direct_borders(table)
    for row, (label, value) in zip(table.rows, pairs):
        cell_text(row.cells[0], label, bold=True)
        shade(row.cells[0], "E8EEF5")
        single = value.startswith("{{ ") and value.endswith(" }}") and value.count("{{") == 1
        # a value that is one source field may be Markdown, like any text field
        cell_text(row.cells[1], "{{p " + value[3:-3] + "|markdown('Table Text') }}" if single else value)
        cant_split(row)
    set_widths(table, widths)
    doc.add_paragraph(style="Small")
    return table


def header_footer(doc, title_expr: str) -> None:
    """Header: classification, reference, DRAFT; footer: title and page X of Y. None on the cover."""
    section = doc.sections[0]
    section.different_first_page_header_footer = True  # the cover: no running header or page number
    section.first_page_header.is_linked_to_previous = False
    section.first_page_footer.is_linked_to_previous = False
    head = section.header.paragraphs[0]
    head.style = doc.styles["Header"]
    head.add_run("{{ doc.classification }} | {{ doc.reference }}{% if doc.draft %} | DRAFT{% endif %}")
    for run in head.runs:
        run.font.size, run.font.color.rgb = Pt(8.5), GREY
    foot = section.footer.paragraphs[0]
    foot.style = doc.styles["Footer"]
    foot.add_run(title_expr + "    Page ")
    add_field(foot, "PAGE")
    foot.add_run(" of ")
    add_field(foot, "NUMPAGES")
    foot.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for run in foot.runs:
        run.font.size, run.font.color.rgb = Pt(8.5), GREY


def cover(doc, title: str) -> None:
    """Cover page: institution in both languages, document title, arrangement, version, date."""
    for _ in range(3):
        doc.add_paragraph()
    doc.add_paragraph("{{ inst.name_en }}", style="Cover Line")
    doc.add_paragraph("{{ inst.name_zh }}", style="Cover Line")
    doc.add_paragraph()
    doc.add_paragraph(title, style="Title")
    doc.add_paragraph("{{ arr.title }}", style="Subtitle")
    doc.add_paragraph()
    kv_table(doc, [("Document reference", "{{ doc.reference }}"), ("Version", "{{ doc.version }}"),
                   ("Date", "{{ doc.date }}"), ("Classification", "{{ doc.classification }}"),
                   ("Status", "{{ doc.status }}")])
    doc.add_paragraph("{%p if doc.draft %}")
    doc.add_paragraph("DRAFT FOR REVIEW. Comments in the margin mark open items. Not for submission.",
                      style="Draft Mark")
    doc.add_paragraph("{%p endif %}")
    page_break(doc)
    doc.add_paragraph("Contents", style="Heading Unnumbered")
    toc = doc.add_paragraph()
    add_field(toc, 'TOC \\o "1-2" \\h \\z \\u', "Contents are refreshed when the document is built.")
    page_break(doc)


# Word's stock table styles (Light Shading, Medium Grid 3 - Accent 6, ...): a hundred definitions
# the templates never use, which every rendered document would carry (and parse, and compress).
_KEEP_TABLE_STYLES = {"TableNormal", "TableGrid"}
# Parts python-docx's default document brings along: the Word 2010 copy of the styles, a bibliography
# store, and a thumbnail picture of some other document (shown by file browsers).
_DROP_RELATIONSHIPS = ("/stylesWithEffects", "/customXml", "/thumbnail")


def save(doc, path) -> None:
    """Save the template without the default document's unused styles and parts."""
    styles = doc.styles.element
    for style in styles.findall(qn("w:style")):
        if style.get(qn("w:type")) == "table" and style.get(qn("w:styleId")) not in _KEEP_TABLE_STYLES:
            styles.remove(style)
    for owner in (doc.part, doc.part.package):
        for rel in list(owner.rels.values()):
            if rel.reltype.endswith(_DROP_RELATIONSHIPS):
                owner.rels.pop(rel.rId)
    doc.save(path)

"""Markdown prose -> WordprocessingML for docxtpl (`{{p x|markdown }}`, `{{r x|inline_markdown }}`).

Raw HTML is never interpreted: `&`, `<`, `>` become private-use placeholders before Python-Markdown
runs and reach Word as literal text. All XML text is escaped here (the value is `Markup`); `{`, `}`
are written as character references so docxtpl's post-render string replacements cannot touch them.
"""

import functools
import re
from itertools import groupby
from typing import NamedTuple

import markdown
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from lxml import etree
from markupsafe import Markup

from pipeline.word.numbering import restarted_list

_PLACEHOLDERS = {"&": "\ue000", "<": "\ue001", ">": "\ue002"}
_PLACE = str.maketrans(_PLACEHOLDERS)
_UNPLACE = str.maketrans({v: k for k, v in _PLACEHOLDERS.items()})
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff\ue000-\ue002]")
_XML_ESC = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "{": "&#123;", "}": "&#125;"})
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = _HEADINGS | {"p", "li", "ul", "ol", "tr", "table", "pre", "hr", "div", "blockquote"}
_LINK_SCHEMES = ("http://", "https://", "mailto:")
_MONO = "Liberation Mono"
_HR_BORDER = '<w:pBdr><w:bottom w:val="single" w:sz="6" w:space="1" w:color="auto"/></w:pBdr>'


class Fmt(NamedTuple):
    bold: bool = False
    italic: bool = False
    code: bool = False
    link: str | None = None


PLAIN = Fmt()
Segment = tuple[str, Fmt]  # text "\n" is a line break


def _esc(text: str) -> str:
    return text.translate(_XML_ESC)


def _has_text(segs: list[Segment]) -> bool:
    last = next((t for t, _ in reversed(segs) if t.strip() or t == "\n"), "\n")
    return last != "\n"


def _clean_source(text: object) -> str:
    text = "" if text is None else str(text)
    return _BAD_CHARS.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).translate(_PLACE)


# Borders and cell margins set on each table rather than through a table style: LibreOffice's import
# applies a table style to every cell, which measurably slowed conversion of the long tables.
TABLE_BORDERS = ("<w:tblBorders>" + "".join(
    f'<w:{edge} w:val="single" w:sz="4" w:space="0" w:color="808080"/>'
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV")) + "</w:tblBorders>"
    '<w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>')

# text with none of these needs no Markdown parser: it is one plain paragraph
_MARKDOWN_SYNTAX = re.compile(r"[*_`\[\]<>&#|!\\\n\r{}~=]|^\s*([-+]|\d+[.)])(\s|$)|^ {4}|\t|\s$")


_MARKDOWN = {nl2br: markdown.Markdown(extensions=["tables", "sane_lists"] + (["nl2br"] if nl2br else []),
                                     output_format="xhtml") for nl2br in (False, True)}


@functools.lru_cache(maxsize=4096)
def _html_tree(text: str, nl2br: bool) -> etree._Element:
    """Markdown -> (X)HTML element tree. Cached: the three documents of an arrangement, and arrangements
    sharing boilerplate, convert the same prose; the tree is only read, never changed."""
    md = _MARKDOWN[nl2br]
    md.reset()
    html = md.convert(_clean_source(text))
    return etree.fromstring(f"<root>{html}</root>", etree.XMLParser(resolve_entities=False))


class MarkdownToWord:
    """A Jinja filter turning Markdown into Word paragraphs, lists and tables for one template."""

    def __init__(self, tpl, *, nl2br: bool = False):
        if getattr(tpl, "docx", None) is None:
            tpl.init_docx()
        self.tpl = tpl
        self._nl2br = nl2br

    # -- public API --------------------------------------------------------------------------
    def __call__(self, text: str, style: str = "Body Text") -> Markup:
        style_id, out = self._sid(style), []
        source = "" if text is None else str(text)
        if source.strip() and not _MARKDOWN_SYNTAX.search(source):  # fast path: one plain paragraph
            return Markup(self._para(style_id, [(" ".join(_BAD_CHARS.sub("", source).split()), PLAIN)]))
        self._blocks(self._parse(text), style_id, out)
        return Markup("".join(out) or self._para(style_id, []))

    def inline(self, text: str) -> Markup:
        segs: list[Segment] = []
        self._inline(self._parse(text), PLAIN, segs)
        return Markup(self._runs(segs))

    # -- parsing -----------------------------------------------------------------------------
    def _parse(self, text: str) -> etree._Element:
        return _html_tree("" if text is None else str(text), self._nl2br)

    @property
    def _docx(self):
        return self.tpl.docx

    def _sid(self, name: str) -> str:
        cache = self.__dict__.setdefault("_style_ids", {})
        if name not in cache:
            try:
                cache[name] = self._docx.styles[name].style_id
            except KeyError:
                raise KeyError(f"the template defines no style named {name!r} (used for Markdown)") from None
        return cache[name]

    # -- block level -------------------------------------------------------------------------
    def _blocks(self, el, style_id: str, out: list[str]) -> None:
        for child in el:
            tag = child.tag
            if tag in ("ul", "ol"):
                self._list(child, 1, style_id, out)
            elif tag == "table":
                out.append(self._table(child))
                out.append(self._para(style_id, []))  # a table cell must end with a paragraph
            elif tag == "pre":
                code = "".join(child.itertext()).translate(_UNPLACE).strip("\n")
                out.append(self._para(style_id, [(code, Fmt(code=True))]))
            elif tag == "hr":
                out.append(self._para(style_id, [], pbdr=_HR_BORDER))
            else:  # p, headings, anything else (no raw HTML gets here): one paragraph of inline content
                heading = tag in _HEADINGS
                segs: list[Segment] = []
                self._inline(child, Fmt(bold=heading), segs)
                out.append(self._para(style_id, segs, keep_next=heading))

    @property
    def _table_text(self) -> str | None:
        return self._sid("Table Text") if self._has_style("Table Text") else None

    def _has_style(self, name: str) -> bool:
        known = self.__dict__.setdefault("_has", {})
        if name not in known:
            try:
                known[name] = bool(self._sid(name))
            except KeyError:
                known[name] = False
        return known[name]

    def _list(self, el, depth: int, body_style: str, out: list[str]) -> None:
        ordered = el.tag == "ol"
        level = min(depth, 2)
        name = ("List Number" if ordered else "List Bullet") + ("" if level == 1 else " 2")
        if body_style == self._table_text and self._has_style(f"Table {name}"):
            name = f"Table {name}"  # lists in table cells in the table text's size
        sid = self._sid(name)
        num = restarted_list(self._docx, name, int(el.get("start") or 1)) if ordered else None
        for li in el.iterfind("li"):
            segs: list[Segment] = []
            started = False

            def flush() -> None:
                nonlocal segs, started  # text after a nested block: unnumbered, indented like the item
                out.append(self._para(sid, segs, num=(0, 0), ind=360 * level) if started
                           else self._para(sid, segs, num=num))
                segs, started = [], True

            self._text(li.text, PLAIN, segs)
            for child in li:
                if child.tag in ("ul", "ol"):
                    flush()
                    self._list(child, depth + 1, body_style, out)
                elif child.tag in ("table", "pre", "hr"):
                    flush()
                    self._blocks([child], body_style, out)
                else:
                    self._inline_el(child, PLAIN, segs)
                self._text(child.tail, PLAIN, segs)
            if _has_text(segs) or not started:
                flush()

    def _table(self, el) -> str:
        rows = [(tr, tr.getparent().tag == "thead") for tr in el.iter("tr")]
        ncols = max((len(tr.findall("*")) for tr, _ in rows), default=1) or 1
        grid = "".join(f'<w:gridCol w:w="{self._text_width() // ncols}"/>' for _ in range(ncols))
        xml = [f'<w:tbl><w:tblPr><w:tblW w:w="5000" w:type="pct"/>{TABLE_BORDERS}</w:tblPr>'
               f"<w:tblGrid>{grid}</w:tblGrid>"]
        for tr, head in rows:
            xml.append("<w:tr><w:trPr><w:tblHeader/></w:trPr>" if head else "<w:tr>")
            cells = tr.findall("*")
            for i in range(ncols):
                segs: list[Segment] = []
                jc = None
                if i < len(cells):
                    self._inline(cells[i], Fmt(bold=head or cells[i].tag == "th"), segs)
                    m = re.search(r"text-align:\s*(left|center|right)", cells[i].get("style", ""))
                    jc = m.group(1) if m else cells[i].get("align")
                xml.append(f'<w:tc><w:tcPr><w:tcW w:w="{5000 // ncols}" w:type="pct"/></w:tcPr>'
                           f"{self._para(None, segs, jc=jc)}</w:tc>")
            xml.append("</w:tr>")
        return "".join(xml) + "</w:tbl>"

    def _text_width(self) -> int:
        try:
            sec = self._docx.sections[-1]
            return int(sec.page_width - sec.left_margin - sec.right_margin) // 635  # EMU -> twips
        except (IndexError, TypeError):
            return 9026

    def _para(self, style_id, segs, *, num=None, keep_next=False, pbdr="", ind=None, jc=None) -> str:
        ppr = f'<w:pStyle w:val="{_esc(style_id)}"/>' if style_id else ""
        ppr += "<w:keepNext/>" if keep_next else ""
        if num is not None:
            ppr += f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>'
        ppr += pbdr + (f'<w:ind w:left="{ind}"/>' if ind else "")
        ppr += f'<w:jc w:val="{jc}"/>' if jc in ("left", "center", "right") else ""
        return f"<w:p>{f'<w:pPr>{ppr}</w:pPr>' if ppr else ''}{self._runs(segs)}</w:p>"

    # -- inline level ------------------------------------------------------------------------
    def _text(self, text: str | None, fmt: Fmt, segs: list[Segment]) -> None:
        if text:
            segs.append((re.sub(r"[ \t\n]+", " ", text.translate(_UNPLACE)), fmt))

    def _inline(self, el, fmt: Fmt, segs: list[Segment]) -> None:
        """The inline content of `el`; nested blocks (only in inline()) become line breaks."""
        self._text(el.text, fmt, segs)
        for child in el:
            self._inline_el(child, fmt, segs)
            self._text(child.tail, fmt, segs)

    def _inline_el(self, child, fmt: Fmt, segs: list[Segment]) -> None:
        tag = child.tag
        if tag in _BLOCKS and _has_text(segs):
            segs.append(("\n", fmt))
        elif tag in ("td", "th") and _has_text(segs):
            segs.append((" ", fmt))
        if tag in ("strong", "b"):
            self._inline(child, fmt._replace(bold=True), segs)
        elif tag in ("em", "i"):
            self._inline(child, fmt._replace(italic=True), segs)
        elif tag == "code":
            code = "".join(child.itertext()).translate(_UNPLACE).replace("\n", " ")
            segs.append((code, fmt._replace(code=True)))
        elif tag == "a":
            href = (child.get("href") or "").translate(_UNPLACE).strip()
            link = href if href.lower().startswith(_LINK_SCHEMES) else None  # no relative/script links
            self._inline(child, fmt._replace(link=link), segs)
        elif tag == "br":
            segs.append(("\n", fmt))
        elif tag == "img":
            self._text(child.get("alt"), fmt, segs)
        else:
            self._inline(child, fmt._replace(bold=fmt.bold or tag in _HEADINGS or tag == "th"), segs)

    @staticmethod
    def _trim(segs: list[Segment]) -> list[Segment]:
        """Drop spaces at the start and end of a paragraph and around line breaks."""
        out: list[Segment] = []
        for text, fmt in [*segs, ("\n", PLAIN)]:  # the sentinel break trims the end
            if text == "\n":
                if out and not out[-1][1].code:
                    out[-1] = (out[-1][0].rstrip(" "), out[-1][1])
            elif not fmt.code and (not out or out[-1][0] == "\n"):
                text = text.lstrip(" ")
            if text:
                out.append((text, fmt))
        while out and out[-1][0] == "\n":
            out.pop()
        return [s for s in out if s[0]]

    def _runs(self, segs: list[Segment]) -> str:
        xml = []
        for link, group in groupby(self._trim(segs), key=lambda seg: seg[1].link):
            runs = "".join(self._run(text, fmt) for text, fmt in group)
            rid = self._url_id(link) if link else None
            xml.append(f'<w:hyperlink r:id="{_esc(rid)}" w:history="1">{runs}</w:hyperlink>' if rid else runs)
        return "".join(xml)

    def _url_id(self, url: str) -> str | None:
        """A relationship id for an external link, or None outside the main document part."""
        part = getattr(self.tpl, "current_rendering_part", None)
        if part is not None and part is not self._docx.part:
            return None  # headers/footers: docxtpl rebuilds those parts, a new relationship is lost
        # what tpl.build_url_id() does, minus its reload of the template when called after render()
        return self._docx.part.relate_to(url, RT.HYPERLINK, is_external=True)

    def _run(self, text: str, fmt: Fmt) -> str:
        rpr = f'<w:rStyle w:val="{_esc(self._sid("Hyperlink"))}"/>' if fmt.link else ""
        if fmt.code:
            rpr += f'<w:rFonts w:ascii="{_MONO}" w:hAnsi="{_MONO}" w:cs="{_MONO}"/>'
        rpr += ("<w:b/><w:bCs/>" if fmt.bold else "") + ("<w:i/><w:iCs/>" if fmt.italic else "")
        body = "".join({"\n": "<w:br/>", "\t": "<w:tab/>"}.get(piece)
                       or f'<w:t xml:space="preserve">{_esc(piece)}</w:t>'
                       for piece in re.split(r"(\n|\t)", text) if piece)
        return f"<w:r>{f'<w:rPr>{rpr}</w:rPr>' if rpr else ''}{body}</w:r>"

"""The Word side of the Word/PDF text check (textcheck.py): a document's body as passages.

A passage is a body paragraph or a table row, in document order, with its section (the last heading
above it); a nested table's text counts as its cell's. What the PDF shows but the Word file does not
hold (a recomputed field's result, a list item's number or bullet) is a GAP; a HYPERLINK field's result
is the author's text and is kept. Hidden and deleted runs, drawings, text boxes and comments are left out.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_SKIPPED = {f"{W}{t}" for t in ("del", "moveFrom", "drawing", "pict", "object", "rPr", "pPr")}
_SKIPPED.add("{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent")
_KEPT_FIELDS = ("HYPERLINK",)
"""Fields whose result is the text the author wrote; every other field is recomputed on conversion."""
_HEADING = re.compile(r"^(Heading|Title)")
_LIST_STYLE = ("List", "TableList")
GAP = "\ue000"
"""In Word-side text: what the PDF shows here is not in the Word file (a field's result, a list label)."""


@dataclass
class Passage:
    """A body paragraph (one text), or a table row (one text per cell), with GAP marks."""

    section: str
    kind: str  # "paragraph" or "table row"
    texts: list[str] = field(default_factory=list)

    def shown(self, limit: int = 100) -> str:
        text = " | ".join(" ".join(t.replace(GAP, " ").split()) for t in self.texts if t.replace(GAP, "").strip())
        return text if len(text) <= limit else text[:limit - 1] + "…"


_SPECIAL = tuple(f"{W}{t}" for t in ("fldChar", "instrText", "fldSimple", "vanish", "del", "moveFrom", "drawing",
                                     "pict", "object")) + ("{http://schemas.openxmlformats.org/markup-compatibility"
                                                           "/2006}AlternateContent",)
"""What makes a paragraph's text more than its w:t elements: fields, hidden or deleted runs, drawings."""
_PLAIN = (f"{W}t", f"{W}tab", f"{W}br", f"{W}cr")


def _special_paragraphs(body) -> set:
    """The paragraphs holding anything of _SPECIAL (at any depth): the others are read by their w:t."""
    special = set()
    for element in body.iter(*_SPECIAL):
        parent = element.getparent()
        while parent is not None:
            if parent.tag == f"{W}p":
                special.add(parent)
            parent = parent.getparent()
    return special


class _Reader:
    """Walks document.xml: the text of each paragraph without field results, hidden or deleted text."""

    def __init__(self, special: set) -> None:
        self.fields: list[list] = []  # open complex fields: [instruction, showing result?]
        self.section = "(before the first heading)"
        self.passages: list[Passage] = []
        self.special = special  # see _special_paragraphs

    def body(self, element) -> None:
        for child in element:
            if child.tag == f"{W}p":
                properties = _properties(child)
                text = self.paragraph(child, properties)
                if properties is not None and (_HEADING.match(_style(properties))
                                               or _child(properties, f"{W}outlineLvl") is not None) \
                        and text.replace(GAP, "").strip():
                    self.section = " ".join(text.replace(GAP, " ").split())
                self.passages.append(Passage(self.section, "paragraph", [text]))
            elif child.tag == f"{W}tbl":
                self.table(child, None)
            elif child.tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml"):
                self.body(child)

    def table(self, tbl, out: list[str] | None) -> None:
        for tr in tbl.iterchildren(f"{W}tr"):
            cells = []
            for tc in tr.iterchildren(f"{W}tc"):
                text: list[str] = []
                self.cell(tc, text)
                cells.append("".join(text))
            if out is None:
                self.passages.append(Passage(self.section, "table row", cells))
            else:
                out.extend(cells)  # a nested table's text counts as its cell's

    def cell(self, element, out: list[str]) -> None:
        for child in element:
            if child.tag == f"{W}p":
                out.append(self.paragraph(child, _properties(child)))
            elif child.tag == f"{W}tbl":
                self.table(child, out)
            elif child.tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml"):
                self.cell(child, out)

    def paragraph(self, p, properties) -> str:
        """`properties`: the paragraph's w:pPr (see _properties), or None."""
        listed = properties is not None and (_child(properties, f"{W}numPr") is not None
                                             or _style(properties).startswith(_LIST_STYLE))
        out: list[str] = [GAP] if listed else []  # its number or bullet
        if self.fields or p in self.special:
            self._inline(p, out)
        else:  # text and breaks only: read without walking every run
            out += [(e.text or "") if e.tag == _PLAIN[0] else " " for e in p.iter(*_PLAIN)]
        return "".join(out)

    def _inline(self, element, out: list[str]) -> None:
        for child in element:
            tag = child.tag
            if tag in _SKIPPED:
                continue
            if tag == f"{W}r" and _hidden(child):
                continue
            if tag == f"{W}fldChar":
                kind = child.get(f"{W}fldCharType")
                if kind == "begin":
                    self.fields.append(["", False])
                elif kind == "separate" and self.fields:
                    self.fields[-1][1] = True
                elif kind == "end" and self.fields:
                    instruction, _ = self.fields.pop()
                    if not _kept(instruction) and self._shown():
                        out.append(GAP)  # its result, as LibreOffice computes it
            elif tag == f"{W}instrText" and self.fields:
                self.fields[-1][0] += child.text or ""
            elif tag == f"{W}fldSimple":
                if _kept(child.get(f"{W}instr", "")):
                    self._inline(child, out)
                elif self._shown():
                    out.append(GAP)
            elif tag == f"{W}t":
                if self._shown():
                    out.append(child.text or "")
            elif tag in (f"{W}tab", f"{W}br", f"{W}cr"):
                out.append(" ")
            else:
                self._inline(child, out)

    def _shown(self) -> bool:
        """Text outside fields, or in the result of a field whose result is the author's text."""
        return all(shown and _kept(instruction) for instruction, shown in self.fields)


def _kept(instruction: str) -> bool:
    return instruction.split()[:1] in ([k] for k in _KEPT_FIELDS)


def _properties(element, tag: str = f"{W}pPr"):
    """A paragraph's w:pPr or a run's w:rPr (`tag`): the schema puts it first; looked for when not."""
    if not len(element):
        return None
    first = element[0]
    return first if first.tag == tag else _child(element, tag)


def _child(element, tag: str):
    """The first child with `tag`, or None (lxml's find parses a path on every call: ~5 us)."""
    return next(element.iterchildren(tag), None)


def _style(properties) -> str:
    style = _child(properties, f"{W}pStyle")
    return "" if style is None else style.get(f"{W}val", "")


def _hidden(run) -> bool:
    properties = _properties(run, f"{W}rPr")
    vanish = None if properties is None else _child(properties, f"{W}vanish")
    return vanish is not None and vanish.get(f"{W}val", "true") not in ("0", "false", "off")


def word_passages(docx: Path) -> tuple[list[Passage], tuple[int, int, int, int]]:
    """The body's passages in document order, and the body area of its pages in points
    (x, y, width, height; the smallest margins of all sections)."""
    with zipfile.ZipFile(docx) as archive:
        body = etree.fromstring(archive.read("word/document.xml")).find(f"{W}body")
    reader = _Reader(_special_paragraphs(body))
    reader.body(body)
    pages = [(int(size.get(f"{W}w", 0)) / 20, int(size.get(f"{W}h", 0)) / 20,
              abs(int(margins.get(f"{W}top", 0))) / 20, abs(int(margins.get(f"{W}bottom", 0))) / 20)
             for sect in body.iter(f"{W}sectPr")
             if (size := sect.find(f"{W}pgSz")) is not None and (margins := sect.find(f"{W}pgMar")) is not None]
    if not pages:
        return reader.passages, (0, 0, 0, 0)  # no page set-up: the whole page
    top, bottom = min(p[2] for p in pages), max(p[1] - p[3] for p in pages)
    return reader.passages, (0, int(top) - 1, int(max(p[0] for p in pages)) + 1, int(bottom - top) + 3)

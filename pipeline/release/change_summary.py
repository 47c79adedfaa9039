"""The change summary for legal: a Word document listing what changed between two versions, field by
field, with the words that differ struck through (old) and underlined (new)."""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import docx
from docx.oxml import OxmlElement

from pipeline.word.finalize import finalize_document
from pipeline.word.props import CoreProps


@dataclass(frozen=True)
class SummarySection:
    heading: str
    subheading: str
    rows: list[tuple[str, str, str]]
    """(field, old, new)"""


def write_summary_docx(dest: Path, title: str, intro: list[str], sections: list[SummarySection],
                       lists: list[tuple[str, list[str]]], keywords: str, when: str | None) -> None:
    """Title, intro paragraphs, a Field | Old | New table per section (the words that differ struck
    through in Old and underlined in New), then bullet lists. Dated `when`, not now: reproducible."""
    document = docx.Document()
    document.add_heading(title, 0)
    for line in intro:
        document.add_paragraph(line)
    heading = None
    for section in sections:
        if section.heading != heading:
            document.add_heading(section.heading, 1)
            heading = section.heading
        if section.subheading:
            document.add_heading(section.subheading, 2)
        _table(document, section.rows)
    for name, items in lists:
        if items:
            document.add_heading(name, 1)
            for item in items:
                document.add_paragraph(item, style="List Bullet")
    props = CoreProps(title=title, subject="", author="regpack", keywords=keywords, category="Change summary",
                      comments="", created=_when(when))
    finalize_document(document, dest, props)
    os.chmod(dest, 0o644)


def _table(document, rows: list[tuple[str, str, str]]) -> None:
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("Field", "Old", "New")):
        cell.paragraphs[0].add_run(text).bold = True
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))   # repeat on each page
    for name, old, new in rows:
        cells = table.add_row().cells
        cells[0].paragraphs[0].add_run(name)
        a, b = re.findall(r"\S+\s*", old), re.findall(r"\S+\s*", new)
        same_a, same_b = set(), set()
        for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
            same_a.update(range(block.a, block.a + block.size))
            same_b.update(range(block.b, block.b + block.size))
        for cell, words, same, strike in ((cells[1], a, same_a, True), (cells[2], b, same_b, False)):
            for i, word in enumerate(words):
                if i in same or len(a) < 2 or len(b) < 2:
                    cell.paragraphs[0].add_run(word)
                    continue
                run = cell.paragraphs[0].add_run(word.rstrip())
                run.bold, run.font.strike, run.font.underline = True, strike, not strike
                if word != word.rstrip():
                    cell.paragraphs[0].add_run(word[len(word.rstrip()):])


def _when(stamp: str | None) -> datetime:
    """The build date the summary is dated with (never the clock), as an aware datetime."""
    try:
        when = datetime.fromisoformat(stamp or "")
    except ValueError:
        when = datetime(1980, 1, 1, tzinfo=timezone.utc)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)

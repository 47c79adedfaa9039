"""Word and PDF say the same: every paragraph and table row of a Word document is in its PDF's text.

LibreOffice can lose text while it lays a document out, and says nothing (7.4 drops the body rows of
a table whose header row repeats and whose rows may not split when it reaches a page foot with room
for the header and one row). So after each conversion the build reads the Word side (body paragraphs
and table rows in document order, nested tables counting as their cell's text) and the PDF side, and
names every paragraph or table row the PDF lacks, with its document and section.

Both sides are compared normalised: NFKC (ligatures), case folded, without whitespace, soft hyphens
or hyphens (line breaks and hyphenation do not count). Where the PDF shows what the Word file does not
hold (a field's result, a list item's number or bullet) the Word side (passages.py) has a GAP matching
up to GAP_WIDTH characters. Not compared, by design: headers and footers (the PDF is read inside the page
margins), diagonal text (a DRAFT watermark), hidden and deleted text, text boxes, comments. A passage
split by a page break is found when it runs on to the next pages; a split table row, when the heads of
its cells end one page and their rests follow on the next (under the repeated header).

The PDF is read in content-stream order (which keeps a table cell's lines together): from the content
streams themselves when LibreOffice drew them as it does (pagetext.py, ~1 ms a page), else by poppler's
`pdftotext -raw`. Poppler 22 builds a colour transform from a PDF/A output intent's ICC profile for every
page (~0.1 s a page); the text does not depend on it, so pdftotext reads the PDF from stdin with that
key renamed (same length: offsets unchanged): ~2 ms a page.
"""

from __future__ import annotations

import bisect
import itertools
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

from pipeline.errors import ConversionError, ToolMissing
from pipeline.pdf.pagetext import Unusual, page_texts
from pipeline.pdf.passages import GAP, Passage, word_passages

_DROPPED = re.compile(r"[\s\u00ad\u2010\u2011\-]+")
GAP_WIDTH = 12
_GAPS = re.compile(GAP + "+")


class TextLost(ConversionError):
    """Text of a Word document is missing from its PDF: exit code 4, as for any failed conversion."""

    def __init__(self, losses: list[str]):
        self.losses = losses
        super().__init__("\n".join(losses) + f"\n{len(losses)} passage(s) of Word documents missing from their "
                         "PDFs; nothing was written. A table whose header row repeats and whose rows may not "
                         "break across pages loses rows: allow its rows to break in the template")


def normal(text: str) -> str:
    """The form both sides are compared in."""
    return _GAPS.sub(GAP, _DROPPED.sub("", unicodedata.normalize("NFKC", text).casefold()))


def pdf_pages(pdf: Path, area: tuple[int, int, int, int]) -> list[str]:
    """The normalised text of each page inside `area` (points; all zero: the whole page): read from the
    content streams when LibreOffice drew them (pagetext.py), else by pdftotext."""
    try:
        return [normal(page) for page in page_texts(pdf, area)]
    except Unusual:
        return pdftotext_pages(pdf, area)


def pdftotext_pages(pdf: Path, area: tuple[int, int, int, int]) -> list[str]:
    """`pdf_pages` by poppler's pdftotext, for any PDF."""
    tool = shutil.which("pdftotext")
    if tool is None:
        raise ToolMissing("pdftotext is not installed; install poppler (Debian: apt-get install poppler-utils)")
    data = Path(pdf).read_bytes().replace(b"/OutputIntents", b"/OutputIntentX")
    x, y, w, h = area
    done = subprocess.run([tool, "-raw", "-nodiag", "-enc", "UTF-8", "-x", str(x), "-y", str(y), "-W", str(w),
                           "-H", str(h), "-", "-"], input=data, capture_output=True)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ConversionError(f"{pdf}: pdftotext cannot read the PDF: {message[-1] if message else done.returncode}")
    return [normal(page) for page in done.stdout.decode("utf-8", "replace").split("\f")]


def _longest_prefix(key: str, page: str) -> int:
    lo, hi = 0, len(key)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if key[:mid] in page else (lo, mid - 1)
    return lo


def _in(key: str, text: str) -> bool:
    return _index(key, text) >= 0


def _index(key: str, text: str, start: int = 0) -> int:
    """Where `key` (GAP: up to GAP_WIDTH characters) first matches in `text` from `start`; -1: nowhere."""
    key = key.strip(GAP)
    if GAP not in key:
        return text.find(key, start)
    match = re.compile(f".{{0,{GAP_WIDTH}}}".join(map(re.escape, key.split(GAP))), re.S).search(text, start)
    return -1 if match is None else match.start()


def found(key: str, whole: str, pages: list[str], reach: int = 3) -> bool:
    """`key` (no GAP) is in the text, or runs on from one page over at most `reach` following pages."""
    if key in whole:
        return True
    for i, page in enumerate(pages):
        rest = key[_longest_prefix(key, page):]
        if len(rest) == len(key):
            continue
        for following in pages[i + 1:i + 1 + reach]:
            n = _longest_prefix(rest, following)
            if n == 0:
                break
            rest = rest[n:]
            if not rest:
                return True
    return False


def _ends_with(pattern: str, page: str, end: int):
    """Where `page[start:end]` matching `pattern` (GAP: up to GAP_WIDTH characters) starts."""
    gap = pattern.rfind(GAP)
    tail = pattern[gap + 1:]
    if not page.endswith(tail, 0, end):
        return
    if gap < 0:
        yield end - len(tail)
        return
    for skip in range(min(GAP_WIDTH, end - len(tail)) + 1):
        yield from _ends_with(pattern[:gap], page, end - len(tail) - skip)


def _split_row(keys: list[str], pages: list[str], first: int = 0) -> bool:
    """A row split by a page break: the head of each cell ends one page (cell after cell), and the
    rest of each cell follows, in the same order, on the next page (under the repeated header).
    Pages are tried from `first` (where the row is expected), then from the start."""
    ends: list[dict[str, list[int]]] = []  # per cell: last character of a head -> head lengths, longest first
    for key in keys:
        index: dict[str, list[int]] = {}
        for k in range(len(key), 0, -1):
            index.setdefault(key[k - 1], []).append(k)
        ends.append(index)

    def heads(page: str, end: int, j: int, tails: list[str], nxt: str) -> bool:
        if j < 0:
            return end < len(page) and _in("".join(reversed(tails)), nxt)
        key = keys[j]
        lengths = sorted(set(ends[j].get(page[end - 1], []) + ends[j].get(GAP, [])), reverse=True) if end else []
        for k in lengths + [0]:
            for start in set(_ends_with(key[:k], page, end)):
                if heads(page, start, j - 1, tails + [key[k:]], nxt):
                    return True
        return False
    order = list(range(first, len(pages) - 1)) + list(range(min(first, len(pages) - 1)))
    return any(heads(pages[i], len(pages[i]), len(keys) - 1, [], pages[i + 1]) for i in order)


def missing(passages: list[Passage], pages: list[str]) -> list[Passage]:
    """The passages the PDF lacks. A paragraph is found when its text is in the PDF's, or runs on from
    page to page; a table row when its cells' text is there in order, whole or split by a page break."""
    whole = "".join(pages)
    starts = list(itertools.accumulate((len(page) for page in pages[:-1]), initial=0))  # of each page in whole
    lost = []
    at = 0  # where the last passage was found: the next is usually just after it (found anywhere counts)
    for passage in passages:
        keys = [normal(text) for text in passage.texts]
        row = "".join(keys).strip(GAP)
        if not row:
            continue
        if (where := _index(row, whole, at)) < 0 and at:
            where = _index(row, whole)
        if where >= 0:
            at = where
            continue
        if not (all(found(part, whole, pages) for part in row.split(GAP) if part) if passage.kind == "paragraph"
                else _split_row(keys, pages, bisect.bisect_right(starts, at) - 1)):
            lost.append(passage)
    return lost


def text_losses(docx: Path, pdf: Path, name: str) -> list[str]:
    """One line per passage of `docx` missing from `pdf`, naming the document and section."""
    passages, area = word_passages(docx)
    return [f'{name}: section "{p.section}": {p.kind} "{p.shown()}" is in the Word document but not in its PDF'
            for p in missing(passages, pdf_pages(pdf, area))]

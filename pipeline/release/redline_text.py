"""The visible text of a paragraph, and the words that differ between two paragraphs.

A paragraph is compared as regpack wrote it: earlier tracked changes (a reviewer's, in a draft edited in
Word) are read as rejected, so a reviewer's deleted text counts and inserted text does not; those runs are
flagged `tracked` and are never cut or wrapped, so the reviewer's marks stay exactly as they were. A tab, a
line break or a picture counts as one character. Words are compared as tokens (words, runs of spaces,
single signs); a picture's token names what it shows.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Callable

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


OBJECT = "\ufffc"
"""Stands for a picture or embedded object in the visible text."""
_CHARS = {w("tab"): "\t", w("br"): "\n", w("cr"): "\n", w("noBreakHyphen"): "\u2011", w("sym"): "\ufffd",
          w("drawing"): OBJECT, w("pict"): OBJECT, w("object"): OBJECT}
_WALK = {w(t) for t in ("hyperlink", "smartTag", "customXml", "fldSimple", "dir", "bdo", "sdt", "sdtContent",
                        "del", "moveFrom")}
TRACKED = {w("del"), w("moveFrom")}
"""An earlier tracked deletion: its text was there when regpack wrote the document."""
_WORD = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass
class Span:
    run: etree._Element
    start: int
    end: int
    tracked: bool
    """Inside an earlier tracked deletion: left as it is."""


def _child_text(child) -> str:
    return (child.text or "") if child.tag in (w("t"), w("delText")) else _CHARS.get(child.tag, "")


def run_text(run) -> str:
    return "".join(_child_text(c) for c in run)


def live_runs(p) -> list[Span]:
    """The paragraph's runs as regpack wrote them (see above), with their place in its text."""
    spans: list[Span] = []
    pos = 0

    def walk(el, tracked: bool) -> None:
        nonlocal pos
        for child in el:
            if child.tag == w("r"):
                n = len(run_text(child))
                spans.append(Span(child, pos, pos + n, tracked))
                pos += n
            elif child.tag in _WALK:
                walk(child, tracked or child.tag in TRACKED)
    walk(p, False)
    return spans


def tokens(p, object_key: Callable[[etree._Element], str]) -> list[tuple[str, int, int]]:
    """(value, start, end) per word, space run or sign; a picture's value names its content."""
    text, objects = [], {}
    for span in live_runs(p):
        pos = span.start
        for child in span.run:
            chars = _child_text(child)
            if chars == OBJECT:
                objects[pos] = child
            text.append(chars)
            pos += len(chars)
    joined = "".join(text)
    return [(m.group() + (object_key(objects[m.start()]) if m.group() == OBJECT else ""), m.start(), m.end())
            for m in _WORD.finditer(joined)]


def paragraph_key(p, object_key) -> str:
    return "".join(t[0] for t in tokens(p, object_key))


def split_run(run, offset: int) -> etree._Element:
    """Cut `run` after `offset` visible characters; the run now holds the left part, the new right one is returned."""
    right = run.makeelement(run.tag, dict(run.attrib))
    rpr = run.find(w("rPr"))
    if rpr is not None:
        right.append(copy.deepcopy(rpr))
    pos = 0
    for child in list(run):
        if child.tag == w("rPr"):
            continue
        n = len(_child_text(child))
        if pos >= offset:
            right.append(child)
        elif pos + n > offset:          # a w:t that straddles the cut
            tail = child.makeelement(w("t"), {})
            tail.text = child.text[offset - pos:]
            child.text = child.text[:offset - pos]
            for t in (child, tail):
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            right.append(tail)
        pos += n
    run.addnext(right)
    return right


def split_at(p, positions) -> None:
    """Cut runs so that each position falls between two runs (never inside an earlier tracked change)."""
    spans = live_runs(p)
    for x in sorted(set(positions), reverse=True):
        for span in spans:
            if span.start < x < span.end and not span.tracked:
                split_run(span.run, x - span.start)
                break


def edits(a: list, b: list) -> list[tuple[int, int, int, int]]:
    """Character ranges (a_start, a_end, b_start, b_end) that differ, word by word. A short equal stretch
    between two changes joins them (as diff-match-patch's semantic clean-up), so a reworded phrase reads as
    one deletion and one insertion rather than many fragments."""
    matcher = SequenceMatcher(None, [t[0] for t in a], [t[0] for t in b], autojunk=False)
    segs = [[tag == "equal", i1, i2, j1, j2] for tag, i1, i2, j1, j2 in matcher.get_opcodes()]

    def at(toks, i):                    # tokens cover the text end to end: offsets give lengths
        return toks[i][1] if i < len(toks) else (toks[-1][2] if toks else 0)

    def size(seg):
        return max(at(a, seg[2]) - at(a, seg[1]), at(b, seg[4]) - at(b, seg[3]))

    def absorbed(left, eq, right) -> bool:
        blank = not "".join(t[0] for t in a[eq[1]:eq[2]]).strip()
        return blank or size(eq) <= min(size(left), size(right))
    merged = True
    while merged:
        merged, out, k = False, [], 0
        while k < len(segs):
            seg = segs[k]
            if seg[0] and out and not out[-1][0] and k + 1 < len(segs) and absorbed(out[-1], seg, segs[k + 1]):
                left, right = out.pop(), segs[k + 1]
                out.append([False, left[1], right[2], left[3], right[4]])
                merged, k = True, k + 2
                continue
            out.append(seg)
            k += 1
        segs = out

    for seg in segs:                    # words both sides share at a change's ends are not part of it
        while not seg[0] and seg[1] < seg[2] and seg[3] < seg[4] and a[seg[1]][0] == b[seg[3]][0]:
            seg[1] += 1
            seg[3] += 1
        while not seg[0] and seg[1] < seg[2] and seg[3] < seg[4] and a[seg[2] - 1][0] == b[seg[4] - 1][0]:
            seg[2] -= 1
            seg[4] -= 1
    return [(at(a, s[1]), at(a, s[2]), at(b, s[3]), at(b, s[4])) for s in segs if not s[0]]

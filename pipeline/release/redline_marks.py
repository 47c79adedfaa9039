"""Tracked changes: the words that differ marked as w:ins / w:del inside a paragraph, and whole paragraphs
and table rows marked inserted or deleted.

A reviewer's earlier tracked changes in the new document (legal's) are left exactly as they are, under
their own author and date: regpack's marks are made against the document as regpack wrote it (see
redline_text) and sit beside them, so the redline keeps the reviewer's history.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

from lxml import etree

from pipeline.release.redline_text import TRACKED, Span, edits, live_runs, split_at, tokens, w


@dataclass
class Marks:
    """Makes the w:ins / w:del elements of one redline: one author and date, ids unique in the document."""
    author: str
    date: str | None
    next_id: int
    adopt: Callable[[etree._Element], None] = lambda el: None
    """Fixes a copy of old content for the new document (relationships, styles, numbering, ids)."""
    inserted: int = 0
    deleted: int = 0

    def make(self, parent: etree._Element, kind: str) -> etree._Element:
        el = parent.makeelement(w(kind))
        el.set(w("id"), str(self.next_id))
        el.set(w("author"), self.author)
        if self.date:
            el.set(w("date"), self.date)
        self.next_id += 1
        if kind == "ins":
            self.inserted += 1
        else:
            self.deleted += 1
        return el


def _hoist(el):
    """regpack's marks go beside an earlier tracked deletion, never inside it."""
    while el.getparent() is not None and el.getparent().tag in TRACKED:
        el = el.getparent()
    return el


def diff_paragraph(old_p, new_p, marks: Marks, old_key, new_key) -> None:
    """Mark in `new_p` the words that differ from `old_p`: old words as w:del (copies of the old runs, in
    their old formatting), new words wrapped in w:ins. Unchanged runs are not touched."""
    ops = edits(tokens(old_p, old_key), tokens(new_p, new_key))
    if not ops:
        return
    old_p = copy.deepcopy(old_p)
    split_at(old_p, [x for op in ops for x in op[:2]])
    split_at(new_p, [x for op in ops for x in op[2:]])
    old_spans, new_spans = live_runs(old_p), live_runs(new_p)
    for a0, a1, b0, b1 in ops:
        gone = [_deleted_run(s.run, marks) for s in old_spans if a0 <= s.start and s.end <= a1 and s.end > s.start]
        gone = [run for run in gone if run is not None]
        if gone:
            deletion = marks.make(new_p, "del")
            deletion.extend(gone)
            anchor = next((s.run for s in new_spans if s.start >= b0 and s.end > s.start), None)
            if anchor is not None:
                _hoist(anchor).addprevious(deletion)
            elif new_spans:
                _hoist(new_spans[-1].run).addnext(deletion)
            else:
                new_p.append(deletion)
        _wrap([s for s in new_spans if b0 <= s.start and s.end <= b1 and (s.end > s.start or b0 < s.start < b1)],
              marks, "ins")


def _deleted_run(run, marks: Marks):
    """A copy of an old run as deleted text, or None when nothing visible is left of it."""
    clone = copy.deepcopy(run)
    for item in list(clone.iter(*_DROP)):
        item.getparent().remove(item)
    if all(c.tag == w("rPr") for c in clone):
        return None
    marks.adopt(clone)
    for t in clone.iter(w("t")):
        t.tag = w("delText")
    return clone


def _wrap(spans: list[Span], marks: Marks, kind: str) -> None:
    """Wrap the runs of `spans` in w:ins (or w:del), one wrapper per stretch of neighbouring runs."""
    group = None
    for span in spans:
        run = span.run
        if span.tracked:
            group = None
            continue
        if group is None or run.getprevious() is not group:
            group = marks.make(run, kind)
            run.addprevious(group)
        group.append(run)


def _mark_paragraph_end(p, marks: Marks, kind: str) -> None:
    """The paragraph mark itself inserted or deleted (w:pPr/w:rPr/w:ins|w:del, in schema order)."""
    ppr = p.find(w("pPr"))
    if ppr is None:
        ppr = p.makeelement(w("pPr"))
        p.insert(0, ppr)
    rpr = ppr.find(w("rPr"))
    if rpr is None:
        rpr = ppr.makeelement(w("rPr"))
        after = [c for c in ppr if c.tag in (w("sectPr"), w("pPrChange"))]
        if after:
            after[0].addprevious(rpr)
        else:
            ppr.append(rpr)
    if rpr.find(w(kind)) is not None:
        return                                  # already marked by an earlier reviewer
    rpr.insert(1 if kind == "del" and rpr.find(w("ins")) is not None else 0, marks.make(rpr, kind))


def _mark_row(tr, marks: Marks, kind: str) -> None:
    trpr = tr.find(w("trPr"))
    if trpr is None:
        trpr = tr.makeelement(w("trPr"))
        ex = tr.find(w("tblPrEx"))
        if ex is not None:
            ex.addnext(trpr)
        else:
            tr.insert(0, trpr)
    if trpr.find(w(kind)) is not None:
        return
    later = [c for c in trpr if c.tag in ((w("del"), w("trPrChange")) if kind == "ins" else (w("trPrChange"),))]
    mark = marks.make(trpr, kind)
    if later:
        later[0].addprevious(mark)
    else:
        trpr.append(mark)


def _paragraphs(el):
    """`el` itself if a paragraph, else its paragraphs (and table rows), text boxes left out."""
    for child in el.iter(w("p"), w("tr")):
        if not any(a.tag == w("txbxContent") for a in child.iterancestors()):
            yield child


def mark_inserted(el, marks: Marks) -> None:
    """A new paragraph or table row, all of it: its runs, its paragraph marks, the row itself."""
    for item in list(_paragraphs(el)):
        if item.tag == w("tr"):
            _mark_row(item, marks, "ins")
        else:
            _wrap(live_runs(item), marks, "ins")
            _mark_paragraph_end(item, marks, "ins")


_DROP = {w(t) for t in ("ins", "moveTo", "moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart",
                        "moveToRangeEnd", "commentRangeStart", "commentRangeEnd", "bookmarkStart", "bookmarkEnd",
                        "permStart", "permEnd", "proofErr", "commentReference", "footnoteReference",
                        "endnoteReference", "annotationRef", "fldChar", "instrText", "lastRenderedPageBreak")}


def deleted_copy(el, marks: Marks):
    """A copy of an old paragraph or table row, all of it marked deleted, fit to sit in the new document:
    no comments, bookmarks, fields or section break of its own, earlier tracked changes read as rejected
    (as for comparing)."""
    clone = copy.deepcopy(el)
    for item in list(clone.iter(*_DROP)):
        if item.getparent() is not None:
            item.getparent().remove(item)
    for item in list(clone.iter(*TRACKED)):
        parent = item.getparent()
        for child in list(item):
            item.addprevious(child)
        parent.remove(item)
    for ppr in clone.iter(w("pPr")):
        for sect in ppr.findall(w("sectPr")):
            ppr.remove(sect)
    for run in list(clone.iter(w("r"))):
        if all(c.tag == w("rPr") for c in run):
            run.getparent().remove(run)
    marks.adopt(clone)
    for t in clone.iter(w("t")):
        t.tag = w("delText")
    for item in list(_paragraphs(clone)):
        if item.tag == w("tr"):
            _mark_row(item, marks, "del")
        else:
            _wrap(live_runs(item), marks, "del")
            _mark_paragraph_end(item, marks, "del")
    return clone


def deleted_paragraph_end(parent, marks: Marks):
    """An empty paragraph whose mark is deleted: a table cell must end with a paragraph."""
    p = parent.makeelement(w("p"))
    _mark_paragraph_end(p, marks, "del")
    return p

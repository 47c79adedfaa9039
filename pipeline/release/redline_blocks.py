"""Aligning two documents block by block: paragraphs and table rows, matched on their visible text.

A body (or a table cell) is read as one sequence of blocks: each paragraph is a block, and each row of a
table is a block, so a changed row never makes its whole table look new. difflib aligns the two
sequences; unchanged blocks are left untouched. In a stretch that differs, an old block is paired with a
similar new one (same kind, most words in common, or a row with the same first cell): a paired paragraph
gets word-level marks, a paired row is compared cell by cell; the new blocks left over are marked
inserted, and the old ones left over are copied in, marked deleted, where they used to be.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Callable, Iterator

from lxml import etree

from pipeline.release.redline_marks import Marks, deleted_copy, deleted_paragraph_end, diff_paragraph, mark_inserted
from pipeline.release.redline_text import paragraph_key, w

WINDOW = 40
"""How far ahead, in blocks, an old block looks for its new counterpart within a changed stretch."""
SIMILAR = 0.5


@dataclass
class Block:
    kind: str
    """"p" (a paragraph) or "tr" (a table row)"""
    el: etree._Element
    text: str
    head: str = ""
    """A row's first cell, as plain text (often the row's id: a requirement, a risk)."""

    @property
    def key(self) -> str:
        return f"{self.kind}\0{self.text}"


@dataclass
class Sides:
    """What a comparison needs from both documents."""
    marks: Marks
    old_key: Callable[[etree._Element], str]
    new_key: Callable[[etree._Element], str]


def blocks(container, object_key) -> list[Block]:
    """The paragraphs and table rows directly in `container` (a body, a cell, content control contents)."""
    out: list[Block] = []
    for child in container:
        if child.tag == w("p"):
            out.append(Block("p", child, paragraph_key(child, object_key)))
        elif child.tag == w("tbl"):
            for row in _rows(child):
                cells = [blocks(tc, object_key) for tc in _cells(row)]
                text = "\x1f".join("\x1e".join(b.key for b in cell) for cell in cells)
                out.append(Block("tr", row, text, " ".join(b.text for b in cells[0]) if cells else ""))
        elif child.tag in (w("sdt"), w("customXml")):
            inner = child.find(w("sdtContent")) if child.tag == w("sdt") else child
            if inner is not None:
                out += blocks(inner, object_key)
    return out


def _rows(tbl) -> Iterator[etree._Element]:
    for child in tbl:
        if child.tag == w("tr"):
            yield child
        elif child.tag in (w("sdt"), w("customXml")):
            inner = child.find(w("sdtContent")) if child.tag == w("sdt") else child
            if inner is not None:
                yield from _rows(inner)


def _cells(tr) -> list[etree._Element]:
    return tr.findall(w("tc"))


def _similar(a: Block, b: Block) -> bool:
    """Same kind, and most words in common (or one holds most of the other), or rows with the same id."""
    if a.kind != b.kind:
        return False
    if a.kind == "tr":
        if len(_cells(a.el)) != len(_cells(b.el)):
            return False
        if a.head.strip() and a.head == b.head:
            return True
    x, y = a.text.split(), b.text.split()
    matcher = SequenceMatcher(None, x, y, autojunk=False)
    if matcher.real_quick_ratio() >= SIMILAR and matcher.quick_ratio() >= SIMILAR and matcher.ratio() >= SIMILAR:
        return True
    shorter = min(len(x), len(y))
    return shorter >= 3 and sum(m.size for m in matcher.get_matching_blocks()) >= 0.6 * shorter


def _pairs(old: list[Block], i1: int, i2: int, new: list[Block], j1: int, j2: int):
    """(old index or None, new index or None) in document order for a stretch that differs."""
    if i2 - i1 == j2 - j1 == 1 and old[i1].kind == new[j1].kind and \
            (old[i1].kind == "p" or len(_cells(old[i1].el)) == len(_cells(new[j1].el))):
        yield i1, j1                            # one block became another: mark the words that differ
        return
    j = j1
    for i in range(i1, i2):
        hit = next((k for k in range(j, min(j2, j + WINDOW)) if _similar(old[i], new[k])), None)
        if hit is None:
            yield i, None
            continue
        for k in range(j, hit):
            yield None, k
        yield i, hit
        j = hit + 1
    for k in range(j, j2):
        yield None, k


def compare(old_container, new_container, sides: Sides) -> None:
    """Mark in `new_container` how it differs from `old_container`."""
    old, new = blocks(old_container, sides.old_key), blocks(new_container, sides.new_key)
    matcher = SequenceMatcher(None, [b.key for b in old], [b.key for b in new], autojunk=False)
    placer = _Placer(new_container, new, sides.marks)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        prev = j1 - 1
        placer.last = None
        for i, j in _pairs(old, i1, i2, new, j1, j2):
            if j is None:
                placer.put(old, i, prev)
                continue
            placer.last = None
            prev = j
            if i is None:
                mark_inserted(new[j].el, sides.marks)
            elif new[j].kind == "p":
                diff_paragraph(old[i].el, new[j].el, sides.marks, sides.old_key, sides.new_key)
            else:
                for old_cell, new_cell in zip(_cells(old[i].el), _cells(new[j].el)):
                    compare(old_cell, new_cell, sides)
    if new_container.tag == w("tc") and len(new_container) and new_container[-1].tag == w("tbl"):
        new_container.append(deleted_paragraph_end(new_container, sides.marks))


def _table(el):
    return next((a for a in el.iterancestors(w("tbl"))), el.getparent())


def _is_last_row(tr) -> bool:
    return not any(s.tag == w("tr") for s in tr.itersiblings())


def _is_first_row(tr) -> bool:
    return not any(s.tag == w("tr") for s in tr.itersiblings(preceding=True))


class _Placer:
    """Puts copies of deleted old blocks into the new document, in order, where they used to be."""

    def __init__(self, container, new: list[Block], marks: Marks):
        self.container, self.new, self.marks = container, new, marks
        self.last = None
        """What the previous deletion of this stretch placed (a paragraph, a row or a table)."""
        self.last_table = None
        """The old table the last placed row came from."""

    def put(self, old: list[Block], i: int, prev: int) -> None:
        before = self.new[prev] if prev >= 0 else None
        after = self.new[prev + 1] if prev + 1 < len(self.new) else None
        block = old[i]
        clone = deleted_copy(block.el, self.marks)
        if block.kind == "p":
            self._block_level(clone, before, after)
            self.last_table = None
            return
        table = _table(block.el)
        same = (lambda k: 0 <= k < len(old) and old[k].kind == "tr" and _table(old[k].el) is table)
        if self.last is not None and self.last_table is table:
            if self.last.tag == w("tr"):
                self.last.addnext(clone)
                self.last = clone
            else:
                self.last.append(clone)             # the table made for this old table's deleted rows
        elif before is not None and before.kind == "tr" and same(i - 1):
            before.el.addnext(clone)
            self.last = clone
        elif after is not None and after.kind == "tr" and same(i + 1):
            after.el.addprevious(clone)
            self.last = clone
        else:                                       # a table of its own, with the old table's properties
            shell = table.makeelement(w("tbl"))
            for part in table:
                if part.tag in (w("tblPr"), w("tblGrid")):
                    shell.append(copy.deepcopy(part))
            self.marks.adopt(shell)
            shell.append(clone)
            self._block_level(shell, before, after)
        self.last_table = table

    def _block_level(self, el, before: Block | None, after: Block | None) -> None:
        """Place `el` (a paragraph or a table) among the body's or cell's paragraphs and tables."""
        if self.last is not None:
            (_table(self.last) if self.last.tag == w("tr") else self.last).addnext(el)
        elif before is not None and (before.kind == "p" or _is_last_row(before.el)):
            (before.el if before.kind == "p" else _table(before.el)).addnext(el)
        elif after is not None and (after.kind == "p" or _is_first_row(after.el)):
            (after.el if after.kind == "p" else _table(after.el)).addprevious(el)
        elif before is not None:
            _table(before.el).addnext(el)
        elif after is not None:
            _table(after.el).addprevious(el)
        else:
            tail = [c for c in self.container if c.tag == w("sectPr")]
            if tail:
                tail[0].addprevious(el)
            else:
                self.container.append(el)
        self.last = el

"""Reading WordprocessingML as a reviewer left it: per paragraph the text before and after tracked changes,
the tracked insertions and deletions (author, date, text), hidden bookmarks and comment ranges.

Field results (page numbers, a table of contents) are left out: LibreOffice refreshes them when it re-saves a
file, so they are not legal's text. The same walk reads the paragraphs regpack renders (to record what each
mark holds) and the drafts legal returns, so both sides read text the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


_P, _T, _DELTEXT = w("p"), w("t"), w("delText")
_INSERTED = {w("ins"), w("moveTo")}
_DELETED = {w("del"), w("moveFrom")}
_CHARS = {w("tab"): "\t", w("br"): "\n", w("cr"): "\n", w("noBreakHyphen"): "-"}
_PROPERTIES = {w("rPr"), w("pPr"), w("trPr"), w("tcPr"), w("tblPr"), w("sectPr")}


@dataclass
class Change:
    """One tracked insertion or deletion."""

    kind: str  # "inserted" | "deleted"
    author: str
    date: str
    text: str = ""


@dataclass
class Para:
    index: int
    orig: list[str] = field(default_factory=list)
    """Text as it was before the tracked changes (deletions in, insertions out)."""
    new: list[str] = field(default_factory=list)
    """Text with every tracked change accepted."""
    changes: list[Change] = field(default_factory=list)
    mark_changed: bool = False
    """The paragraph mark itself was inserted or deleted (paragraphs split or joined)."""

    @property
    def orig_text(self) -> str:
        return "".join(self.orig)

    @property
    def new_text(self) -> str:
        return "".join(self.new)


@dataclass
class Range:
    start: int
    end: int | None = None
    text: list[str] = field(default_factory=list)


@dataclass
class Walked:
    paras: list[Para]
    bookmarks: dict[str, Range]
    """Bookmark name -> the paragraphs it starts and ends in."""
    comments: dict[str, Range]
    """Comment id -> the paragraphs its range starts and ends in, and the text it covers."""


def _attr(el, name: str) -> str:
    return el.get(w(name)) or ""


def walk(root) -> Walked:
    """Every paragraph under `root` (a w:body, a w:comment, any element holding paragraphs), in order."""
    paras: list[Para] = []
    open_paras: list[Para] = []
    changes: list[Change] = []
    deleted = inserted = simple = 0
    fields: list[str] = []
    names: dict[str, str] = {}
    bookmarks: dict[str, Range] = {}
    comments: dict[str, Range] = {}
    open_comments: dict[str, Range] = {}
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag
        if event == "end":
            if tag == _P and open_paras:
                open_paras.pop()
            elif tag in _INSERTED | _DELETED and el.getparent() is not None and el.getparent().tag not in _PROPERTIES:
                changes.pop()
                inserted -= tag in _INSERTED
                deleted -= tag in _DELETED
            elif tag == w("fldSimple"):
                simple -= 1
            continue
        para = open_paras[-1] if open_paras else None
        if tag == _P:
            para = Para(len(paras))
            paras.append(para)
            open_paras.append(para)
            for r in open_comments.values():
                if r.text:
                    r.text.append("\n")
        elif tag in _INSERTED | _DELETED:
            if el.getparent() is not None and el.getparent().tag in _PROPERTIES:
                if para is not None and el.getparent().tag == w("rPr") and el.getparent().getparent().tag == w("pPr"):
                    para.mark_changed = True
                continue
            change = Change("inserted" if tag in _INSERTED else "deleted", _attr(el, "author"), _attr(el, "date"))
            changes.append(change)
            if para is not None:
                para.changes.append(change)
            inserted += tag in _INSERTED
            deleted += tag in _DELETED
        elif tag == w("fldChar"):
            kind = _attr(el, "fldCharType")
            if kind == "begin":
                fields.append("code")
            elif kind == "separate" and fields:
                fields[-1] = "result"
            elif kind == "end" and fields:
                fields.pop()
        elif tag == w("fldSimple"):
            simple += 1
        elif tag in (_T, _DELTEXT) or tag in _CHARS:
            if para is None or simple or "result" in fields:
                continue
            text = (el.text or "") if tag in (_T, _DELTEXT) else _CHARS[tag]
            gone = deleted > 0 or tag == _DELTEXT
            if not inserted:
                para.orig.append(text)
            if not gone:
                para.new.append(text)
                for r in open_comments.values():
                    r.text.append(text)
            if changes:
                changes[-1].text += text
        elif tag == w("bookmarkStart"):
            names[_attr(el, "id")] = _attr(el, "name")
            bookmarks[_attr(el, "name")] = Range(para.index if para else len(paras))
        elif tag == w("bookmarkEnd"):
            name = names.get(_attr(el, "id"))
            if name in bookmarks and bookmarks[name].end is None:
                bookmarks[name].end = para.index if para else max(len(paras) - 1, 0)
        elif tag == w("commentRangeStart"):
            open_comments[_attr(el, "id")] = Range(para.index if para else len(paras))
        elif tag == w("commentRangeEnd"):
            r = open_comments.pop(_attr(el, "id"), None)
            if r is not None:
                r.end = para.index if para else r.start
                comments[_attr(el, "id")] = r
        elif tag == w("commentReference"):
            cid = _attr(el, "id")
            if cid not in comments and cid not in open_comments and para is not None:
                comments[cid] = Range(para.index, para.index)
    for cid, r in open_comments.items():  # a range never closed: up to the end
        r.end = len(paras) - 1
        comments.setdefault(cid, r)
    return Walked(paras, bookmarks, comments)


def paragraph_texts(root) -> list[str]:
    """The accepted text of every paragraph under `root`."""
    return [p.new_text for p in walk(root).paras]


def squash(text: str) -> str:
    """Whitespace as a reader sees it: runs of spaces, tabs and line breaks as one space, none at the ends."""
    return " ".join(text.split())

"""Post-processing of a rendered .docx: review comments, core properties, deterministic zip."""

from __future__ import annotations

import copy
import io
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import docx
from docx.opc.pkgwriter import PackageWriter
from docx.oxml.ns import qn
from docx.text.run import Run

from pipeline.files import write_zip
from pipeline.word.props import CoreProps, ReviewComment

_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml."
_HEADER, _FOOTER, _COMMENTS = _WML + "header+xml", _WML + "footer+xml", _WML + "comments+xml"
_RUN_XPATH = "./w:r | ./w:hyperlink/w:r | ./w:ins/w:r | ./w:smartTag/w:r"


def finalize_docx(src: Path, dst: Path, props: CoreProps, comments: Sequence[ReviewComment] = (),
                  when: datetime | None = None) -> list[str]:
    """Add `comments`, set core properties, write `dst` deterministically. Returns unfound anchors."""
    return finalize_document(docx.Document(str(src)), dst, props, comments, when)


def finalize_document(document, dst: Path, props: CoreProps, comments: Sequence[ReviewComment] = (),
                      when: datetime | None = None) -> list[str]:
    """`finalize_docx` for a python-docx Document already in memory (saves a write and a re-read)."""
    if props.created.tzinfo is None or (when is not None and when.tzinfo is None):
        raise ValueError("finalize_document needs timezone-aware datetimes")
    paragraphs = _paragraph_index(document) if comments else []
    missing = [c.anchor for c in comments if not _add_comment(document, c, when or props.created, paragraphs)]
    _set_core_properties(document, props)
    _write_members(_package_members(document), Path(dst))
    return missing


class _Members(dict):
    """Stands in for python-docx's zip writer: collects each member's bytes, compressed once later."""

    def write(self, pack_uri, blob: bytes) -> None:
        self[pack_uri.membername] = blob


def _package_members(document) -> dict[str, bytes]:
    """What `document.save()` would zip, as {member name: bytes} (saves a compress and re-read)."""
    package = document.part.package
    for part in package.parts:
        part.before_marshal()
    members = _Members()
    PackageWriter._write_content_types_stream(members, package.parts)
    PackageWriter._write_pkg_rels(members, package.rels)
    PackageWriter._write_parts(members, package.parts)
    return members


def _paragraph_index(document) -> list[tuple[object, str]]:
    """Every body paragraph with its plain text, computed once for all comments."""
    return [(p, "".join(t.text or "" for t in p.iter(qn("w:t")))) for p in document.element.body.iter(qn("w:p"))]


def _add_comment(document, comment: ReviewComment, when: datetime, paragraphs) -> bool:
    if not comment.anchor:
        return False
    for p, text in paragraphs:
        if comment.anchor not in text:
            continue  # cheap test first: most paragraphs do not hold the anchor
        runs = p.xpath(_RUN_XPATH)
        texts = [Run(r, None).text for r in runs]
        start = "".join(texts).find(comment.anchor)
        if start < 0:
            continue
        end = start + len(comment.anchor)
        covered, pos = [], 0
        for r, text in zip(runs, texts):
            lo, hi = pos, pos + len(text)
            pos = hi
            if hi <= start or lo >= end or not text:
                continue
            if lo < start < hi:
                tail = _split(r, text, start - lo)  # keep the part from `start` on
                if tail is not r:
                    r, text, lo = tail, text[start - lo:], start
            if lo < end < hi:
                _split(r, text, end - lo)  # the part after `end` moves to a new run
            covered.append(r)
        runs = [Run(r, None) for r in (covered or runs)]
        new = document.add_comment(runs, text=comment.text, author=comment.author,
                                   initials=comment.initials)
        new._comment_elm.date = when
        return True
    return False


def _split(r, text: str, at: int):
    """Split a plain-text run at offset `at`; return the run holding text[at:] (or `r` itself when
    the run holds anything but one w:t, which is then anchored whole)."""
    content = [c for c in r if c.tag != qn("w:rPr")]
    if len(content) != 1 or content[0].tag != qn("w:t") or not 0 < at < len(text):
        return r
    tail = copy.deepcopy(r)
    r.addnext(tail)
    for run, piece in ((r, text[:at]), (tail, text[at:])):
        t = run.find(qn("w:t"))
        t.text = piece
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return tail


def _set_core_properties(document, props: CoreProps) -> None:
    cp = document.core_properties
    created = props.created.astimezone(timezone.utc).replace(tzinfo=None)
    cp.title, cp.subject, cp.author = props.title, props.subject, props.author
    cp.keywords, cp.category, cp.comments = props.keywords, props.category, props.comments
    cp.created = cp.modified = created
    cp.last_modified_by = props.author
    cp.revision = 1
    element = cp._element
    for child in element.findall(qn("cp:lastPrinted")):
        element.remove(child)


def write_deterministic_zip(data: bytes, dst: Path) -> None:
    """Rewrite the zip in `data` to `dst`: fixed dates and attributes, stable member order, atomic."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        _write_members({name: src.read(name) for name in src.namelist()}, dst)


def _write_members(members: dict[str, bytes], dst: Path) -> None:
    write_zip(members, dst, first="[Content_Types].xml")

"""Test helpers: the text and the comments of a produced Word file, read the way a reviewer sees them."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.oxml.ns import qn

_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml."
_HEADER, _FOOTER, _COMMENTS = _WML + "header+xml", _WML + "footer+xml", _WML + "comments+xml"


def _paragraph_text(p) -> str:
    parts = []
    for el in p.iter(qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")):
        if el.tag == qn("w:t"):
            parts.append(el.text or "")
        else:
            parts.append("\t" if el.tag == qn("w:tab") else "\n")
    return "".join(parts)


def _parts(document, content_type: str):
    found = [p for p in document.part.package.iter_parts() if p.content_type == content_type]
    return sorted(found, key=lambda part: str(part.partname))


def docx_text(path: Path) -> str:
    """All text: main body (tables included, document order), headers, footers, then comments."""
    document = docx.Document(str(path))
    elements = [document.element.body]
    elements += [part.element for kind in (_HEADER, _FOOTER, _COMMENTS) for part in _parts(document, kind)]
    return "\n".join(_paragraph_text(p) for el in elements for p in el.iter(qn("w:p")))


def docx_comments(path: Path) -> list[tuple[str, str]]:
    """(text of the body paragraph holding the comment's range start, comment text) per comment."""
    document = docx.Document(str(path))
    anchors = {}
    for p in document.element.body.iter(qn("w:p")):
        for mark in p.iter(qn("w:commentRangeStart"), qn("w:commentReference")):
            anchors.setdefault(mark.get(qn("w:id")), _paragraph_text(p))
    result = []
    for part in _parts(document, _COMMENTS):
        for c in part.element.iter(qn("w:comment")):
            text = "\n".join(_paragraph_text(p) for p in c.iter(qn("w:p")))
            result.append((anchors.get(c.get(qn("w:id")), ""), text))
    return result

"""Word marks a template inserts with `{{r value }}`: a hidden bookmark, and a page reference to one.

Values of these classes render as raw WordprocessingML (docxtpl treats anything with `__html__` as markup
and `{{r }}` puts it at paragraph level). LibreOffice refreshes PAGEREF fields when it exports the PDF,
and Word when legal opens the draft; bookmarks whose names start with `_` are hidden in Word's list and
survive a re-save by Word and by LibreOffice."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

_NAME_LIMIT = 40  # Word's limit for bookmark names


@dataclass(frozen=True)
class Bookmark:
    name: str
    id: int

    def __post_init__(self):
        if not self.name.startswith("_") or len(self.name) > _NAME_LIMIT or not self.name[1:].replace("_", "").isalnum():
            raise ValueError(f"bookmark name {self.name!r}: '_' then up to {_NAME_LIMIT - 1} letters, digits or '_'")

    def __html__(self) -> str:
        return f'<w:bookmarkStart w:id="{self.id}" w:name="{self.name}"/><w:bookmarkEnd w:id="{self.id}"/>'

    def __str__(self) -> str:
        return ""


@dataclass(frozen=True)
class PageRef:
    """The page number of a bookmark, as a field (placeholder until the field is refreshed)."""

    bookmark: str
    placeholder: str = "?"

    def __html__(self) -> str:
        def run(inner: str) -> str:
            return f"<w:r>{inner}</w:r>"
        return (run('<w:fldChar w:fldCharType="begin" w:dirty="true"/>')
                + run(f'<w:instrText xml:space="preserve"> PAGEREF {self.bookmark} \\h </w:instrText>')
                + run('<w:fldChar w:fldCharType="separate"/>') + run(f"<w:t>{escape(self.placeholder)}</w:t>")
                + run('<w:fldChar w:fldCharType="end"/>'))

    def __str__(self) -> str:
        return self.placeholder

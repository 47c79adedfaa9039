"""Marks in the Word drafts: each paragraph rendered from a source value carries a hidden bookmark.

A bookmark `_S<n>_<token>` (hidden in Word's list because it starts with `_`; kept by Word and by LibreOffice
when they re-save a file; it changes nothing in the PDF) wraps the paragraph. What it means is recorded beside
the draft, in `word/.pristine/<document>.json`: the field, its file and line, the source text, and the
paragraph's text as rendered. The draft as written is kept there too (`<document>.docx`), so that edits legal
makes without tracking them are found by comparison; both are listed in the manifest and sealed. The token
names the build of the document (its inputs): copies under `.pristine/history/<document>-<token>.*` let a
draft legal returns after later builds still find its own marks.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Callable

from markupsafe import Markup

from pipeline.files import sha256_text, write_atomic
from pipeline.review.origins import UNMARKED, Origin, OriginIndex, value_origins
from pipeline.sources.loader import LoadedArrangement

MARK_NAME = re.compile(r"^_S(\d+)_([0-9a-f]{8})$")
PRISTINE_DIR = ".pristine"
HISTORY = "history"
FORMAT = "regpack-review-marks/1"
_FIRST_ID = 100_000  # bookmark ids of marks (the traceability's page targets use 9000 + n)
_PARA_START = re.compile(r"<w:p>(?:<w:pPr>.*?</w:pPr>)?")
_PIECE = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>|<w:(br|cr|tab)/>")
_CHAR = {"br": "\n", "cr": "\n", "tab": "\t"}


def _text(xml: str) -> str:
    """A paragraph's text as the Markdown filter writes it (read the way wordtext.walk reads a returned draft:
    text, line breaks and tabs; the filter writes no fields or tracked changes)."""
    return "".join(html.unescape(m.group(1)) if m.group(2) is None else _CHAR[m.group(2)] for m in _PIECE.finditer(xml))


def draft_token(name: str, inputs_hash: str) -> str:
    """Eight hex digits naming one build of one document (`arrangement/slug` and its inputs)."""
    return sha256_text(f"{name}\0{inputs_hash}")[:8]


def pristine_paths(word_dir: Path, slug: str, token: str | None = None) -> tuple[Path, Path]:
    """(the draft as regpack wrote it, its marks): the current build's, listed in the manifest and sealed with
    it; with `token`, the copy kept for that build in `history/` (until build/ is cleaned), so that a draft
    legal returns after a later build still finds its marks."""
    folder = word_dir / PRISTINE_DIR
    if token is None:
        return folder / f"{slug}.docx", folder / f"{slug}.json"
    return folder / HISTORY / f"{slug}-{token}.docx", folder / HISTORY / f"{slug}-{token}.json"


_RECENT: list[tuple[LoadedArrangement, Path, OriginIndex]] = []


def _origins(loaded: LoadedArrangement, root: Path) -> OriginIndex:
    """The origins of one arrangement's values, worked out once for all its documents."""
    for seen, seen_root, index in _RECENT:
        if seen is loaded and seen_root == root:
            return index
    _RECENT[:] = [*_RECENT[-3:], (loaded, root, index := value_origins(loaded, root))]
    return index


class DraftMarks:
    """Marks one document while it renders (wraps the Markdown filter), then writes its record."""

    def __init__(self, origins: OriginIndex, token: str, arrangement: str, slug: str, key: str):
        self.origins, self.token = origins, token
        self.header = {"format": FORMAT, "arrangement": arrangement, "document": slug, "key": key, "token": token,
                       "draft": f"word/{slug}.docx", "unmarked": UNMARKED}
        self.values: list[dict] = []
        self._value_index: dict[str, int] = {}
        self.marks: list[dict] = []

    @classmethod
    def for_document(cls, loaded: LoadedArrangement, root: Path, arrangement: str, slug: str, key: str,
                     inputs_hash: str) -> "DraftMarks":
        return cls(_origins(loaded, root), draft_token(f"{arrangement}/{slug}", inputs_hash), arrangement, slug, key)

    def filter(self, markdown: Callable[..., Markup]) -> Callable[..., Markup]:
        """The Markdown filter, marking what it renders from a source value."""
        def marked(text, style: str = "Body Text") -> Markup:
            xml = markdown(text, style)
            origins = self.origins.lookup(text)
            return Markup(self._wrap(str(xml), origins)) if origins else xml
        return marked

    def _value(self, origins: list[Origin]) -> int:
        first = origins[0]
        if first.field not in self._value_index:
            entry = first.as_json()
            if len(origins) > 1:  # the same text in several fields: which one legal means is not known
                entry["also"] = [o.field for o in origins[1:]]
            self._value_index[first.field] = len(self.values)
            self.values.append(entry)
        return self._value_index[first.field]

    def _wrap(self, xml: str, origins: list[Origin]) -> str:
        starts = list(_PARA_START.finditer(xml))
        ends = [xml.find("</w:p>", m.end()) for m in starts]
        if not starts or -1 in ends or "<w:p " in xml or "<w:p/>" in xml:
            return xml  # not shaped as the Markdown filter writes: leave it unmarked
        value = self._value(origins)
        out, pos = [], 0
        for block, (start, end) in enumerate(zip(starts, ends)):
            text = _text(xml[start.end():end])
            if not text.strip():
                continue
            n = len(self.marks) + 1
            name, bid = f"_S{n}_{self.token}", _FIRST_ID + n
            out += [xml[pos:start.end()], f'<w:bookmarkStart w:id="{bid}" w:name="{name}"/>', xml[start.end():end],
                    f'<w:bookmarkEnd w:id="{bid}"/>']
            pos = end
            self.marks.append({"name": name, "value": value, "block": block, "text": text})
        out.append(xml[pos:])
        return "".join(out)

    def write(self, docx: Path) -> None:
        """Keep the draft as written and what its marks mean (beside it, under .pristine/, and a copy for
        this build under .pristine/history/)."""
        data = docx.read_bytes()

        def listed(items: list[dict]) -> str:  # one entry a line: readable, and json's fast C encoder
            return "[\n" + ",\n".join(f"    {json.dumps(i, ensure_ascii=False)}" for i in items) + "\n  ]"
        body = f'\n  "values": {listed(self.values)},\n  "marks": {listed(self.marks)}\n}}'

        for token in (None, self.token):
            pristine, record = pristine_paths(docx.parent, docx.stem, token)
            write_atomic(pristine, data)
            head = json.dumps({**self.header, "pristine": pristine.name}, indent=2, ensure_ascii=False)[:-2]
            write_atomic(record, f"{head},{body}\n".encode("utf-8"))

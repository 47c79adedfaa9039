"""A Word draft legal sends back: read safely, and matched with the marks of the build that wrote it.

The hidden bookmarks carry the token of the build of the document; its record (what each mark means) and the
draft as regpack wrote it are looked for in build/<arrangement>/word/.pristine/history/ (the current build and
earlier ones not yet cleaned away) and in the sealed versions under archive/. Anything that is not a regpack draft of
this project is refused with one line saying why.
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from pipeline.errors import Problem, relpath
from pipeline.project import Project
from pipeline.review.marks import HISTORY, MARK_NAME, PRISTINE_DIR
from pipeline.review.wordtext import Walked, w, walk

_MAX_PART = 64 << 20  # bytes a part may expand to (a zip bomb is refused)
_MAX_MEMBERS = 5000
_W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
_W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
_CP = {"cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
       "dc": "http://purl.org/dc/elements/1.1/", "dcterms": "http://purl.org/dc/terms/"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class BadDraft(Exception):
    """Why a file cannot be imported (one line)."""


@dataclass
class Comment:
    id: str
    author: str
    date: str
    text: str
    para_id: str
    parent_para: str = ""


@dataclass
class Package:
    """What is read from one .docx: the body walked, its comments, who saved it last."""
    body: Walked
    comments: list[Comment]
    threaded: bool
    """The file says which comment replies to which (Word's commentsExtended part)."""
    modified_by: str
    modified: str
    keywords: str
    created: str


@dataclass
class Draft:
    path: Path
    arrangement: str
    slug: str
    record: dict
    """What the marks of the build that wrote it mean (see marks.py)."""
    origin: str
    """Which build wrote it: "the current build", "an earlier build", "sealed version 1.0"."""
    returned: Package
    pristine: Package


def _part(zf: zipfile.ZipFile, name: str, required: bool = False) -> etree._Element | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        if required:
            raise BadDraft(f"not a Word document (it has no {name})") from None
        return None
    if info.file_size > _MAX_PART:
        raise BadDraft(f"{name} expands to {info.file_size:,} bytes, more than a Word draft holds: refused")
    try:
        return etree.fromstring(zf.read(info), _PARSER)
    except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise BadDraft(f"corrupt Word file: {name} cannot be read ({str(exc).splitlines()[0][:120]})") from None


def read_package(path: Path) -> Package:
    """Read a .docx; BadDraft when it is not one."""
    if not path.is_file():
        raise BadDraft("no such file")
    try:
        with zipfile.ZipFile(path) as zf:
            if len(zf.infolist()) > _MAX_MEMBERS:
                raise BadDraft(f"holds {len(zf.infolist()):,} files, more than a Word draft: refused")
            document = _part(zf, "word/document.xml", required=True)
            comments_el = _part(zf, "word/comments.xml")
            extended = _part(zf, "word/commentsExtended.xml")
            core = _part(zf, "docProps/core.xml")
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        with open(path, "rb") as fh:
            zipped = fh.read(4) == b"PK\x03\x04"
        raise BadDraft("corrupt Word file: its .docx (zip) archive is damaged or incomplete" if zipped else
                       f"not a Word file: it is not a .docx (zip) archive ({exc.__class__.__name__})") from None
    body = document.find(w("body"))
    if body is None:
        raise BadDraft("corrupt Word file: word/document.xml has no body")
    comments = []
    for c in comments_el.iter(w("comment")) if comments_el is not None else ():
        paras = c.findall(f".//{w('p')}")
        comments.append(Comment(c.get(w("id")) or "", c.get(w("author")) or "", c.get(w("date")) or "",
                                "\n".join(p.new_text for p in walk(c).paras).strip(),
                                (paras[-1].get(f"{{{_W14}}}paraId") or "") if paras else ""))
    parents = {}
    if extended is not None:
        for ex in extended.iter(f"{{{_W15}}}commentEx"):
            if ex.get(f"{{{_W15}}}paraIdParent"):
                parents[ex.get(f"{{{_W15}}}paraId")] = ex.get(f"{{{_W15}}}paraIdParent")
    for c in comments:
        c.parent_para = parents.get(c.para_id, "")

    def prop(name: str) -> str:
        found = core.find(name, _CP) if core is not None else None
        return (found.text or "").strip() if found is not None else ""

    return Package(walk(body), comments, extended is not None, prop("cp:lastModifiedBy"), prop("dcterms:modified"),
                   prop("cp:keywords"), prop("dcterms:created"))


def _token(path: Path) -> str | None:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("token")
    except (OSError, ValueError, AttributeError):
        return None


def _record(project: Project, token: str) -> tuple[Path, str] | None:
    """The marks record of the build with this token, and which build that is."""
    for found in sorted(project.build.glob(f"*/word/{PRISTINE_DIR}/{HISTORY}/*-{token}.json")):
        current = found.parents[1] / f"{found.stem[:-len(token) - 1]}.json"
        return found, "the current build" if _token(current) == token else "an earlier build"
    for found in sorted(project.archive.glob(f"*/*/word/{PRISTINE_DIR}/*.json")):
        if _token(found) == token:
            return found, f"sealed version {found.parents[2].name}"
    return None


def open_draft(project: Project, path: Path, arrangement: str | None = None) -> Draft:
    """The returned draft at `path` with the marks of the build that wrote it; BadDraft says why not."""
    returned = read_package(path)
    tokens = Counter(m.group(2) for name in returned.body.bookmarks if (m := MARK_NAME.match(name)))
    if not tokens:
        raise BadDraft("not a regpack draft: it has none of the hidden marks regpack puts in the drafts it writes")
    token = tokens.most_common(1)[0][0]
    found = _record(project, token)
    said = returned.keywords.split(";")[0].strip()
    known = {p.parent.name for p in project.sources.glob("*/arrangement.yaml")}
    if found is None:
        if arrangement and said and said != arrangement:
            raise BadDraft(f"a draft of arrangement {said!r}, not of {arrangement!r}")
        if said and said not in known:
            raise BadDraft(f"a draft of arrangement {said!r}, which this project does not have "
                           f"(arrangements: {', '.join(sorted(known)) or 'none'})")
        raise BadDraft(f"a draft of {said or 'an arrangement'} from an earlier build (made {returned.created or '?'}) "
                       "whose marks are no longer kept (build/ was cleaned, and no sealed version holds them): its "
                       "edits cannot be traced to the sources; import a draft of the current build, and seal the "
                       "versions you send to legal (`regpack seal`)")
    record_path, origin = found
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BadDraft(f"the marks of the build that wrote it ({relpath(record_path)}) are unreadable: rebuild, "
                       "and import a draft of the new build") from None
    arr, slug = record.get("arrangement", ""), record.get("document", "")
    if arrangement and arr != arrangement:
        raise BadDraft(f"a draft of arrangement {arr!r}, not of {arrangement!r}")
    if arr not in known:
        raise BadDraft(f"a draft of arrangement {arr!r}, which this project's sources do not have")
    pristine_path = record_path.with_name(record.get("pristine", ""))
    try:
        pristine = read_package(pristine_path)
    except BadDraft as exc:
        raise BadDraft(f"the draft as regpack wrote it ({relpath(pristine_path)}) cannot be read ({exc}): "
                       "rebuild, and import a draft of the new build") from None
    return Draft(path, arr, slug, record, origin, returned, pristine)


def refusal(path: Path, exc: BadDraft) -> Problem:
    return Problem(relpath(path), 0, "", f"{exc}; nothing was imported", code="bad-draft")

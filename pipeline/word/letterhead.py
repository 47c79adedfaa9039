"""`regpack templates adopt LETTERHEAD.docx`: a bank's own Word file gives every template in templates/ its
page set-up, header and footer, fonts and style definitions. Every Jinja tag of the templates is kept.

The rules:
- page size and margins of the letterhead's first section go to every section of every template (a
  landscape section stays landscape);
- each header and footer the letterhead has (default, first page, even pages) replaces the template's
  of the same kind, and the template's paragraphs and tables that hold Jinja tags (classification,
  reference, DRAFT, "page X of Y") follow the letterhead's content, unless the letterhead's part already
  carries those tags (a letterhead made for regpack, or adopted before: adopting twice changes nothing);
  a first-page or even-page part the template did not have gets the tagged blocks of its default part
  (what those pages showed); kinds the letterhead does not have are left as they are;
- fonts: the theme's font scheme, the document defaults and the font table; styles: see stylesheet.py;
- Word's stock table styles nothing uses are trimmed (see `regpack templates trim`).

Every template is prepared and checked (template_lint) in memory first; only when all pass is each one
written, atomically and deterministically. A problem writes nothing.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from pathlib import Path

import docx
from docx.opc.packuri import PackURI
from docx.opc.part import Part, XmlPart
from docx.oxml.ns import qn

from pipeline.errors import Problem, RegpackError, SourceErrors, relpath
from pipeline.files import write_zip
from pipeline.project import Project
from pipeline.word.stylesheet import adopt_fonts, adopt_styles, trim

_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_WP_DOCPR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
_TAG = re.compile(r"\{[{%#].*?[}%#]\}", re.S)
_KINDS = (("header", "header"), ("first_page_header", "first-page header"), ("even_page_header", "even-page header"),
          ("footer", "footer"), ("first_page_footer", "first-page footer"), ("even_page_footer", "even-page footer"))


class LetterheadError(RegpackError):
    """The letterhead cannot be read, or holds something adopt cannot carry over."""

    exit_code = 2


def template_files(project: Project) -> list[Path]:
    """The Word templates in templates/ (not Word's `~$` lock files)."""
    return sorted(p for p in project.templates.glob("*.docx") if not p.name.startswith(("~$", ".")))


def adopt_letterhead(project: Project, letterhead: Path) -> list[str]:
    lh = _open(letterhead)
    results = {path: _adopted(path, lh, letterhead) for path in template_files(project)}
    if not results:
        raise LetterheadError(f"{relpath(project.templates)}: no .docx templates to adopt the letterhead into")
    _check_then_write(results)
    return [f"adopted {relpath(letterhead)} into {relpath(path)}" for path in results]


def trim_templates(project: Project) -> list[str]:
    lines, results = [], {}
    for path in template_files(project):
        document = docx.Document(str(path))
        removed = trim(document)
        if removed:
            results[path] = _saved(document)
            lines.append(f"trimmed {relpath(path)}: {removed} unused definitions removed")
    _check_then_write(results)
    return lines or ["nothing to trim"]


def _open(path: Path):
    try:
        return docx.Document(str(path))
    except Exception as exc:  # not a Word file, a .doc, a damaged zip ...
        raise LetterheadError(f"{relpath(path)}: cannot read it as a Word .docx file ({exc}); save it from Word "
                              "as 'Word Document (*.docx)'") from None


def _adopted(path: Path, lh, lh_path: Path) -> bytes:
    document = docx.Document(str(path))
    used = {el.get(qn("w:val")) for hf in _letterhead_parts(lh).values()
            for el in hf._element.iter(qn("w:pStyle"), qn("w:rStyle"), qn("w:tblStyle"))}
    style_ids = adopt_styles(document, lh, used)
    adopt_fonts(document, lh)
    _page_setup(document, lh.sections[0])
    for attr, label in _KINDS:
        source = _letterhead_parts(lh).get(attr)
        if source is not None:
            _adopt_part(document, attr, source, style_ids, f"{relpath(lh_path)}: its {label}")
    if lh.sections[0].different_first_page_header_footer:
        for section in document.sections:
            section.different_first_page_header_footer = True
    if lh.settings.odd_and_even_pages_header_footer:
        document.settings.odd_and_even_pages_header_footer = True
    trim(document)
    return _saved(document)


def _letterhead_parts(lh) -> dict:
    section = lh.sections[0]
    return {attr: getattr(section, attr) for attr, _ in _KINDS if not getattr(section, attr).is_linked_to_previous}


def _page_setup(document, source) -> None:
    for section in document.sections:
        width, height = source.page_width, source.page_height
        if width and height and (section.orientation != source.orientation):
            width, height = height, width
        for attr, value in (("page_width", width), ("page_height", height)):
            if value:
                setattr(section, attr, value)
        for attr in ("top_margin", "bottom_margin", "left_margin", "right_margin", "header_distance",
                     "footer_distance", "gutter"):
            if getattr(source, attr) is not None:
                setattr(section, attr, getattr(source, attr))


def _adopt_part(document, attr: str, source, style_ids: dict[str, str], where: str) -> None:
    """The letterhead's content, then the template's tagged blocks its content does not already carry."""
    for index, section in enumerate(document.sections):
        target = getattr(section, attr)
        if target.is_linked_to_previous and index > 0:
            continue  # inherits the first section's
        # the template's tagged blocks: its own, or (a first-page or even-page part it did not have)
        # those of its default part, which those pages showed until now
        own = not target.is_linked_to_previous
        blocks = target._element if own else [b for b in getattr(section, attr.rsplit("_", 1)[-1])._element
                                              if not any(n.startswith(_R) for el in b.iter() for n in el.attrib)]
        letterhead_tags = set(_TAG.findall(_text(source._element)))
        kept = [copy.deepcopy(block) for block in blocks if _TAG.search(_text(block))
                and not set(_TAG.findall(_text(block))) <= letterhead_tags]
        target.is_linked_to_previous = False
        element = target._element
        for child in list(element):
            element.remove(child)
        _drop_relationships(target.part, kept)  # what an earlier letterhead brought
        ids = _copy_relationships(source.part, target.part, where)
        for block in source._element:
            block = copy.deepcopy(block)
            for el in block.iter():
                for name, value in el.attrib.items():
                    if name.startswith(_R) and value in ids:
                        el.set(name, ids[value])
                if el.tag in (qn("w:pStyle"), qn("w:rStyle"), qn("w:tblStyle")) and el.get(qn("w:val")) in style_ids:
                    el.set(qn("w:val"), style_ids[el.get(qn("w:val"))])
            element.append(block)
        for block in kept:
            element.append(block)
        if len(element) == 0 or element[-1].tag != qn("w:p"):  # a header ends with a paragraph
            element.append(element.makeelement(qn("w:p"), {}))
    _renumber_drawings(document)


def _text(element) -> str:
    """The Word text of an element (python-docx's itertext() repeats run text)."""
    return "".join(t.text or "" for t in element.iter(qn("w:t")))


def _drop_relationships(part, kept: list) -> None:
    referenced = {value for block in kept for el in block.iter() for name, value in el.attrib.items()
                  if name.startswith(_R)}
    for rid in [rid for rid in part.rels if rid not in referenced]:
        part.rels.pop(rid)


def _copy_relationships(source_part, target_part, where: str) -> dict[str, str]:
    """The letterhead part's pictures and links, related from the template's part: old id -> new id."""
    ids = {}
    for rid, rel in source_part.rels.items():
        if rel.is_external:
            ids[rid] = target_part.relate_to(rel.target_ref, rel.reltype, is_external=True)
            continue
        part = rel.target_part
        if len(part.rels) or isinstance(part, XmlPart):
            raise LetterheadError(f"{where} holds {rel.reltype.rsplit('/', 1)[-1]} content adopt cannot copy "
                                  "(only text, tables, pictures and links): remove it from the letterhead")
        ext = Path(str(part.partname)).suffix
        name = target_part.package.next_partname(f"/word/media/letterhead%d{ext}")
        copied = Part(PackURI(str(name)), part.content_type, part.blob, target_part.package)
        ids[rid] = target_part.relate_to(copied, rel.reltype)
    return ids


def _renumber_drawings(document) -> None:
    """Drawing ids unique across the body and the headers and footers (Word repairs files otherwise)."""
    roots = [document.element] + [r.target_part.element for r in document.part.rels.values()
                                  if r.reltype.endswith(("/header", "/footer")) and not r.is_external]
    for number, el in enumerate((el for root in roots for el in root.iter(_WP_DOCPR)), start=1):
        el.set("id", str(number))


def _saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _check_then_write(results: dict[Path, bytes]) -> None:
    """Lint every new template (by name: no sources are needed) before writing any of them."""
    from pipeline.documents.registry import TEMPLATE_NAMES
    from pipeline.word.template_lint import lint_environment, lint_template
    env, problems = lint_environment(), []
    for path, data in results.items():
        if path.name in TEMPLATE_NAMES:
            result = lint_template(io.BytesIO(data), TEMPLATE_NAMES[path.name], env=env, file=relpath(path))
            problems += [p for p in result.problems if not p.is_warning]
    if problems:
        raise SourceErrors([Problem(p.file, p.line, p.path, p.message + " (after adopting; templates unchanged)")
                            for p in problems])
    for path, data in results.items():  # deterministic: the same adoption gives the same bytes
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            write_zip({name: z.read(name) for name in z.namelist()}, path, first="[Content_Types].xml")

"""Stage 3: render a Word document from its template with docxtpl.

Templates render in a sandbox (sandbox.py: they read data and run nothing), fail loudly (StrictUndefined)
and escape everything (autoescape): source text is data, never a template. An error names the template
and the paragraph. Rendering writes to a staging path; the orchestrator moves finished files.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from jinja2.sandbox import SecurityError
from lxml import etree
from docx.oxml import parse_xml
from docx.oxml.ns import nsmap, qn
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from pipeline.documents.formatting import fmt_date, hours, yesno
from pipeline.word.finalize import finalize_document
from pipeline.word.props import CoreProps, ReviewComment
from pipeline.errors import RegpackError, relpath
from pipeline.word.markdown import MarkdownToWord
from pipeline.word.sandbox import TemplateSandbox, error_line, numbered_source, paragraph_at

if TYPE_CHECKING:
    from pipeline.review.marks import DraftMarks


class TemplateError(RegpackError):
    """A template refers to something the sources do not provide, or is not valid Jinja."""

    exit_code = 2


def _date_filter(value: date | None) -> str:
    return fmt_date(value)


class _CachingEnvironment(TemplateSandbox):
    """docxtpl compiles each part's XML on every render; the XML of a template is the same for
    every arrangement, so compile it once per build (filters are looked up at render time)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._compiled: dict[str, jinja2.Template] = {}

    def from_string(self, source, globals=None, template_class=None):  # noqa: A002 - Jinja's name
        if globals or template_class or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        if source not in self._compiled:
            self._compiled[source] = super().from_string(source)
        return self._compiled[source]


def jinja_environment() -> jinja2.Environment:
    """The sandbox templates render in (see sandbox.py), with regpack's filters (`markdown` and
    `inline_markdown` are bound to each document as it renders)."""
    env = _CachingEnvironment()
    env.filters.update(d=_date_filter, yesno=yesno, hours=hours)
    return env


# Text that docxtpl's resolve_listing rewrites: a tab, bell, newline or form feed inside a w:t
_LISTING_TEXT = re.compile(r"<w:t(?: [^>]*)?>[^<]*[\t\a\n\f]")


_XMLNS = re.compile(r'xmlns(?::\w+)?="[^"]*"')


def _grid_mismatch(table) -> bool:
    """True when a row of `table` spans more or fewer columns than its grid declares."""
    columns = int(table.xpath("count(w:tblGrid/w:gridCol)"))
    for row in table.xpath(f"w:tr[count(w:tc) != {columns}]"):
        spans = row.xpath("w:tc/w:tcPr/w:gridSpan/@w:val")
        if len(row.xpath("w:tc")) + sum(int(v) - 1 for v in spans) != columns:
            return True
    return False


class WordTemplate(DocxTemplate):
    """DocxTemplate whose regex clean-up of the template XML is done once per distinct XML."""

    _patched: dict[str, str] = {}

    def patch_xml(self, src_xml: str) -> str:
        if src_xml not in self._patched:
            self._patched[src_xml] = super().patch_xml(src_xml)
        return self._patched[src_xml]

    def fix_tables(self, xml: str):
        """docxtpl re-parses the rendered body leniently (recover=True hides broken XML), repairs table
        grids that column loops left inconsistent, and later moves the body into the document, which
        costs as much as the parse. Here: one strict parse of the whole document; docxtpl's repair
        only when a table's rows and grid disagree (templates with {%tc %}, colspan, hm or vm)."""
        root = self.docx.element
        shell = etree.tostring(root.makeelement(root.tag, dict(root.attrib), nsmap=root.nsmap), encoding="unicode")
        body = xml
        start, _, rest = xml.partition(">")  # <w:body xmlns:...>: the same declarations as the document's
        if start.startswith("<w:body") and all(decl in shell for decl in _XMLNS.findall(start)):
            body = "<w:body>" + rest
        tree = parse_xml(shell[: -len("/>")] + ">" + body + f"</{shell[1:].split(maxsplit=1)[0]}>")
        if any(_grid_mismatch(table) for table in tree.iter(qn("w:tbl"))):
            return super().fix_tables(xml)
        return tree

    def fix_docpr_ids(self, tree) -> None:
        """docxtpl's renumbering of drawing ids, for python-docx elements too (their xpath() takes
        no namespaces argument)."""
        for elt in etree.ElementBase.xpath(tree, "//wp:docPr", namespaces=nsmap):
            self.docx_ids_index += 1
            elt.attrib["id"] = str(self.docx_ids_index)

    def map_tree(self, tree) -> None:
        if tree.tag != qn("w:document"):  # docxtpl's repaired body
            return super().map_tree(tree)
        part = self.docx.part
        part._element = tree  # the new document replaces the template's (python-docx keeps no other copy)
        self.docx = part.document

    def render_xml_part(self, src_xml, part, context, jinja_env=None):
        """docxtpl's, plus where an error happened: the part and the paragraph's Word text."""
        try:
            return super().render_xml_part(src_xml, part, context, jinja_env)
        except Exception as exc:
            line = error_line(exc)
            kind = re.sub(r"\d*\.xml$", "", str(part.partname).rsplit("/", 1)[-1])
            exc.regpack_where = (paragraph_at(numbered_source(src_xml), line) if line else "",
                                 "" if kind == "document" else f" (in the {kind})")
            raise

    def resolve_listing(self, xml: str) -> str:
        """docxtpl turns tabs and newlines inside text into Word tabs and breaks with a regex pass over
        every paragraph and run (a fifth of rendering); skip it when no text holds one."""
        return super().resolve_listing(xml) if _LISTING_TEXT.search(xml) else xml


class _Picture(InlineImage):
    """A picture with its alternative text (what a screen reader says, and what Word shows as alt text)."""

    def __init__(self, tpl, picture):
        super().__init__(tpl, io.BytesIO(picture.png), width=Mm(picture.width_mm))
        self.alt = picture.alt

    def _insert_image(self):
        alt = self.alt.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
        return super()._insert_image().replace("<wp:docPr ", f'<wp:docPr descr="{alt}" ', 1)


_ENV = jinja_environment()


@dataclass(frozen=True)
class RenderRequest:
    template: Path
    context: dict
    out: Path
    props: CoreProps
    comments: tuple[ReviewComment, ...]
    when: datetime
    marks: DraftMarks | None = None
    """Marks each paragraph rendered from a source value (for legal's review); None: no marks."""


def render_document(req: RenderRequest) -> list[str]:
    """Render one document; returns comment anchors that were not found in the text."""
    tpl = WordTemplate(str(req.template))
    tpl.init_docx()
    env = _ENV  # shared so compiled templates are reused; the Markdown filter is bound to this document
    converter = MarkdownToWord(tpl)
    markdown = converter if req.marks is None else req.marks.filter(converter)
    env.filters.update(markdown=markdown, inline_markdown=converter.inline)
    context = dict(req.context)
    context["images"] = {name: _Picture(tpl, picture) for name, picture in context.get("images", {}).items()}
    try:
        tpl.render(context, jinja_env=env, autoescape=True)
    except (jinja2.TemplateError, KeyError) as exc:  # KeyError: a style Markdown needs is not defined
        raise TemplateError(_where(req.template, exc) + _what(exc)) from None
    except etree.XMLSyntaxError as exc:
        raise TemplateError(f"{relpath(req.template)}: the rendered document is not well-formed XML ({exc}); "
                            "a Jinja tag probably cuts through a paragraph, row or run: use {%p %}, {%tr %} "
                            "or {%r %} tags for blocks") from None
    missing = finalize_document(tpl.docx, req.out, req.props, req.comments, req.when)
    if req.marks is not None:
        req.marks.write(req.out)
    return missing


def _where(template: Path, exc: BaseException) -> str:
    paragraph, part = getattr(exc, "regpack_where", ("", ""))
    return f'{relpath(template)}: paragraph "{paragraph}"{part}: ' if paragraph else f"{relpath(template)}{part}: "


def _what(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"{exc.args[0]}: define the style in the template (Word: Styles pane) or use another"
    if isinstance(exc, SecurityError):
        return (f"{exc.message.rstrip('.')}: a template may only read its document's data (no calls, no "
                "attributes starting with _); remove the tag")
    if isinstance(exc, jinja2.UndefinedError):
        return (f"{exc.message}: the template uses a name the sources do not provide; fix the template "
                "(`regpack templates check` lists every such tag)")
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"Jinja syntax: {exc.message}"
    return str(exc)

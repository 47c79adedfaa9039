"""Lint one Word template against its document type, before anything is rendered.

What is checked, part by part (body, headers, footers, footnotes, document properties: every part
docxtpl renders): Jinja syntax; every name, attribute path and loop variable (tagwalk.py, against real
contexts when the caller has them, names only otherwise); what the sandbox would refuse; the styles the
template's paragraphs, tables and the Markdown filter need. Problems name the template and the
paragraph's Word text: `templates/x.docx: paragraph "...": message`.

A template Word has re-saved with its stock styles back still builds; that is a warning (slower).
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Sequence

import jinja2
from docx.oxml.ns import qn
from docxtpl import DocxTemplate

from pipeline.errors import Problem, relpath
from pipeline.word.stylesheet import styles_with_effects, unused_table_styles
from pipeline.word.sandbox import numbered_source, paragraph_text, source_lines
from pipeline.word.tagwalk import Walk, context_shapes

MARKDOWN_STYLES = {"List Bullet": "bulleted lists", "List Bullet 2": "nested bulleted lists",
                   "List Number": "numbered lists", "List Number 2": "nested numbered lists",
                   "Hyperlink": "links"}
"""Styles the Markdown filter (markdown.py) applies besides the paragraph style it is given."""
MARKDOWN_TABLE_STYLES = {f"Table {name}": purpose + " in table cells" for name, purpose in MARKDOWN_STYLES.items()
                         if name.startswith("List")}
"""Used instead of the list styles inside table cells (`Table Text`) when the template defines them."""
STOCK_TABLE_STYLES = 20
"""More unused table styles than this: Word's stock gallery is back (a re-save); rendering is slower."""
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")  # docxtpl renders these


@dataclass(frozen=True)
class Part:
    kind: str
    """"" for the body, else `header`, `footer`, `footnotes` or `property title` ..."""
    source: str
    """What Jinja parses: docxtpl's cleaned-up XML, one paragraph a line."""


@dataclass
class LintResult:
    problems: list[Problem]
    unchecked: int = 0
    """Attribute paths that could not be checked (an item of a list empty in every arrangement ...)."""


def template_parts(tpl: DocxTemplate) -> list[Part]:
    parts = [Part("", numbered_source(tpl.patch_xml(tpl.get_xml())))]
    for uri, kind in ((tpl.HEADER_URI, "header"), (tpl.FOOTER_URI, "footer")):
        parts += [Part(kind, numbered_source(tpl.patch_xml(tpl.get_part_xml(part))))
                  for _, part in tpl.get_headers_footers(uri)]
    parts += [Part("footnotes", numbered_source(tpl.patch_xml(p.blob.decode("utf-8"))))
              for p in tpl.docx.part.package.parts if p.content_type.endswith(".footnotes+xml")]
    props = tpl.docx.core_properties
    parts += [Part(f"property {name}", getattr(props, name)) for name in _PROPERTIES if getattr(props, name)]
    return parts


def lint_environment() -> jinja2.Environment:
    from pipeline.word.render import jinja_environment  # the environment documents render in
    env = jinja_environment()
    env.filters.update(markdown=lambda *a, **k: "", inline_markdown=lambda *a, **k: "")
    return env


def document_contexts(gathered) -> dict[str, list[dict]]:
    """Template file -> the context each arrangement's document gets, built as the build builds it."""
    from pipeline.documents.registry import DOCUMENTS, PACKS, document_inputs
    contexts: dict[str, list[dict]] = {}
    for plan in gathered.arrangements:
        inputs = document_inputs(plan, gathered)
        for spec in DOCUMENTS:
            contexts.setdefault(spec.template, []).append(spec.context(inputs))
    contexts.update(cover_contexts([(plan, pack) for plan in gathered.arrangements for pack in PACKS]))
    return contexts


def cover_contexts(packs) -> dict[str, list[dict]]:
    """The pack-cover template's context for each (arrangement, pack), its index as if each document
    had one page."""
    from pipeline.documents import pack_cover
    from pipeline.documents.registry import PACK_COVER, by_key
    return {PACK_COVER: [pack_cover.context(plan.loaded.sources, plan.meta,
                                            [pack_cover.IndexEntry(by_key(k).label, by_key(k).title, 1, 1, 1)
                                             for k in pack.documents], pack)
                         for plan, pack in packs]} if packs else {}


def lint_template(path: Path | BinaryIO, names: frozenset[str], contexts: Sequence[dict] = (),
                  env: jinja2.Environment | None = None, file: str | None = None) -> LintResult:
    """Every problem of one template (a path, or its bytes with `file` naming it); `contexts`: the
    document's real contexts (one per arrangement), or none to check names only."""
    env = env or lint_environment()
    file = file or relpath(path)
    try:
        from pipeline.word.render import WordTemplate  # its clean-up of the XML is kept for the render
        tpl = WordTemplate(path if hasattr(path, "read") else str(path))
        tpl.init_docx()
        parts = template_parts(tpl)
    except Exception as exc:  # a damaged .docx (edited in an odd tool) is a template problem
        return LintResult([Problem(file, 0, "", f"cannot read the template: {exc}")])
    problems, unchecked, checked, styles, markdown = [], set(), set(), [], False
    for part in parts:
        lines = source_lines(part.source)
        where = f" (in the {part.kind})" if part.kind else ""

        def at(line: int, needle: str = "", lines=lines, where=where, part=part) -> str:
            if part.kind.startswith("property"):
                return f'"{part.source}"{where}'
            text = paragraph_text(lines[line - 1], needle) if 1 <= line <= len(lines) else ""
            return f'paragraph "{text}"{where}' if text else where.strip(" ()")

        try:
            tree = env.parse(part.source)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(_syntax_problem(env, part.source, exc, file, at))
            continue
        for context in contexts or [None]:
            walk = Walk(env, context_shapes(names | {"images"}, context))
            walk.stmt(tree, {})
            problems += [Problem(file, 0, at(line, needle), message) for line, message, needle in walk.findings]
            unchecked |= {(part.kind, line, path) for line, path in walk.unchecked}
            checked |= {(part.kind, line, path) for line, path in walk.checked}
        styles += [(functools.partial(at, line, name), name) for line, name in sorted(walk.styles)]
        markdown = markdown or walk.uses_markdown
    problems += style_problems(tpl.docx, file, styles, markdown)
    return LintResult(list(dict.fromkeys(problems)) + slow_template_warnings(tpl.docx, file),
                      len(unchecked - checked))


def _syntax_problem(env, source: str, exc: jinja2.TemplateSyntaxError, file: str, at) -> Problem:
    """Jinja's syntax error, at its paragraph; a block never closed at the paragraph that opens it (Jinja
    names the end of the part, which is no help in a Word file)."""
    unclosed = _unclosed_block(env, source) if "end of template" in exc.message else None
    if unclosed is None:
        return Problem(file, 0, at(exc.lineno), f"Jinja syntax: {exc.message}")
    line, keyword = unclosed
    return Problem(file, 0, at(line, "{% " + keyword), f"Jinja syntax: this {{% {keyword} %}} is never closed: add "
                   f"{{%p end{keyword} %}} where it should end ({{%tr end{keyword} %}} in a table row)")


def _unclosed_block(env: jinja2.Environment, source: str) -> tuple[int, str] | None:
    """The line and keyword of the innermost block tag left open at the end of `source`."""
    stack, expect_keyword = [], False
    try:
        for line, token, value in env.lex(source):
            if token == "block_begin":
                expect_keyword = True
            elif expect_keyword and token == "name":
                expect_keyword = False
                if value in ("for", "if", "macro", "call", "filter", "with", "block", "autoescape"):
                    stack.append((line, value))
                elif value.startswith("end") and stack:
                    stack.pop()
    except jinja2.TemplateSyntaxError:
        return None
    return stack[-1] if stack else None


def style_problems(document, file: str, needed: list[tuple[Callable[[], str], str]], markdown: bool) -> list[Problem]:
    """Styles used but not defined: those the Markdown filter is given or applies, and every style id
    the template's own paragraphs, runs and tables refer to."""
    styles = document.styles.element
    ids = {s.get(qn("w:styleId")) for s in styles.iterchildren(qn("w:style"))}
    names = {s.name for s in document.styles}
    problems = []

    def did_you_mean(name: str) -> str:
        close = difflib.get_close_matches(name, sorted(n for n in names if n), n=1)
        return f"; did you mean {close[0]!r}?" if close else ""

    for where, name in needed:
        if not _has_style(document, name):
            problems.append(Problem(file, 0, where(), f"style {name!r} (given to the markdown filter) is not "
                                                    f"defined in this template{did_you_mean(name)}"))
    for name, purpose in MARKDOWN_STYLES.items():
        if markdown and not _has_style(document, name):
            problems.append(Problem(file, 0, "", f"style {name!r}, which the Markdown filter uses for {purpose}, "
                                                 "is not defined: add it in Word (Styles pane, named exactly so)"))
    for part_name, root in _xml_parts(document):
        for el in root.iter(qn("w:pStyle"), qn("w:rStyle"), qn("w:tblStyle")):
            style_id = el.get(qn("w:val"))
            if style_id not in ids:
                problems.append(Problem(file, 0, _element_where(el, part_name),
                                        f"style id {style_id!r} is not defined in this template's styles (Word "
                                        "and LibreOffice show Normal instead): define it or choose another style"))
    return problems


def _has_style(document, name: str) -> bool:
    try:
        document.styles[name]
    except KeyError:
        return False
    return True


def _xml_parts(document):
    yield "", document.element
    for rel in document.part.rels.values():
        if rel.reltype.endswith(("/header", "/footer")) and not rel.is_external:
            yield rel.reltype.rsplit("/", 1)[-1], rel.target_part.element


def _element_where(el, part_name: str) -> str:
    owner = next((a for a in el.iterancestors(qn("w:p"), qn("w:tbl"))), None)
    where = f" (in the {part_name})" if part_name else ""
    if owner is None:
        return where.strip(" ()")
    text = "".join(t.text or "" for t in owner.iter(qn("w:t"))).strip()  # python-docx's itertext repeats runs
    text = text if len(text) <= 100 else text[:99] + "…"
    return (f'paragraph "{text}"' if owner.tag == qn("w:p") else f'table "{text[:60]}"') + where


def slow_template_warnings(document, file: str) -> list[Problem]:
    """Word's stock table styles and its styles copy, back after a re-save: still builds, more slowly."""
    unused, extras = unused_table_styles(document), styles_with_effects(document)
    if len(unused) <= STOCK_TABLE_STYLES and not extras:
        return []
    what = f"{len(unused)} table styles no table uses" + (" and Word's second copy of the styles "
                                                          "(stylesWithEffects)" if extras else "")
    return [Problem(file, 0, "", f"{what}, as Word writes them, make every document from this template render "
                                 "and convert more slowly; it still builds. `regpack templates trim` removes them",
                    severity="warning")]

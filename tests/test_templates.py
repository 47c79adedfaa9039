"""Templates have one owner (the .docx) and run no code: the sandbox, `regpack templates check`,
`regpack templates adopt` / `trim`, and the generator as a bootstrap (`make templates`)."""

from __future__ import annotations

import copy
import io
import os
import subprocess
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import docx
import pytest
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from PIL import Image
from pydantic import BaseModel
from pypdf import PdfReader

from conftest import ARR, ROOT, add_arrangement, copy_project, ooxml_check, regpack
from pipeline.documents.registry import TEMPLATE_NAMES
from pipeline.files import sha256_file
from pipeline.word.props import CoreProps
from pipeline.word.render import RenderRequest, TemplateError, jinja_environment, render_document
from pipeline.word.template_lint import MARKDOWN_STYLES, MARKDOWN_TABLE_STYLES, lint_template  # noqa: F401

WHEN = datetime(2026, 1, 1, tzinfo=timezone.utc)
PROPS = CoreProps(title="t", subject="s", author="a", keywords="k", category="c", comments="", created=WHEN)
BOARD = "templates/board-paper.docx"
EXPLOIT = "{{ cycler.__init__.__globals__.os.popen('touch pwned').read() }}"
READ_ONLY = ": a template may only read its document's data (no calls, no attributes starting with _); remove the tag"


def add_paragraphs(template: Path, *texts: str) -> None:
    document = docx.Document(str(template))
    for text in texts:
        document.add_paragraph(text)
    document.save(str(template))


def new_template(path: Path, *texts: str) -> Path:
    document = docx.Document()
    for text in texts:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def stderr_lines(result) -> list[str]:
    return result.stderr.splitlines()


# ---- the sandbox ---------------------------------------------------------------------------------

def test_a_template_that_would_run_code_fails_check_and_build_and_runs_nothing(tmp_path):
    project = copy_project(tmp_path / "project")
    add_paragraphs(project / BOARD, EXPLOIT)
    expected = f"{BOARD}: paragraph \"{EXPLOIT}\": unknown name 'cycler'"
    for command in (("templates", "check"), ("check",), ("build",)):
        result = regpack(project, *command)
        assert result.returncode == 2, (command, result.stdout + result.stderr)
        assert stderr_lines(result)[0].startswith(expected), (command, result.stderr)
        assert stderr_lines(result)[-1] == "1 problem found; nothing was written."
    assert not (project / "pwned").exists()
    assert not (project / "build" / ARR).exists()


class Data:
    """An object in a context whose method has a side effect (as a picture's template object has)."""

    def __init__(self, folder: Path):
        self.folder, self.name = folder, "data"

    def write(self) -> str:
        (self.folder / "written").write_text("ran")
        return "wrote"


@pytest.mark.parametrize("tag, message", [
    (EXPLOIT, "'cycler' is undefined: the template uses a name the sources do not provide; fix the template "
              "(`regpack templates check` lists every such tag)"),
    ("{{ ''.__class__.__mro__ }}", "access to attribute '__class__' of 'str' object is unsafe" + READ_ONLY),
    ("{{ obj.write() }}", "calls write()" + READ_ONLY),
    ("{{ items.append(1) }}", "access to attribute 'append' of 'list' object is unsafe" + READ_ONLY),
    ("{{ obj.__class__.__init__.__globals__ }}", "access to attribute '__class__' of 'Data' object is unsafe" + READ_ONLY),
])
def test_the_sandbox_refuses_at_render_time_naming_the_paragraph(tmp_path, monkeypatch, tag, message):
    """Rendering alone (no lint before it) refuses: nothing runs, nothing is written."""
    monkeypatch.chdir(tmp_path)
    template = new_template(tmp_path / "template.docx", "Introduction", tag)
    with pytest.raises(TemplateError) as caught:
        render_document(RenderRequest(template, {"obj": Data(tmp_path), "items": [1]}, tmp_path / "out.docx",
                                      PROPS, (), WHEN))
    assert str(caught.value) == f'template.docx: paragraph "{tag}": {message}'
    assert not (tmp_path / "written").exists() and not (tmp_path / "pwned").exists()
    assert not (tmp_path / "out.docx").exists()


def test_what_templates_may_do_still_works(tmp_path):
    template = new_template(tmp_path / "template.docx", "{{ obj.name|upper }} {{ 'a-b'.split('-')|join('+') }}",
                            "{% for k, v in pairs.items() %}{{ k }}={{ v }}{{ loop.cycle(';', '.') }}{% endfor %}")
    out = tmp_path / "out.docx"
    render_document(RenderRequest(template, {"obj": Data(tmp_path), "pairs": {"x": 1, "y": 2}}, out, PROPS, (), WHEN))
    assert [p.text for p in docx.Document(str(out)).paragraphs] == ["DATA a+b", "x=1;y=2."]
    assert jinja_environment().globals == {}  # no cycler, joiner, namespace, lipsum, range, dict


# ---- templates check -----------------------------------------------------------------------------

def test_the_example_templates_pass_check(tmp_path):
    project = copy_project(tmp_path / "project")
    result = regpack(project, "templates", "check")
    assert result.returncode == 0, result.stderr
    # (the line may add how many attribute paths had no data: an optional value empty in the example)
    assert result.stdout.startswith(f"ok: {len(TEMPLATE_NAMES)} template(s) checked against 1 arrangement(s), "
                                    "0 warning(s)")
    assert result.stderr == ""


def test_check_names_misspelt_attribute_paths_and_loop_variables(tmp_path):
    project = copy_project(tmp_path / "project")
    add_paragraphs(project / BOARD, "Vendor: {{ vendor.legal_nmae }}", "{%p for r in risks %}", "{{ r.titel }}",
                   "{%p endfor %}", "{{ vendor.legal_name|markdwn }}", "{{ vendor.nmae }}")
    result = regpack(project, "templates", "check")
    assert result.returncode == 2
    lines = stderr_lines(result)
    assert lines.pop(3).startswith(f"{BOARD}: paragraph \"{{{{ vendor.nmae }}}}\": vendor.nmae: vendor has no 'nmae'; "
                                   "it has: attestations, contract, ")  # the vendor's fields, for the fix
    assert lines == [
        f"{BOARD}: paragraph \"Vendor: {{{{ vendor.legal_nmae }}}}\": vendor.legal_nmae: vendor has no 'legal_nmae'; "
        "did you mean 'legal_name'?",
        f"{BOARD}: paragraph \"{{{{ r.titel }}}}\": r.titel: r (an item of risks) has no 'titel'; did you mean 'title'?",
        f"{BOARD}: paragraph \"{{{{ vendor.legal_name|markdwn }}}}\": unknown filter 'markdwn'; did you mean 'markdown'?",
        "4 problems found; nothing was written."]


def test_a_build_of_two_arrangements_stops_on_a_misspelt_field_once_and_writes_nothing(tmp_path):
    project = copy_project(tmp_path / "project")
    add_arrangement(project, "hmb-second-arrangement")
    add_paragraphs(project / BOARD, "{{ vendor.nmae }}")
    result = regpack(project, "build")
    assert result.returncode == 2, result.stdout + result.stderr
    lines = stderr_lines(result)
    assert len(lines) == 2 and lines[0].startswith(f"{BOARD}: paragraph \"{{{{ vendor.nmae }}}}\": vendor.nmae: "
                                                    "vendor has no 'nmae'")
    assert lines[1] == "1 problem found; nothing was written."
    assert not (project / "build" / ARR).exists() and "render " not in result.stdout


class Opinion(BaseModel):
    firm: str


class Arrangement(BaseModel):
    title: str
    opinion: Opinion | None = None
    opinions: list[Opinion] = []


def test_check_resolves_empty_optional_fields_and_empty_lists_by_type(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    template = new_template(tmp_path / "t.docx", "{{ arr.opinion.firm }} {{ arr.opinion.firn }}",
                            "{%p for o in arr.opinions %}", "{{ o.frim }}", "{%p endfor %}", "{{ arr.titel }}")
    result = lint_template(template, frozenset({"arr"}), [{"arr": Arrangement(title="t")}])
    assert [str(p) for p in result.problems if not p.is_warning] == [
        "t.docx: paragraph \"{{ arr.opinion.firm }} {{ arr.opinion.firn }}\": arr.opinion.firn: arr.opinion has no "
        "'firn'; did you mean 'firm'?",
        "t.docx: paragraph \"{{ o.frim }}\": o.frim: o (an item of arr.opinions) has no 'frim'; did you mean 'firm'?",
        "t.docx: paragraph \"{{ arr.titel }}\": arr.titel: arr has no 'titel'; did you mean 'title'?"]
    assert result.unchecked == 0


@pytest.mark.parametrize("texts, line", [
    (("{%p for r in risks %}", "{{ r.title }"), "paragraph \"{{ r.title }\": Jinja syntax: unexpected '}'"),
    (("{%p for r in risks %}", "{{ r.title }}"),
     "paragraph \"{% for r in risks %}\": Jinja syntax: this {% for %} is never closed: add {%p endfor %} where it "
     "should end ({%tr endfor %} in a table row)"),
], ids=["bad-tag", "unclosed-for"])
def test_a_syntax_error_names_the_paragraph(tmp_path, texts, line):
    project = copy_project(tmp_path / "project")
    add_paragraphs(project / BOARD, *texts)
    for command in (("templates", "check"), ("check",)):
        result = regpack(project, *command)
        assert result.returncode == 2
        assert stderr_lines(result) == [f"{BOARD}: {line}", "1 problem found; nothing was written."]


def test_check_names_styles_the_markdown_filter_needs(tmp_path):
    project = copy_project(tmp_path / "project")
    add_paragraphs(project / BOARD, "{{p board.purpose|markdown('Body Txt') }}")
    notification = project / "templates" / "notification-package.docx"
    document = docx.Document(str(notification))
    styles = document.styles.element
    styles.remove(document.styles["List Bullet 2"].element)
    document.save(str(notification))
    result = regpack(project, "templates", "check")
    assert result.returncode == 2
    assert stderr_lines(result) == [
        f"{BOARD}: paragraph \"{{{{ board.purpose|markdown('Body Txt') }}}}\": style 'Body Txt' (given to the markdown "
        "filter) is not defined in this template; did you mean 'Body Text'?",
        "templates/notification-package.docx: style 'List Bullet 2', which the Markdown filter uses for nested "
        "bulleted lists, is not defined: add it in Word (Styles pane, named exactly so)",
        "2 problems found; nothing was written."]


def test_check_names_undefined_style_ids_and_tags_in_headers(tmp_path):
    project = copy_project(tmp_path / "project")
    document = docx.Document(str(project / BOARD))
    paragraph = document.add_paragraph("Styled by hand")
    paragraph._p.get_or_add_pPr().get_or_add_pStyle().val = "NoSuchStyle"
    document.sections[0].header.add_paragraph("{{ doc.clasification }}")
    document.save(str(project / BOARD))
    result = regpack(project, "check")
    assert result.returncode == 2
    assert [line for line in stderr_lines(result) if line.startswith("templates/")] == [
        f"{BOARD}: paragraph \"Styled by hand\": style id 'NoSuchStyle' is not defined in this template's styles "
        "(Word and LibreOffice show Normal instead): define it or choose another style",
        f"{BOARD}: paragraph \"{{{{ doc.clasification }}}}\" (in the header): doc.clasification: doc has no "
        "'clasification'; did you mean 'classification'?"]


def test_the_markdown_filter_applies_no_style_beyond_the_checked_ones(tmp_path):
    """The styles template_lint requires are those Markdown applies; in table text it may use `Table List
    ...` variants, only when the template defines them (so they are not required)."""
    import re
    from docxtpl import DocxTemplate
    from pipeline.word.markdown import MarkdownToWord
    tpl = DocxTemplate(str(ROOT / "templates" / "notification-package.docx"))
    converter = MarkdownToWord(tpl)
    text = "# Title\n\nText [link](https://example.com) `code`\n\n- a\n    - b\n\n1. one\n    1. two\n\n| h |\n|---|\n| c |"
    ids = {s.style_id: s.name for s in tpl.docx.styles}

    def used(xml: str) -> set[str]:
        return {ids[v] for v in re.findall(r'w:(?:pStyle|rStyle) w:val="([^"]+)"', xml)}

    assert used(converter(text, "Body Text") + converter.inline("*x* [l](https://example.org)")) == \
        set(MARKDOWN_STYLES) | {"Body Text"}
    optional = {f"Table {name}" for name in MARKDOWN_STYLES if name.startswith("List")}
    assert used(converter(text, "Table Text")) <= set(MARKDOWN_STYLES) | optional | {"Table Text"}


def _resave_as_word_does(template: Path) -> None:
    """Word's stock table styles and its stylesWithEffects copy back in the template (what a re-save
    by Word brings, as in python-docx's own default document, which Word wrote)."""
    stock = docx.Document()
    document = docx.Document(str(template))
    have = {s.get(qn("w:styleId")) for s in document.styles.element.iterchildren(qn("w:style"))}
    for style in stock.styles.element.iterchildren(qn("w:style")):
        if style.get(qn("w:type")) == "table" and style.get(qn("w:styleId")) not in have:
            document.styles.element.append(copy.deepcopy(style))
    with zipfile.ZipFile(docx.__path__[0] + "/templates/default.docx") as z:
        blob = z.read("word/stylesWithEffects.xml")
    part = Part(PackURI("/word/stylesWithEffects.xml"), "application/vnd.ms-word.stylesWithEffects+xml", blob,
                document.part.package)
    document.part.relate_to(part, "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects")
    document.save(str(template))


def test_a_template_resaved_by_word_still_renders_and_check_warns_that_it_is_slower(tmp_path, monkeypatch):
    project = copy_project(tmp_path / "project")
    _resave_as_word_does(project / BOARD)
    result = regpack(project, "templates", "check")
    assert result.returncode == 0, result.stderr
    assert stderr_lines(result) == [
        f"warning: {BOARD}: 98 table styles no table uses and Word's second copy of the styles (stylesWithEffects), "
        "as Word writes them, make every document from this template render and convert more slowly; it still "
        "builds. `regpack templates trim` removes them"]
    assert result.stdout.startswith(f"ok: {len(TEMPLATE_NAMES)} template(s) checked against 1 arrangement(s), "
                                    "1 warning(s)")
    assert regpack(project, "templates", "check", "--strict").returncode == 2

    from pipeline.gather import gather
    from pipeline.project import BuildOptions, Project
    from pipeline.word.template_lint import document_contexts
    monkeypatch.chdir(project)
    context = document_contexts(gather(Project.at(project), BuildOptions(), lint=False))["board-paper.docx"][0]
    render_document(RenderRequest(project / BOARD, context, tmp_path / "out.docx", PROPS, (), WHEN))
    assert "Board Paper" in "".join(p.text for p in docx.Document(str(tmp_path / "out.docx")).paragraphs)

    trimmed = regpack(project, "templates", "trim")
    assert trimmed.stdout.splitlines() == [f"trimmed {BOARD}: 99 unused definitions removed"]
    assert regpack(project, "templates", "check").stderr == ""
    assert ooxml_check([project / BOARD]).returncode == 0


# ---- templates adopt -------------------------------------------------------------------------------

def _letterhead(path: Path, logo: bool = False, footer: bool = False) -> Path:
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(3.0)
    section.top_margin, section.bottom_margin = Cm(4.0), Cm(2.0)
    document.styles["Normal"].font.name = "Caladea"
    document.styles["Normal"].font.size = Pt(11)
    header = section.header.paragraphs[0]
    if logo:
        picture = io.BytesIO()
        Image.new("RGB", (40, 20), (20, 60, 120)).save(picture, "PNG")
        picture.seek(0)
        header.add_run().add_picture(picture, width=Cm(1.5))
    header.add_run("Harbourfront Letterhead")
    if footer:
        section.footer.paragraphs[0].text = "Harbourfront Bank Limited, 1 Harbour Road, Hong Kong"
    document.add_paragraph("Dear Sir or Madam,")
    document.save(str(path))
    return path


def test_adopt_a_letterhead_keeps_every_tag_and_the_build_shows_it(tmp_path):
    project = copy_project(tmp_path / "project")
    letterhead = _letterhead(tmp_path / "letterhead.docx")
    result = regpack(project, "templates", "adopt", str(letterhead))
    assert result.returncode == 0, result.stderr
    templates = sorted((project / "templates").glob("*.docx"))
    assert result.stdout.splitlines() == [f"adopted {letterhead} into templates/{t.name}" for t in templates]
    assert ooxml_check(templates).returncode == 0
    board = docx.Document(str(project / BOARD))
    section, source = board.sections[0], docx.Document(str(letterhead)).sections[0]
    for attr in ("page_width", "page_height", "left_margin", "right_margin", "top_margin", "bottom_margin"):
        assert getattr(section, attr) == getattr(source, attr), attr
    assert section.left_margin != docx.Document(str(ROOT / BOARD)).sections[0].left_margin
    assert board.styles["Normal"].font.name == "Caladea"
    assert [p.text for p in section.header.paragraphs] == [
        "Harbourfront Letterhead", "{{ doc.classification }} | {{ doc.reference }}{% if doc.draft %} | DRAFT{% endif %}"]
    assert [p.text for p in section.footer.paragraphs] == [  # no footer in the letterhead: the template's stays
        p.text for p in docx.Document(str(ROOT / BOARD)).sections[0].footer.paragraphs]

    check = regpack(project, "templates", "check")
    assert check.returncode == 0 and check.stderr == "", check.stderr
    build = regpack(project, "build")
    assert build.returncode == 0, build.stderr
    # page 2: the board paper's cover (page 1) has its own first-page header, empty, which stays
    second_page = PdfReader(project / "build" / ARR / "pdf" / "board-paper.pdf").pages[1].extract_text()
    assert "Harbourfront Letterhead" in second_page
    assert "Confidential | HMB-OUT-2026-014/C | DRAFT" in second_page


def test_adopt_copies_the_letterhead_logo_and_adopting_twice_changes_nothing(tmp_path):
    project = copy_project(tmp_path / "project")
    letterhead = _letterhead(tmp_path / "letterhead.docx", logo=True, footer=True)
    assert regpack(project, "templates", "adopt", str(letterhead)).returncode == 0
    templates = sorted((project / "templates").glob("*.docx"))
    assert ooxml_check(templates).returncode == 0
    original = docx.Document(str(ROOT / BOARD)).sections[0].footer.paragraphs
    footer = docx.Document(str(project / BOARD)).sections[0].footer.paragraphs
    assert [p.text for p in footer] == ["Harbourfront Bank Limited, 1 Harbour Road, Hong Kong",
                                        *(p.text for p in original if "{{" in p.text)]
    header = docx.Document(str(project / BOARD)).sections[0].header
    pictures = [rel.target_part.blob for rel in header.part.rels.values() if rel.reltype.endswith("/image")]
    logo = next(r.target_part.blob for r in docx.Document(str(letterhead)).sections[0].header.part.rels.values())
    assert pictures == [logo]
    shas = {t.name: sha256_file(t) for t in templates}
    assert regpack(project, "templates", "adopt", str(letterhead)).returncode == 0
    assert {t.name: sha256_file(t) for t in templates} == shas
    check = regpack(project, "templates", "check")
    assert check.returncode == 0 and check.stderr == "", check.stderr


def test_a_first_page_letterhead_gets_the_template_tags_its_pages_showed(tmp_path):
    (tmp_path / "project" / "templates").mkdir(parents=True)
    template = new_template(tmp_path / "project" / "templates" / "memo.docx", "Body")
    document = docx.Document(str(template))
    document.sections[0].header.paragraphs[0].text = "{{ doc.classification }} | DRAFT"
    document.save(str(template))
    letterhead = docx.Document()
    letterhead.sections[0].different_first_page_header_footer = True
    letterhead.sections[0].first_page_header.paragraphs[0].text = "Harbourfront Letterhead"
    letterhead.sections[0].header.paragraphs[0].text = "Harbourfront (continued)"
    letterhead.save(str(tmp_path / "letterhead.docx"))
    assert regpack(tmp_path / "project", "templates", "adopt", str(tmp_path / "letterhead.docx")).returncode == 0
    section = docx.Document(str(template)).sections[0]
    assert section.different_first_page_header_footer
    assert [p.text for p in section.first_page_header.paragraphs] == ["Harbourfront Letterhead",
                                                                      "{{ doc.classification }} | DRAFT"]
    assert [p.text for p in section.header.paragraphs] == ["Harbourfront (continued)", "{{ doc.classification }} | DRAFT"]


def test_adopt_refuses_what_is_not_a_word_file_and_changes_nothing(tmp_path):
    project = copy_project(tmp_path / "project")
    (tmp_path / "letterhead.docx").write_text("not a zip")
    before = {t.name: sha256_file(t) for t in (project / "templates").glob("*.docx")}
    result = regpack(project, "templates", "adopt", str(tmp_path / "letterhead.docx"))
    assert result.returncode == 2
    assert stderr_lines(result)[0].startswith(f"error: {tmp_path / 'letterhead.docx'}: cannot read it as a Word "
                                              ".docx file (")
    assert {t.name: sha256_file(t) for t in (project / "templates").glob("*.docx")} == before


# ---- the generator is a bootstrap -------------------------------------------------------------------

def _generate(out: Path, *args: str) -> list[str]:
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "templates" / "make_templates.py"),
                             "--out", str(out), *args], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_make_templates_never_overwrites_an_edited_template_unless_forced(tmp_path):
    out = tmp_path / "templates"
    first = _generate(out)
    names = [Path(line.split(" ", 1)[1]).stem for line in first]
    assert "board-paper" in names and set(TEMPLATE_NAMES) <= {f"{n}.docx" for n in names}
    assert first == [f"wrote {out / n}.docx" for n in names]
    assert _generate(out) == [f"unchanged {out / n}.docx" for n in names]
    add_paragraphs(out / "board-paper.docx", "Legal's edit")
    edited = sha256_file(out / "board-paper.docx")
    skipped = (f"skipped {out / 'board-paper.docx'}: changed since this script wrote it (or not written by it), so "
               "it holds someone's edits; --force overwrites it (make templates FORCE=1)")
    assert _generate(out) == [f"unchanged {out / n}.docx" for n in names if n != "board-paper"] + [skipped]
    assert sha256_file(out / "board-paper.docx") == edited
    (out / ".generated.json").unlink()  # no record: every existing template counts as edited
    assert _generate(out) == [f"skipped {out / n}.docx: " + skipped.split(": ", 1)[1] for n in names]
    assert _generate(out, "--force") == [f"{'wrote' if n == 'board-paper' else 'unchanged'} {out / n}.docx"
                                         for n in names]
    assert "Legal's edit" not in [p.text for p in docx.Document(str(out / "board-paper.docx")).paragraphs]

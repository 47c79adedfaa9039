"""Rendering a .docx template: regpack's shortcuts around docxtpl must give docxtpl's results."""

from __future__ import annotations

import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import docx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from docxread import docx_text  # noqa: E402
from pipeline.word.render import RenderRequest, TemplateError, render_document  # noqa: E402
from pipeline.word.props import CoreProps  # noqa: E402

WHEN = datetime(2026, 1, 1, tzinfo=timezone.utc)
PROPS = CoreProps(title="t", subject="s", author="a", keywords="k", category="c", comments="", created=WHEN)


def _template(tmp_path: Path, build) -> Path:
    doc = docx.Document()
    build(doc)
    path = tmp_path / "template.docx"
    doc.save(path)
    return path


def _render(template: Path, context: dict, tmp_path: Path) -> Path:
    out = tmp_path / "out.docx"
    render_document(RenderRequest(template, context, out, PROPS, (), WHEN))
    return out


def _xml(path: Path) -> str:
    return zipfile.ZipFile(path).read("word/document.xml").decode()


def test_column_loop_gets_docxtpl_grid_repair(tmp_path):
    def build(doc):
        doc.add_paragraph("Columns")
        table = doc.add_table(rows=1, cols=3)
        for cell, text in zip(table.rows[0].cells, ("{%tc for c in cols %}", "{{ c }}", "{%tc endfor %}")):
            cell.text = text
    out = _render(_template(tmp_path, build), {"cols": ["A", "B", "C", "D", "E"]}, tmp_path)
    xml = _xml(out)
    assert xml.count("<w:gridCol ") == 5 and xml.count("<w:tc>") == 5
    assert [c.text for c in docx.Document(str(out)).tables[0].rows[0].cells] == ["A", "B", "C", "D", "E"]


def test_plain_table_grid_left_alone_and_text_kept(tmp_path):
    def build(doc):
        doc.add_paragraph("Vendor: {{ vendor }}")
        table = doc.add_table(rows=2, cols=2)
        table.cell(0, 0).text, table.cell(0, 1).text = "Name", "Role"
        table.cell(1, 0).text, table.cell(1, 1).text = "{{ vendor }}", "provider"
    out = _render(_template(tmp_path, build), {"vendor": "Acme <Cloud> & {{ Co }}"}, tmp_path)
    assert "Vendor: Acme <Cloud> & {{ Co }}" in docx_text(out)
    assert [c.text for c in docx.Document(str(out)).tables[0].rows[1].cells] == ["Acme <Cloud> & {{ Co }}", "provider"]
    assert _xml(out).count("<w:gridCol ") == 2


def test_tabs_and_newlines_in_values_become_word_tabs_and_breaks(tmp_path):
    out = _render(_template(tmp_path, lambda doc: doc.add_paragraph("{{ address }}")),
                  {"address": "1 Harbour Road\nHong Kong\tHK"}, tmp_path)
    xml = _xml(out)
    assert "<w:br/>" in xml and "<w:tab/>" in xml
    assert "1 Harbour Road\nHong Kong\tHK" in docx_text(out)


def test_unknown_name_fails_loudly(tmp_path):
    with pytest.raises(TemplateError, match="missing"):
        _render(_template(tmp_path, lambda doc: doc.add_paragraph("{{ missing }}")), {}, tmp_path)


def test_tag_cutting_through_paragraphs_is_a_template_error(tmp_path):
    def build(doc):
        doc.add_paragraph("{% if show %}Start")
        doc.add_table(rows=1, cols=1).cell(0, 0).text = "{% endif %}End"
    # when `show` is false the rendered XML drops the table's start but keeps its end
    with pytest.raises(TemplateError, match="not well-formed XML"):
        _render(_template(tmp_path, build), {"show": False}, tmp_path)

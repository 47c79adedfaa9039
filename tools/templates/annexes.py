"""Templates: the contingency plan and the exit strategy as standalone annexes."""

from __future__ import annotations

from continuity import contingency_plan, exit_strategy
from docxkit import cover, header_footer, new_document, save


def _build(path, heading: str, section) -> None:
    doc = new_document()
    header_footer(doc, "{{ doc.title }}")
    cover(doc, "{{ doc.title }}")
    doc.add_heading(heading, 1)
    section(doc, 1)
    save(doc, path)


def build_contingency(path) -> None:
    _build(path, "Contingency plan for {{ arr.title }}", contingency_plan)


def build_exit(path) -> None:
    _build(path, "Exit strategy for {{ arr.title }}", exit_strategy)

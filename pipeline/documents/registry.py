"""Every document type regpack produces, in pack order. Everything else is derived from this list:
template lint (the names each template may use), the catalog's document codes, the "where addressed"
labels of the traceability, and the order and labels of the pack.

Adding a document type: a module beside this one with its SPEC (and context function), its template
in templates/, a line here, and its test."""

from __future__ import annotations

from pipeline.documents import board_paper, notification, pack_cover, risk_assessment_form
from pipeline.documents.spec import DocumentSpec

DOCUMENTS: tuple[DocumentSpec, ...] = (notification.SPEC, risk_assessment_form.SPEC, board_paper.SPEC)
PACK_COVER = pack_cover.TEMPLATE

CODES = frozenset(spec.key for spec in DOCUMENTS)
"""The document codes catalog entries may name."""
WHERE = {spec.key: spec.where for spec in DOCUMENTS}
TEMPLATE_NAMES: dict[str, frozenset[str]] = {**{spec.template: spec.names for spec in DOCUMENTS},
                                             PACK_COVER: pack_cover.NAMES}
"""Template file -> the names it may use."""


def by_key(key: str) -> DocumentSpec:
    return next(spec for spec in DOCUMENTS if spec.key == key)

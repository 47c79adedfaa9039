"""Every document type regpack produces, in pack order. Everything else is derived from this list:
template lint (the names each template may use), the catalog's document codes, the "where addressed"
labels of the traceability, and the order and labels of the pack.

Adding a document type: a module beside this one with its SPEC (and context function), its template
in templates/, a line here, and its test."""

from __future__ import annotations

from pipeline.documents import annexes, board_paper, notification, pack_cover, risk_assessment_form
from pipeline.documents.spec import DocumentInputs, DocumentSpec, PackSpec

DOCUMENTS: tuple[DocumentSpec, ...] = (notification.SPEC, risk_assessment_form.SPEC, board_paper.SPEC,
                                      annexes.CONTINGENCY, annexes.EXIT)
PACK_COVER = pack_cover.TEMPLATE

CODES = frozenset(spec.key for spec in DOCUMENTS)
"""The document codes catalog entries may name."""
WHERE = {spec.key: spec.where for spec in DOCUMENTS}
TEMPLATE_NAMES: dict[str, frozenset[str]] = {**{spec.template: spec.names for spec in DOCUMENTS},
                                             PACK_COVER: pack_cover.NAMES}
"""Template file -> the names it may use."""


def document_inputs(plan, gathered) -> DocumentInputs:
    """What every document type's context function gets for one arrangement (`gathered.ArrangementPlan`)."""
    return DocumentInputs(plan.loaded.sources, plan.coverage, gathered.catalog, gathered.form, plan.meta, WHERE)


def by_key(key: str) -> DocumentSpec:
    return next(spec for spec in DOCUMENTS if spec.key == key)


PACKS: tuple[PackSpec, ...] = (
    PackSpec("submission-pack", "Submission pack", "Hong Kong Monetary Authority, Banking Supervision Department",
             "regulator", ("NOTIF", "RAF"), enclosures=True),
    PackSpec("board-pack", "Board pack", "{board}", "board", ("BOARD", "CONTINGENCY", "EXIT")),
)


def pack_problems(packs: tuple[PackSpec, ...] = PACKS) -> list[str]:
    """What is wrong with the packs' composition: the regulator's pack holds only what the regulator reads."""
    problems = []
    for pack in packs:
        for key in pack.documents:
            spec = next((s for s in DOCUMENTS if s.key == key), None)
            if spec is None:
                problems.append(f"{pack.slug}: unknown document {key!r}")
            elif pack.audience == "regulator" and spec.audience != "regulator":
                problems.append(f"{pack.slug} goes to the regulator but {spec.slug} is a {spec.audience} document: "
                                "it must not be in it")
    return problems

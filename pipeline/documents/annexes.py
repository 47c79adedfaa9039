"""The contingency plan and the exit strategy as standalone annexes, from the same data as the sections
of the notification package: the HKMA often asks for them on their own, and the board pack carries
them as appendices so that the board sees in full what it is asked to approve."""

from __future__ import annotations

from pipeline.documents import facts
from pipeline.documents.spec import DocumentInputs, DocumentSpec

NAMES = facts.BASE_NAMES | facts.CONTINUITY_NAMES
USES = ("institution", "arrangement", "vendor", "controls", "risk", "contingency", "exit")


def contingency_context(inputs: DocumentInputs) -> dict[str, object]:
    return {**facts.base_context(CONTINGENCY, inputs), **facts.continuity_context(inputs.src)}


def exit_context(inputs: DocumentInputs) -> dict[str, object]:
    return {**facts.base_context(EXIT, inputs), **facts.continuity_context(inputs.src)}


CONTINGENCY = DocumentSpec(
    key="CONTINGENCY", slug="contingency-plan", title="Contingency Plan", short="Contingency plan", label="D",
    audience="regulator", uses=USES, names=NAMES, where="Contingency plan annex", context=contingency_context)

EXIT = DocumentSpec(
    key="EXIT", slug="exit-strategy", title="Exit Strategy", short="Exit strategy", label="E",
    audience="regulator", uses=USES, names=NAMES, where="Exit strategy annex", context=exit_context)

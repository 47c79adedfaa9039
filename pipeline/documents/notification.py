"""The outsourcing notification package to the HKMA: cover letter, annexes, control responses and the
management declaration (SA-2 1.3.2, OR-1 2.2.3(c))."""

from __future__ import annotations

from pipeline.documents import facts, resilience
from pipeline.documents.formatting import fmt_date
from pipeline.documents.spec import DocumentInputs, DocumentSpec

NAMES = (facts.BASE_NAMES | facts.VENDOR_NAMES | facts.CONTROLS_NAMES | facts.RISK_NAMES | facts.CONTINUITY_NAMES
         | resilience.NAMES | facts.SIGNING_NAMES | {"contacts", "enclosures"})


def context(inputs: DocumentInputs) -> dict[str, object]:
    src = inputs.src
    return {**facts.base_context(SPEC, inputs), **facts.vendor_context(src), **facts.controls_context(inputs),
            **facts.risk_context(src), **facts.continuity_context(src),
            **resilience.resilience_context(src, inputs.coverage.flags), **facts.signing_context(src, inputs.coverage),
            "contacts": facts.contacts(src),
            "enclosures": [{"title": e.title, "reference": e.reference, "date": fmt_date(e.date)}
                           for e in src.arrangement.enclosures]}


SPEC = DocumentSpec(
    key="NOTIF", slug="notification-package", title="Outsourcing Notification Package", short="Notification",
    label="A", audience="regulator",
    uses=("institution", "arrangement", "vendor", "controls", "risk", "contingency", "exit"),
    names=NAMES, where="Notification package", context=context)

"""The Risk Assessment Form on Technology-related Outsourcing (including Cloud Computing): the form's
parts and questions come from `catalog/raf-form.yaml`, Part E from the applicable requirements."""

from __future__ import annotations

from pipeline.documents import facts, resilience
from pipeline.documents.form_answers import form_parts
from pipeline.documents.spec import DocumentInputs, DocumentSpec

NAMES = (facts.BASE_NAMES | facts.VENDOR_NAMES | facts.CONTROLS_NAMES | facts.RISK_NAMES | facts.CONTINUITY_NAMES
         | resilience.NAMES | facts.SIGNING_NAMES | {"form"})


def context(inputs: DocumentInputs) -> dict[str, object]:
    src = inputs.src
    ctx = {**facts.base_context(SPEC, inputs), **facts.vendor_context(src), **facts.controls_context(inputs),
           **facts.risk_context(src), **facts.continuity_context(src),
           **resilience.resilience_context(src, inputs.coverage.flags), **facts.signing_context(src, inputs.coverage)}
    ctx["form"] = form_parts(inputs.form, src, inputs.coverage, ctx)
    return ctx


SPEC = DocumentSpec(
    key="RAF", slug="risk-assessment-form",
    title="Risk Assessment Form on Technology-related Outsourcing (including Cloud Computing)",
    short="Risk Assessment Form", label="B", audience="regulator",
    uses=("institution", "arrangement", "vendor", "controls", "risk", "contingency", "exit"),
    names=NAMES, where="Risk Assessment Form, Part E", context=context)

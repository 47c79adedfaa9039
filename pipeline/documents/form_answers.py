"""Answers to the Risk Assessment Form: each answer key of `raf-form.yaml` mapped to source facts,
and Part E rows generated from the applicable catalog requirements and the control responses."""

from __future__ import annotations

from typing import Callable

from pipeline.catalog.model import RiskAssessmentForm
from pipeline.catalog.coverage import Coverage
from pipeline.models import ArrangementSources
from pipeline.models.common import evidence_title
from pipeline.documents import resilience
from pipeline.documents.formatting import response_text

FORM_ANSWERS = {"met": "Yes", "partial": "Partial", "gap": "No", "not_applicable": "N.A."}


def _answers(src: ArrangementSources, facts: dict) -> dict[str, Callable[[], str]]:
    inst, arr, vendor, risk = src.institution, src.arrangement, src.vendor, src.risk
    ia = vendor.independent_it_assessment
    by_category = {}
    for r in risk.risks:
        by_category.setdefault(r.category, []).append(f"{r.id} {r.title}: {r.inherent.level.lower()}")
    concentration = [r for r in risk.risks if r.category == "concentration"]
    country = [r for r in risk.risks if r.category == "country"]

    def risks_text(items) -> str:
        return "\n".join(f"- {r.id} {r.title}: inherent {r.inherent.level.lower()}, residual "
                         f"{r.residual.level.lower()}" for r in items) or "None identified."

    return {
        "institution.names": lambda: f"{inst.name_en}\n\n{inst.name_zh}",
        "institution.type": lambda: inst.type_label,
        "institution.incorporation": lambda: "Incorporated in Hong Kong" if inst.incorporation == "local"
        else "Incorporated outside Hong Kong",
        "institution.contact": lambda: (f"{inst.contact.name}, {inst.contact.title}; "
                                        f"{inst.contact.phone or ''} {inst.contact.email or ''}").strip(),
        "submission.date": lambda: facts["notification_date"],
        "submission.change_type": lambda: arr.change_type_label,
        "submission.reference": lambda: arr.reference,
        "arrangement.title": lambda: arr.title,
        "arrangement.service": lambda: arr.service,
        "arrangement.business_area": lambda: arr.business_area,
        "arrangement.banking_related": lambda: "Yes" if arr.banking_related else "No",
        "arrangement.service_model": lambda: facts["service_model"],
        "arrangement.deployment_model": lambda: facts["deployment_model"],
        "arrangement.systems": lambda: "\n".join(f"- **{s.name}**: {s.description}" for s in arr.systems),
        "arrangement.criticality": lambda: f"{facts['criticality']}. {arr.criticality.rationale}",
        "arrangement.customer_data": lambda: (f"Customer data: {'yes' if arr.data.customer_data else 'no'}; "
                                              f"personal data: {'yes' if arr.data.personal_data else 'no'}"),
        "arrangement.data_categories": lambda: facts["data_categories"],
        "arrangement.data_volume": lambda: arr.data.volume,
        "arrangement.contract_dates": lambda: (f"Signing {facts['contract_signing']}; term "
                                               f"{facts['contract_term']}"),
        "arrangement.go_live": lambda: facts["go_live"],
        "arrangement.annual_cost": lambda: f"{facts['annual_cost']} a year; one-off {facts['one_off_cost']}",
        "vendor.legal_name": lambda: facts["vendor_name"],
        "vendor.parent": lambda: vendor.parent,
        "vendor.incorporation": lambda: vendor.incorporation,
        "vendor.regulated_status": lambda: vendor.regulated_status,
        "vendor.intra_group": lambda: "Yes" if vendor.intra_group else "No",
        "data.storage_locations": lambda: facts["storage_locations"],
        "data.processing_locations": lambda: facts["processing_locations"],
        "data.backup_locations": lambda: facts["backup_locations"],
        "data.admin_access_locations": lambda: facts["admin_locations"],
        "vendor.subcontractors": lambda: "\n".join(
            f"- {s.name} ({s.country}): {s.service}; data access: {'yes' if s.data_access else 'no'}"
            for s in vendor.subcontractors) or "None with access to the institution's data.",
        "vendor.attestations": lambda: "\n".join(f"- {a.type} ({a.issuer}), period ending {a.period_end:%d %b %Y}"
                                                 for a in vendor.attestations),
        "vendor.independent_assessment": lambda: f"{ia.by}, {facts['independent_assessment_date']}: {ia.result}",
        "vendor.staff_access": lambda: (
            "\n".join(f"- {loc}" for loc in vendor.staff_access.locations) + f"\n\n{vendor.staff_access.controls}"
            if vendor.staff_access else "The provider has not stated where its staff may access the service from."),
        "overseas.authority_access": lambda: _authority_access(arr),
        "declaration.undertaking": lambda: _undertaking(arr),
        "risk.criticality": lambda: (f"{facts['criticality']}, in the risk assessment of "
                                     f"{risk.assessment_date:%d %B %Y} approved by {risk.approved_by}; the reasons are "
                                     "given in answer B7."),
        "risk.reasons": lambda: "\n".join(f"- {r}" for r in arr.reasons),
        "risk.inherent": lambda: "\n".join(f"- {', '.join(v)}" for v in by_category.values()),
        "risk.concentration": lambda: risks_text(concentration) + f"\n\nSubstitutability: "
                                                                   f"{vendor.substitutability.rationale}",
        "risk.country_risk": lambda: (arr.overseas.country_risk if arr.overseas else "Not applicable: all data "
                                      "is stored, processed and backed up in Hong Kong.") + "\n\n" + risks_text(country),
        "risk.residual": lambda: risk.residual_conclusion,
        "risk.approved_by": lambda: f"{risk.approved_by} ({risk.assessment_date:%d %B %Y})",
        **_resilience_answers(src),
        "declaration.signatory": lambda: f"{inst.signatory.name}, {inst.signatory.title}",
        "declaration.board_approval": lambda: f"Approved by the {inst.board_name} on {facts['board_date']}",
        "declaration.statement": lambda: (
            "The institution confirms that the arrangement meets the requirements of SA-2 and the technology "
            "controls set out in this form, that it complies in general with TM-G-1 and the HKMA's other "
            "guidance, and that it will inform the HKMA of any material change to the arrangement."),
    }


def _per_operation(src, lines) -> str:
    """One block per critical operation: its name in bold, then `lines(op)` as a list."""
    return "\n\n".join(f"**{op.name}**\n\n" + ("\n".join(f"- {x}" for x in lines(op)) or "- None identified.")
                       for op in src.arrangement.critical_operations) or resilience.NONE_SUPPORTED + "."


def _resilience_answers(src: ArrangementSources) -> dict[str, Callable[[], str]]:
    updates, cap = src.vendor.provider_updates, src.arrangement.cap653
    tests = resilience.scenario_rows(src)
    return {
        "resilience.critical_operations": lambda: "\n".join(
            f"- **{op['name']}**: owner {op['owner']}; tolerance for disruption {op['tolerance']}"
            for op in resilience.operations(src)) or resilience.NONE_SUPPORTED + " (SPM OR-2).",
        "resilience.dependencies": lambda: _per_operation(src, lambda op: [
            f"{resilience.KIND_LABELS[d.kind]}: {d.name}: {d.role}" for d in op.dependencies]),
        "resilience.fourth_parties": lambda: _per_operation(src, lambda op: [
            f"{f.name}, sub-contractor of {f.third_party} ({f.location}): {f.service}" for f in op.fourth_parties]),
        "resilience.provider_updates": lambda: (f"{updates.delivery}\n\nWhat the institution controls: "
                                                f"{updates.institution_controls}\n\nFallback: {updates.fallback}"),
        "resilience.service_features": lambda: "\n".join(
            f"- {f['feature']}: {f['answer']}" for f in resilience.features(src)),
        "resilience.cyber_resilience": lambda: (f"{resilience.craf(src)}.\n\nAttack simulation testing: "
                                                f"{src.institution.cyber_resilience.attack_simulation}"),
        "risk.cyber_effect": lambda: resilience.cyber_effect(src),
        "risk.tolerance_tests": lambda: "\n".join(
            f"- {t['operation']}, scenario {t['scenario']} ({t['method']}; {t['date']}): disruption "
            f"{t['disruption']} against a tolerance of {t['tolerance']}, {t['outcome'].lower()}. {t['result']}"
            + (f" Remediation: {t['remediation']}" if t["remediation"] else "")
            for t in tests) or "No scenario test has been run against the tolerance for disruption.",
        "privacy.transfers": lambda: "\n".join(
            f"- {t['data']}, to {t['recipient']} in {t['destination']}: {t['mechanism']}, effective {t['effective']}. "
            f"{t['terms']}" for t in resilience.transfers(src)) or "No personal data leaves Hong Kong.",
        "resilience.cap653": lambda: (f"Material-change checklist: {cap.material_change_checklist}\n\nIncident "
                                      f"notice: {resilience.cap653(src, {'cap653'})['notice']}\n\n"
                                      f"Circulation: {cap.circulation}" if cap else "Not applicable: the service affects no critical computer system "
                                      "of a designated operator."),
    }


def _authority_access(arr) -> str:
    if not arr.overseas:
        return "Not applicable: no data is stored, processed or backed up outside Hong Kong."
    opinion = arr.overseas.legal_opinion
    said = opinion.on_authority_access or opinion.conclusion
    return f"{arr.overseas.overseas_authority_access}\n\nLegal opinion ({opinion.firm}, {opinion.date:%d %B %Y}): {said}"


def _undertaking(arr) -> str:
    text = "The institution undertakes to inform the HKMA of any material change to the arrangement."
    if arr.overseas:
        text += " " + (arr.overseas.access_request_undertaking or "It will also inform the HKMA of any request by an "
                       "overseas authority for access to customer data.")
    return text


def form_parts(form: RiskAssessmentForm, src: ArrangementSources, coverage: Coverage, ctx: dict) -> dict:
    answers = _answers(src, ctx["facts"])
    parts = []
    for part in form.parts:
        if part.from_catalog:
            rows = [{"citation": r.requirement.shown_citation, "title": r.requirement.title,
                     "answer": FORM_ANSWERS[r.response.status] if r.response else "NO ANSWER",
                     "explanation": response_text(r.response) if r.response else "No response in the sources.",
                     "evidence": "; ".join(evidence_title(e) for e in r.response.evidence) if r.response else ""}
                    for r in coverage.rows if "RAF" in r.requirement.docs]
            parts.append({"id": part.id, "title": part.title, "rows": rows, "questions": []})
        else:
            questions = [{"id": q.id, "text": q.text, "answer": answers[q.answer]()} for q in part.questions
                         if q.applies_if is None or q.applies_if in coverage.flags]
            parts.append({"id": part.id, "title": part.title, "rows": [], "questions": questions})
    return {"title": form.title, "version": form.form_version, "parts": parts}

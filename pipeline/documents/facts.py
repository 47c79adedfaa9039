"""The facts and views every document type draws on. Every fact is computed once here, so it reads the
same in every document (the vendor's legal name, data locations, RTO/RPO, go-live, exit duration ...);
each document module picks the views it needs."""

from __future__ import annotations


from pipeline.catalog.coverage import RESPONSIBILITY_LABELS, STATUS_LABELS, Coverage
from pipeline.documents.spec import DocumentInputs, DocumentSpec
from pipeline.models import ArrangementSources
from pipeline.models.common import evidence_title
from pipeline.project import BuildMeta
from pipeline.word.fields import Bookmark, PageRef
from pipeline.documents.formatting import (duration, fmt_date, hours, minutes, money, person, places,
                                          plain_summary, reach, response_text, weeks, yesno)
from pipeline.documents.resilience import NONE_SUPPORTED, scenario_rows, tolerance_text


def _and(words: list[str]) -> str:
    return " and ".join(filter(None, [", ".join(words[:-1]), words[-1]])) if words else ""


def facts(src: ArrangementSources) -> dict[str, object]:
    arr, vendor, bcp, exit_plan = src.arrangement, src.vendor, src.contingency, src.exit
    locs = arr.data.locations
    op = arr.tightest_operation
    within = op is None or bcp.rto_hours <= op.tolerance_hours
    outside = [r.id for r in src.risk.risks if not r.within_appetite]
    return {
        "vendor_name": vendor.legal_name,
        "notification_date": fmt_date(arr.dates.hkma_notification),
        "board_date": fmt_date(arr.dates.board_meeting),
        "contract_signing": fmt_date(arr.dates.contract_signing),
        "go_live": fmt_date(arr.dates.planned_go_live),
        "contract_term": f"{arr.dates.contract_term_years} years",
        "contract_form": {"agreement": "Written outsourcing agreement (SA-2 2.4)",
                          "mou": "Memorandum of understanding (intra-group, SA-2 2.4.3)"}[vendor.contract.type],
        "service_model": arr.service_model,
        "deployment_model": arr.deployment_model.capitalize(),
        "provider_services": ", ".join(arr.provider_services),
        "criticality": f"{arr.criticality.rating.replace('_', '-').capitalize()}",
        "storage_locations": places(locs.storage),
        "processing_locations": places(locs.processing),
        "backup_locations": places(locs.backup),
        "admin_locations": places(locs.admin_access),
        "data_categories": "; ".join(arr.data.categories),
        "overseas": arr.is_overseas,
        "overseas_jurisdictions": ", ".join(arr.overseas.jurisdictions) if arr.overseas else "",
        "overseas_uses": _and([verb for verb, where in (("stored", locs.storage), ("processed", locs.processing),
                                                         ("backed up", locs.backup), ("administered", locs.admin_access))
                               if any(loc.overseas for loc in where)]),
        "annual_cost": str(arr.annual_cost),
        "one_off_cost": str(arr.one_off_cost),
        "annual_cost_described": money(arr.annual_cost),
        "one_off_cost_described": money(arr.one_off_cost),
        "contact": " ".join(filter(None, [person(src.institution.contact), reach(src.institution.contact)])),
        "notice_days": (arr.dates.planned_go_live - arr.dates.hkma_notification).days,
        "rto": duration(bcp.rto_hours),
        "rpo": minutes(bcp.rpo_minutes),
        "mto": duration(bcp.mto_hours),
        "tolerance": hours(op.tolerance_hours) if op else "none: the service supports no critical operation",
        "tolerance_by_operation": "; ".join(f"{tolerance_text(o)} ({o.name})" for o in arr.critical_operations)
                                  or NONE_SUPPORTED,
        "rto_within_tolerance": ("within the tolerance" if within else
                                 "BEYOND the tolerance, which must be resolved before the arrangement is approved"),
        "tolerance_statement": (
            f"The recovery time objective is {duration(bcp.rto_hours)} and the recovery point objective "
            f"{minutes(bcp.rpo_minutes)}, against a tolerance for disruption of {hours(op.tolerance_hours)} for "
            f"{op.name}" + (f", the shortest of the {len(arr.critical_operations)} critical operations the service "
                            "supports" if len(arr.critical_operations) > 1 else "")
            + (": within the tolerance." if within else ": BEYOND the tolerance, which must be resolved before the "
               "arrangement is approved.") if op else
            f"The recovery time objective is {duration(bcp.rto_hours)} and the recovery point objective "
            f"{minutes(bcp.rpo_minutes)}; the service supports none of the institution's critical operations, so "
            "no tolerance for disruption applies."),
        "exit_target": exit_plan.target_state_label,
        "exit_alternatives": "; ".join(exit_plan.alternatives),
        "exit_duration": f"{exit_plan.duration_months:g} months",
        "exit_cost": exit_cost(exit_plan),
        "kpis": "; ".join(src.risk.monitoring.kpis),
        "independent_assessment_date": fmt_date(vendor.independent_it_assessment.date),
        "attestation_list": "; ".join(a.type for a in vendor.attestations),
        "risks_outside_appetite": (f"risks outside appetite: {', '.join(outside)}" if outside
                                   else "all residual risks are within the stated appetite"),
        "lead_time_note": (
            f"The institution plans to notify the HKMA on {fmt_date(arr.dates.hkma_notification)}, at least "
            f"{arr.hkma.lead_time_days} days before implementation. This lead time is the institution's own "
            "assumption: SA-2 asks for discussion in advance and before implementation, and the HKMA "
            "publishes no fixed lead time."),
    }


def control_rows(coverage: Coverage, where: dict[str, str]) -> list[dict[str, object]]:
    rows = []
    for number, row in enumerate(coverage.rows, start=1):
        resp, req = row.response, row.requirement
        rows.append({
            "id": req.id, "citation": req.shown_citation, "title": req.title, "framework": req.framework,
            "bookmark": Bookmark(f"_Rq{number}", 9000 + number),
            "responsibility": RESPONSIBILITY_LABELS[row.responsibility],
            "status": STATUS_LABELS[resp.status] if resp else "NO RESPONSE",
            "response": response_text(resp) if resp else "No response in the sources.",
            "summary": plain_summary(resp.response) if resp else "No response in the sources.",
            "evidence": "; ".join(evidence_title(e) for e in resp.evidence) if resp and resp.evidence else "",
            "where": "; ".join(where[d] for d in req.docs),
        })
    return rows


def coverage_view(coverage: Coverage) -> dict[str, object]:
    counts = coverage.counts()
    return {
        "applicable": coverage.applicable, "answered": coverage.answered, "gaps": coverage.gaps,
        "summary": coverage.summary(),
        "instruments": _and(list(dict.fromkeys(r.requirement.instrument for r in coverage.rows))),
        "by_responsibility": [
            {"label": RESPONSIBILITY_LABELS[k], "met": c["met"], "partial": c["partial"], "gap": c["gap"] + c["missing"],
             "na": c["not_applicable"], "total": sum(c.values())} for k, c in counts.items()],
        "open_items": [
            {"citation": r.requirement.shown_citation, "status": STATUS_LABELS[r.response.status],
             "action": r.response.action.description, "owner": r.response.action.owner,
             "due": fmt_date(r.response.action.due)} for r in coverage.open_items]
        + [{"citation": r.requirement.shown_citation, "status": "No response", "action": "Write a response",
            "owner": "Compliance", "due": "Before submission"} for r in coverage.rows if r.response is None],
    }


def document_date(spec: DocumentSpec, src: ArrangementSources, meta: BuildMeta):
    """The date a document carries: what the regulator receives is dated as the letter (the notification
    date); the board paper as issued (`board.paper_date`, else the build date)."""
    if spec.audience == "regulator":
        return src.arrangement.dates.hkma_notification
    return src.board.paper_date or meta.build_date.date()


def doc_view(spec: DocumentSpec, src: ArrangementSources, meta: BuildMeta) -> dict[str, object]:
    arr = src.arrangement
    return {"title": spec.title, "reference": f"{arr.reference}/{spec.label}", "version": arr.version,
            "date": fmt_date(document_date(spec, src, meta)), "classification": src.institution.classification,
            "draft": not meta.final, "status": "Final" if meta.final else "Draft for review"}


BASE_NAMES = frozenset({"doc", "inst", "arr", "facts", "cov", "images"})
"""What every document's template may use (`images`: the pictures its context provides, if any)."""


def base_context(spec: DocumentSpec, inputs: DocumentInputs) -> dict[str, object]:
    src = inputs.src
    return {"doc": doc_view(spec, src, inputs.meta), "inst": src.institution, "arr": src.arrangement,
            "facts": facts(src), "cov": coverage_view(inputs.coverage), "images": {}}


VENDOR_NAMES = frozenset({"vendor", "contract", "dd", "attestations"})


def vendor_context(src: ArrangementSources) -> dict[str, object]:
    """The provider, its contract, due diligence by topic and attestations (current or stale)."""
    dd = [{"topic": label, "rating": getattr(src.vendor.due_diligence, key).rating.replace("_", " ").capitalize(),
           "assessment": getattr(src.vendor.due_diligence, key).assessment,
           "evidence": "; ".join(evidence_title(e) for e in getattr(src.vendor.due_diligence, key).evidence)}
          for key, label in src.vendor.due_diligence.TOPICS.items()]
    submission = src.arrangement.dates.hkma_notification
    attestations = [{"id": a.id, "type": a.type, "scope": a.scope, "issuer": a.issuer,
                     "period": f"{fmt_date(a.period_start) + ' to ' if a.period_start else 'to '}{fmt_date(a.period_end)}",
                     "status": "Current" if (submission - a.period_end).days <= 365 else "STALE"}
                    for a in src.vendor.attestations]
    return {"vendor": src.vendor, "contract": src.vendor.contract, "dd": dd, "attestations": attestations}


CONTROLS_NAMES = frozenset({"controls", "trace"})
CONTROLS_FIRST = "TMG1"
"""The control responses follow TM-G-1's chapters first, then the other frameworks in catalog order."""


def controls_context(inputs: DocumentInputs) -> dict[str, object]:
    """The control responses once, grouped by framework (TM-G-1 first, in chapter order), each row with a
    hidden bookmark; and a short traceability index: requirement, status, where (and page) it is answered."""
    rows = control_rows(inputs.coverage, inputs.where)
    frameworks = sorted(inputs.catalog.frameworks, key=lambda fw: fw.framework != CONTROLS_FIRST)
    groups, trace = [], []
    for fw in frameworks:
        group = [r for r in rows if r["framework"] == fw.framework]
        if not group:
            continue
        title = f"{fw.module}: {fw.title}"
        groups.append({"title": title, "rows": group})
        trace += [{"citation": r["citation"], "status": r["status"], "where": f"{r['where']}; responses under {fw.module}",
                   "page": PageRef(r["bookmark"].name)} for r in group]
    return {"controls": groups, "trace": trace}


RISK_NAMES = frozenset({"risk", "risks"})


def risk_context(src: ArrangementSources) -> dict[str, object]:
    risks = [{"id": r.id, "title": r.title, "category": r.category.replace("_", " ").capitalize(),
              "description": r.description, "owner": r.owner,
              "inherent": f"{r.inherent.level} ({r.inherent.likelihood}×{r.inherent.impact})",
              "residual": f"{r.residual.level} ({r.residual.likelihood}×{r.residual.impact})",
              "within": yesno(r.within_appetite), "mitigations": "; ".join(r.mitigations)}
             for r in src.risk.risks]
    return {"risk": src.risk, "risks": risks}


CONTINUITY_NAMES = frozenset({"bcp", "exit_plan", "triggers", "continuity"})


def exit_cost(exit_plan) -> str:
    """The exit's cost as the documents state it: the planned exit's, and the stressed exit's if different."""
    text = str(exit_plan.cost_estimate)
    if exit_plan.cost_estimate.note:
        text += f" ({exit_plan.cost_estimate.note})"
    if exit_plan.stressed_cost_estimate:
        stressed = exit_plan.stressed_cost_estimate
        text += f"; stressed exit: {stressed}" + (f" ({stressed.note})" if stressed.note else "")
    return text


def test_misses(bcp) -> list[str]:
    """Each contingency test whose achieved recovery time or data loss missed the RTO or RPO, in words."""
    misses = []
    for t in bcp.tests:
        when = f" on {fmt_date(t.last_date)}" if t.last_date else ""
        if t.achieved_recovery_minutes is not None and t.achieved_recovery_minutes > bcp.rto_hours * 60:
            misses.append(f"{t.type}{when}: recovery took {duration(t.achieved_recovery_minutes / 60)}, "
                          f"against a recovery time objective of {duration(bcp.rto_hours)}.")
        if t.achieved_data_loss_minutes is not None and t.achieved_data_loss_minutes > bcp.rpo_minutes:
            misses.append(f"{t.type}{when}: {minutes(t.achieved_data_loss_minutes)} of data were lost, against a "
                          f"recovery point objective of {minutes(bcp.rpo_minutes)}.")
    return misses


def continuity_context(src: ArrangementSources) -> dict[str, object]:
    """The contingency plan and the exit strategy with its triggers, steps and phases."""
    bcp, exit_plan = src.contingency, src.exit
    triggers = [{"id": t.id, "trigger": t.trigger, "indicator": t.indicator,
                 "type_label": "Stressed" if t.type == "stressed" else "Non-stressed"} for t in exit_plan.triggers]
    continuity = {
        "scenarios": [{"id": s.id, "title": s.title, "description": s.description, "response": s.response,
                       "recovery": duration(s.recovery_hours)} for s in bcp.scenarios],
        "phases": [{"name": p.name, "owner": p.owner, "target": p.target,
                    "steps": "\n".join(f"{i}. {step}" for i, step in enumerate(p.steps, start=1))} for p in bcp.phases],
        "exit_steps": [{"number": i, "step": s.step, "owner": s.owner, "weeks": weeks(s.weeks)}
                       for i, s in enumerate(exit_plan.steps, start=1)],
        "exit_weeks": f"{sum(s.weeks for s in exit_plan.steps):g}",
        "test_misses": test_misses(bcp),
        "tolerance_tests": scenario_rows(src),
    }
    return {"bcp": bcp, "exit_plan": exit_plan, "triggers": triggers, "continuity": continuity}


def contacts(src: ArrangementSources) -> list[dict[str, str]]:
    """Who the HKMA deals with: the contact person and the signatory."""
    inst = src.institution
    return [{"role": role, "person": person(p), "phone": p.phone or "Not given", "email": p.email or "Not given"}
            for role, p in (("Contact for the HKMA", inst.contact), ("Signatory", inst.signatory))]


SIGNING_NAMES = frozenset({"signing"})


def signing_context(src: ArrangementSources, coverage: Coverage) -> dict[str, object]:
    """Who signs, in what capacity, the wording that follows their number, the chop box, and the open items
    a declaration lists as exceptions."""
    inst = src.institution
    people = inst.signatories or [inst.signatory]
    signatories = [{"name": p.name, "title": p.title,
                    "capacity": getattr(p, "capacity", None) or f"for and on behalf of {inst.name_en}"} for p in people]
    exceptions = [f"{r.requirement.shown_citation} ({STATUS_LABELS[r.response.status].lower()}): "
                  f"{r.response.action.description} "
                  f"Owner: {r.response.action.owner}; due {fmt_date(r.response.action.due)}." for r in coverage.open_items]
    return {"signing": {"signatories": signatories, "we": "We" if len(people) > 1 else "I",
                        "our": "our" if len(people) > 1 else "my", "chop": inst.company_chop,
                        "exceptions": exceptions}}

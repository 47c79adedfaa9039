"""Operational resilience and the instruments issued since 2022, as the documents show them: the critical
operations the service supports with their tolerance, dependencies, fourth parties and scenario tests
(SPM OR-2); provider updates (HKMA, September 2024); the C-RAF position (TM-C-1); personal-data transfers
(PCPD model clauses); the features that bring TM-E-1 or the generative-AI circular into scope; and the
Cap. 653 facts, which only the form and the board paper show (the designation is not for wide circulation).
Computed once here, for the notification, the form, the board paper and the contingency plan."""

from __future__ import annotations

from pipeline.documents.formatting import duration, fmt_date, hours, minutes, yesno
from pipeline.models.resilience import MECHANISM_LABELS

KIND_LABELS = {"people": "People", "process": "Process", "technology": "Technology", "facility": "Facility",
               "information": "Information", "third_party": "Third party"}
NONE_SUPPORTED = "None: the service supports none of the institution's critical operations"
NAMES = frozenset({"resilience"})


def tolerance_text(op) -> str:
    """ "4 hours, with no more than 15 minutes of data lost" """
    text = hours(op.tolerance_hours)
    if op.tolerance_data_loss_minutes is not None:
        text += f", with no more than {minutes(op.tolerance_data_loss_minutes)} of data lost"
    return text


def scenario_rows(src) -> list[dict[str, str]]:
    """Each scenario test of each critical operation, against that operation's tolerance for disruption."""
    titles = {s.id: s.title for s in src.contingency.scenarios}
    rows = []
    for op in src.arrangement.critical_operations:
        for t in op.scenario_tests:
            measured = t.disruption_minutes is not None
            beyond = measured and t.disruption_minutes > op.tolerance_hours * 60
            rows.append({
                "operation": op.name, "scenario": f"{t.scenario}: {titles.get(t.scenario, 'unknown scenario')}",
                "date": fmt_date(t.date), "method": t.method, "tolerance": hours(op.tolerance_hours),
                "disruption": duration(t.disruption_minutes / 60) if measured else "Not measured",
                "outcome": ("BEYOND the tolerance" if beyond else "Within the tolerance" if measured
                            else "Not measured" if t.date else "Not yet run"),
                "result": t.result, "remediation": t.remediation or ("Not stated" if beyond else "")})
    return rows


def operations(src) -> list[dict[str, object]]:
    return [{"name": op.name, "owner": op.owner, "tolerance": tolerance_text(op),
             "dependencies": [{"kind": KIND_LABELS[d.kind], "name": d.name, "role": d.role} for d in op.dependencies],
             "fourth_parties": [{"name": f.name, "third_party": f.third_party, "service": f.service,
                                 "location": f.location} for f in op.fourth_parties],
             "tests": [r for r in scenario_rows(src) if r["operation"] == op.name]}
            for op in src.arrangement.critical_operations]


def operations_summary(src) -> str:
    """ "Retail payments (owner: ...; tolerance for disruption 4 hours)", one per operation, or none. """
    ops = src.arrangement.critical_operations
    return "; ".join(f"{op.name} (owner: {op.owner}; tolerance for disruption {tolerance_text(op)})"
                     for op in ops) or NONE_SUPPORTED


def transfers(src) -> list[dict[str, str]]:
    return [{"data": t.data, "recipient": t.recipient, "destination": t.destination,
             "mechanism": MECHANISM_LABELS[t.mechanism], "terms": t.terms, "effective": fmt_date(t.effective)}
            for t in src.arrangement.data.transfers]


def craf(src) -> str:
    c = src.institution.cyber_resilience
    return (f"Inherent risk {c.inherent_risk}, maturity {c.maturity} (Cyber Resilience Assessment Framework, "
            f"assessed {fmt_date(c.assessed_on)})")


def cyber_effect(src) -> str:
    effect = src.risk.cyber_effect
    verdict = "It changes" if effect.changes_inherent_risk else "It does not change"
    return f"{verdict} the institution's inherent risk rating. {effect.assessment}"


def cap653(src, flags) -> dict[str, str] | None:
    """The Cap. 653 facts when they apply (a designated operator's critical computer system), else None."""
    facts = src.arrangement.cap653
    if "cap653" not in flags or facts is None:
        return None
    return {"checklist": facts.material_change_checklist, "circulation": facts.circulation,
            "notice": f"The provider tells the institution of an incident within "
                      f"{duration(facts.provider_incident_notice_hours)}; a serious incident is reported to the "
                      "regulator within 12 hours of the institution becoming aware of it, others within 48 hours."}


def features(src) -> list[dict[str, str]]:
    """The features that bring a conditional instrument into scope, answered yes or no (Cap. 653 apart)."""
    given = src.arrangement.service_features
    return [{"feature": "Part of e-banking or card services (SPM TM-E-1)", "answer": yesno(given.e_banking_or_cards)},
            {"feature": "Uses generative AI with customers (HKMA circular of 19 August 2024)",
             "answer": yesno(given.customer_facing_genai)}]


def resilience_context(src, flags) -> dict[str, object]:
    ops = src.arrangement.critical_operations
    return {"resilience": {
        "operations": operations(src), "summary": operations_summary(src), "tests": scenario_rows(src),
        "names": "; ".join(op.name for op in ops) or NONE_SUPPORTED,
        "supports": bool(ops),
        "transfers": transfers(src), "craf": craf(src), "cyber_effect": cyber_effect(src),
        "attack_simulation": src.institution.cyber_resilience.attack_simulation,
        "updates": src.vendor.provider_updates,
        "features": features(src),
        "cap653": cap653(src, flags)}}

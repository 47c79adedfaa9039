"""Template: the board paper asking the board to approve the outsourcing arrangement."""

from __future__ import annotations

from docxkit import cover, header_footer, kv_table, loop_table, new_document, page_break, save


def md(doc, expr: str, style: str = "Body Text") -> None:
    doc.add_paragraph("{{p " + expr + "|markdown('" + style + "') }}")


def build(path) -> None:
    doc = new_document()
    header_footer(doc, "{{ doc.title }}")
    cover(doc, "{{ doc.title }}")
    h = doc.add_heading
    kv_table(doc, [("Meeting", "{{ board.body }}, {{ facts.board_date }}"),
                   ("Agenda item", "{{ board.agenda_item }}"), ("Paper reference", "{{ board.paper_reference }}"),
                   ("Sponsor", "{{ board_people.sponsor }}"),
                   ("Presenter", "{{ board_people.presenter }}"),
                   ("Purpose", "{{ board.purpose }}")])

    h("Decision requested", 1)
    md(doc, "board.decision_requested")
    h("Draft resolution", 2)
    doc.add_paragraph("The {{ inst.board_name }} is asked to pass the following resolutions:")
    doc.add_paragraph("{%p for r in resolutions %}")
    doc.add_paragraph("RESOLVED THAT {{ r }}", style="List Number")
    doc.add_paragraph("{%p endfor %}")

    h("Executive summary", 1)
    md(doc, "board.executive_summary")
    kv_table(doc, [("Provider", "{{ facts.vendor_name }}"), ("Service", "{{ arr.service }}"),
                   ("Criticality", "{{ facts.criticality }}"), ("Go-live", "{{ facts.go_live }}"),
                   ("Annual cost", "{{ facts.annual_cost }}"), ("RTO / RPO", "{{ facts.rto }} / {{ facts.rpo }}"),
                   ("Exit", "{{ facts.exit_duration }}; {{ facts.exit_cost }}"),
                   ("Coverage", "{{ cov.summary }}")])

    h("Business case and options considered", 1)
    h("Reasons for outsourcing", 2)
    doc.add_paragraph("{%p for r in arr.reasons %}")
    doc.add_paragraph("{{ r }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    h("Costs and benefits", 2)
    md(doc, "arr.cost_benefit")
    h("Options considered", 2)
    loop_table(doc, ["Option", "Assessment", "Preferred"],
               ["{{ o.name }}", "{{p o.assessment|markdown('Table Text') }}", "{{ o.chosen|yesno }}"],
               "o in arr.options_considered", (4.0, 10.6, 2.0))
    h("Strategic fit", 2)
    md(doc, "board.governance.cloud_strategy")
    md(doc, "board.governance.it_strategy")

    h("Scope and materiality", 1)
    kv_table(doc, [("Service", "{{ arr.service }}"), ("Business area", "{{ arr.business_area }}"),
                   ("Cloud model", "{{ facts.service_model }}, {{ facts.deployment_model }} cloud"),
                   ("Data", "{{ facts.data_categories }}"),
                   ("Locations", "Storage: {{ facts.storage_locations }}; backup: {{ facts.backup_locations }}"),
                   ("Contract term", "{{ facts.contract_term }}"), ("Go-live", "{{ facts.go_live }}"),
                   ("Critical operations", "{{ resilience.summary }}"),
                   ("Criticality", "{{ facts.criticality }}")])
    md(doc, "arr.criticality.rationale")

    h("Risk assessment", 1)
    doc.add_paragraph(
        "Inherent and residual risk are scored on likelihood (1-5) by impact (1-5). The heat map shows each "
        "risk's residual position; {{ facts.risks_outside_appetite }}.")
    doc.add_paragraph("{{ images.heatmap }}")
    doc.add_paragraph("Figure 1: Residual risk heat map (likelihood by impact)", style="Caption")
    loop_table(doc, ["Id", "Risk", "Inherent", "Key mitigations", "Residual", "Appetite"],
               ["{{ r.id }}", "{{ r.title }}", "{{ r.inherent }}", "{{ r.mitigations }}", "{{ r.residual }}", "{{ r.within }}"],
               "r in risks", (1.1, 3.6, 2.1, 6.0, 2.1, 1.7))
    md(doc, "risk.residual_conclusion")

    h("Due diligence", 1)
    loop_table(doc, ["Topic (SA-2 2.3.1)", "Rating", "Summary"],
               ["{{ t.topic }}", "{{ t.rating }}", "{{p t.assessment|markdown('Table Text') }}"],
               "t in dd", (4.2, 2.8, 9.6))
    doc.add_paragraph(
        "Attestations relied on: {{ facts.attestation_list }}. Independent assessment of the IT control "
        "environment: {{ vendor.independent_it_assessment.by }}, {{ facts.independent_assessment_date }}: "
        "{{ vendor.independent_it_assessment.result }}")

    h("Shared responsibility and open gaps", 1)
    doc.add_paragraph("Of {{ cov.applicable }} applicable requirements, {{ cov.answered }} have a response. {{ cov.summary }}.")
    loop_table(doc, ["Responsibility", "Met", "Partial", "Gap", "N.A.", "Total"],
               ["{{ c.label }}", "{{ c.met }}", "{{ c.partial }}", "{{ c.gap }}", "{{ c.na }}", "{{ c.total }}"],
               "c in cov.by_responsibility", (4.1, 2.5, 2.5, 2.5, 2.5, 2.5))
    doc.add_paragraph("{%p if cov.open_items %}")
    loop_table(doc, ["Requirement", "Status", "Action", "Owner", "Due"],
               ["{{ o.citation }}", "{{ o.status }}", "{{ o.action }}", "{{ o.owner }}", "{{ o.due }}"],
               "o in cov.open_items", (2.8, 1.8, 6.6, 3.2, 2.2))
    doc.add_paragraph("{%p else %}")
    doc.add_paragraph("There are no open gaps.")
    doc.add_paragraph("{%p endif %}")

    h("Operational resilience", 1)
    doc.add_paragraph("{%p if resilience.supports %}")
    loop_table(doc, ["Critical operation", "Owner", "Tolerance for disruption"],
               ["{{ o.name }}", "{{ o.owner }}", "{{ o.tolerance }}"], "o in resilience.operations", (4.6, 6.0, 6.0))
    h("Scenario tests against the tolerance for disruption", 2)
    doc.add_paragraph("{%p if resilience.tests %}")
    loop_table(doc, ["Operation and scenario", "Tested", "Disruption", "Outcome", "Result"],
               ["{{ t.operation }}: {{ t.scenario }}", "{{ t.date }}: {{ t.method }}",
                "{{ t.disruption }} (tolerance {{ t.tolerance }})",
                "{{ t.outcome }}", "{{ t.result }}{% if t.remediation %} Remediation: {{ t.remediation }}{% endif %}"],
               "t in resilience.tests", (4.4, 2.6, 3.4, 2.4, 3.8))
    doc.add_paragraph("{%p else %}")
    doc.add_paragraph("No scenario has yet been tested against the tolerance for disruption.")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p else %}")
    doc.add_paragraph("{{ resilience.summary }}.")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("Cyber resilience: {{ resilience.craf }}. {{ resilience.cyber_effect }}")
    doc.add_paragraph("{%p if resilience.cap653 %}")
    h("Critical infrastructure (Cap. 653): restricted", 2)
    kv_table(doc, [("Material-change checklist", "{{ resilience.cap653.checklist }}"),
                   ("Provider's incident notice", "{{ resilience.cap653.notice }}"),
                   ("Circulation", "{{ resilience.cap653.circulation }}")])
    doc.add_paragraph("{%p endif %}")

    h("Key contract terms", 1)
    kv_table(doc, [("Agreement", "{{ contract.title }}"), ("Liabilities", "{{ contract.liabilities }}"),
                   ("HKMA and audit access", "{{ contract.audit_rights.hkma }}"),
                   ("Sub-contracting", "{{ contract.subcontracting }}"),
                   ("Termination", "{{ contract.termination_rights }}"),
                   ("Data return or destruction", "{{ contract.data_return_destruction }}"),
                   ("Governing law", "{{ contract.governing_law }}")])

    h("Data protection and confidentiality", 1)
    kv_table(doc, [("Personal data", "{{ arr.data.personal_data|yesno }}"),
                   ("Key ownership", "{{ arr.data.encryption.key_owner }}"),
                   ("Segregation", "{{ arr.data.segregation }}"),
                   ("Customer notice", "{{ arr.customer_notification.general_notice }}")])

    h("Contingency and exit", 1)
    doc.add_paragraph(
        "{{ facts.tolerance_statement }} The plan was approved by the {{ bcp.approval.body }} on "
        "{{ bcp.approval.date|d }}.")
    h("Contingency plan", 2)
    kv_table(doc, [("Recovery time objective", "{{ facts.rto }}"), ("Recovery point objective", "{{ facts.rpo }}"),
                   ("Maximum tolerable outage", "{{ facts.mto }}"), ("Tolerance for disruption", "{{ facts.tolerance }}")])
    loop_table(doc, ["Scenario", "Recovery"], ["{{ s.title }}", "{{ s.recovery }}"],
               "s in continuity.scenarios", (12.6, 4.0))
    loop_table(doc, ["Phase", "Owner", "Target"], ["{{ p.name }}", "{{ p.owner }}", "{{ p.target }}"],
               "p in continuity.phases", (6.0, 5.0, 5.6))
    loop_table(doc, ["Test", "Last performed", "Result"], ["{{ t.type }}", "{{ t.last_date|d }}", "{{ t.result }}"],
               "t in bcp.tests", (6.0, 3.0, 7.6))
    doc.add_paragraph("{%p if continuity.test_misses %}")
    doc.add_paragraph("Tests that missed their targets, to be fixed and repeated before go-live:")
    doc.add_paragraph("{%p for m in continuity.test_misses %}")
    doc.add_paragraph("{{ m }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p endif %}")
    h("Exit strategy", 2)
    doc.add_paragraph(
        "The target state is {{ facts.exit_target }}, taking an estimated {{ facts.exit_duration }} in "
        "{{ continuity.exit_steps|length }} steps. Estimated cost: {{ facts.exit_cost }}. The plan distinguishes "
        "stressed from non-stressed exits:")
    loop_table(doc, ["Trigger", "Type", "Indicator"], ["{{ t.trigger }}", "{{ t.type_label }}", "{{ t.indicator }}"],
               "t in triggers", (6.6, 2.6, 7.4))
    doc.add_paragraph("The exit succeeds when:")
    doc.add_paragraph("{%p for c in exit_plan.success_criteria %}")
    doc.add_paragraph("{{ c }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")

    h("Monitoring and governance", 1)
    doc.add_paragraph("The arrangement is governed by these policies of {{ inst.short_name }}:")
    doc.add_paragraph("{%p for p in board.governance.policies %}")
    doc.add_paragraph("{{ p }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    kv_table(doc, [("Owner", "{{ risk.monitoring.owner }}"), ("Reporting", "{{ risk.monitoring.reporting }}"),
                   ("Internal audit", "{{ risk.monitoring.internal_audit_cycle }}"),
                   ("Annual IT control assessment", "{{ risk.monitoring.annual_it_control_assessment }}"),
                   ("Steering committee", "{{ board.governance.steering_committee }}"),
                   ("Staff competence", "{{ board.governance.staff_competence }}")])

    h("Regulatory timeline", 1)
    doc.add_paragraph("{{ images.timeline }}")
    doc.add_paragraph("Figure 2: Regulatory and implementation timeline", style="Caption")
    loop_table(doc, ["Date", "Milestone"], ["{{ t.date }}", "{{ t.event }}"], "t in timeline", (3.6, 13.0))
    doc.add_paragraph("{{ facts.lead_time_note }}")
    md(doc, "arr.hkma.status")

    h("Sign-offs", 1)
    loop_table(doc, ["Function", "Name", "Sign-off", "Opinion"],
               ["{{ s.function }}", "{{ s.name }}", "{{ s.status }}", "{{ s.opinion }}"],
               "s in signoffs", (2.8, 4.2, 2.6, 7.0))
    page_break(doc)
    h("Appendix: risk register", 1)
    loop_table(doc, ["Id", "Risk", "Description", "Owner"],
               ["{{ r.id }}", "{{ r.title }}", "{{p r.description|markdown('Table Text') }}", "{{ r.owner }}"],
               "r in risks", (1.1, 3.5, 9.0, 3.0))
    h("Appendix: previous consideration", 1)
    md(doc, "board.previous_consideration")
    save(doc, path)

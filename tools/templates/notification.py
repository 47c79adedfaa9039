"""Template: the outsourcing notification package to the HKMA (cover letter, annexes, declaration)."""

from __future__ import annotations

from continuity import contingency_plan, exit_strategy
from resilience import operational_resilience
from signing import signature_blocks
from docxkit import cover, header_footer, kv_table, loop_table, new_document, page_break, save


def md(doc, expr: str, style: str = "Body Text") -> None:
    doc.add_paragraph("{{p " + expr + "|markdown('" + style + "') }}")


def build(path) -> None:
    doc = new_document()
    header_footer(doc, "{{ doc.title }}")
    cover(doc, "{{ doc.title }}")
    h = doc.add_heading

    h("Letter to the Hong Kong Monetary Authority", 1)
    doc.add_paragraph("{{ inst.name_en }}", style="Small")
    doc.add_paragraph("{{ inst.registered_address }}", style="Small")
    doc.add_paragraph("{{ facts.notification_date }}")
    for line in ("Banking Supervision Department", "Hong Kong Monetary Authority",
                 "55th Floor, Two International Finance Centre", "8 Finance Street, Central, Hong Kong"):
        doc.add_paragraph(line, style="Small")
    doc.add_paragraph("Dear Sir or Madam,")
    doc.add_paragraph("{{ arr.change_type_label }}: {{ arr.title }} (our reference {{ arr.reference }})",
                      style="Heading Unnumbered")
    doc.add_paragraph(
        "In accordance with section 1.3.2 of the Supervisory Policy Manual module SA-2 \"Outsourcing\" and "
        "section 2.2.3(c) of module OR-1 \"Operational Risk Management\", {{ inst.name_en }} "
        "(\"{{ inst.short_name }}\") writes to inform the Hong Kong Monetary Authority of its intention "
        "to outsource the following banking-related activity to {{ facts.vendor_name }} "
        "(\"{{ vendor.short_name }}\"), and to set out "
        "how the matters in section 2 of SA-2 have been addressed before implementation.")
    md(doc, "arr.summary")
    kv_table(doc, [("Service outsourced", "{{ arr.service }}"),
                   ("Service provider", "{{ facts.vendor_name }}"),
                   ("Cloud service and deployment model", "{{ facts.service_model }}, {{ facts.deployment_model }} cloud"),
                   ("Criticality", "{{ facts.criticality }}"),
                   ("Critical operations supported", "{{ resilience.summary }}"),
                   ("Primary data location", "{{ facts.storage_locations }}"),
                   ("Backup and recovery location", "{{ facts.backup_locations }}"),
                   ("Board approval", "{{ facts.board_date }} ({{ inst.board_name }})"),
                   ("Planned contract signing", "{{ facts.contract_signing }}"),
                   ("Planned implementation", "{{ facts.go_live }}")])
    doc.add_paragraph(
        "Implementation is planned for {{ facts.go_live }}, {{ facts.notice_days }} days after the date of this "
        "letter, so that the HKMA can consider the arrangement before it is implemented.")
    doc.add_paragraph("{%p if facts.overseas %}")
    doc.add_paragraph(
        "As customer data will be {{ facts.overseas_uses }} in {{ facts.overseas_jurisdictions }}, "
        "the additional matters for overseas outsourcing in section 2.9 of SA-2 are addressed in "
        "section 5 of this package. We understand that the HKMA may contact the relevant home or host "
        "supervisory authority directly.")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph(
        "The enclosed Risk Assessment Form on Technology-related Outsourcing (including Cloud Computing) "
        "and the annexes in this package set out the arrangement, our due diligence on the service "
        "provider, the operational resilience of the service, the key contract terms, our risk assessment, "
        "contingency plan and exit strategy, our responses to the requirements of {{ cov.instruments }} that "
        "apply to the arrangement, and the declaration of management.")
    doc.add_paragraph("Enclosures:")
    for item in ("The annexes to this letter, ending with the management declaration",
                 "Risk Assessment Form on Technology-related Outsourcing (including Cloud Computing)"):
        doc.add_paragraph(item, style="List Bullet")
    doc.add_paragraph("{%p for e in enclosures %}")
    doc.add_paragraph("{{ e.title }} (reference {{ e.reference }}, dated {{ e.date }})", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("Please contact {{ facts.contact }} for any further information.")
    doc.add_paragraph("Yours faithfully,")
    doc.add_paragraph()
    doc.add_paragraph("{{ inst.signatory.name }}")
    doc.add_paragraph("{{ inst.signatory.title }}, {{ inst.name_en }}", style="Small")
    page_break(doc)

    h("The arrangement", 1)
    h("Service and cloud model", 2)
    kv_table(doc, [("Arrangement", "{{ arr.title }}"), ("Internal reference", "{{ arr.reference }}"),
                   ("Type of notification", "{{ arr.change_type_label }}"),
                   ("Business area", "{{ arr.business_area }}"),
                   ("Banking-related (SA-2 1.3.2)", "{{ arr.banking_related|yesno }}"),
                   ("Service model", "{{ facts.service_model }}"),
                   ("Deployment model", "{{ facts.deployment_model }}"),
                   ("Provider services used", "{{ facts.provider_services }}"),
                   ("Critical operations supported", "{{ resilience.names }}"),
                   ("Criticality", "{{ facts.criticality }}"),
                   ("Contract term", "{{ facts.contract_term }}"),
                   ("Annual cost", "{{ facts.annual_cost_described }}"),
                   ("One-off cost", "{{ facts.one_off_cost_described }}"),
                   ("Planned implementation", "{{ facts.go_live }}"),
                   ("Status of engagement with the HKMA", "{{ arr.hkma.status }}")])
    md(doc, "arr.description")
    h("Contacts", 2)
    loop_table(doc, ["Role", "Name, title and department", "Telephone", "E-mail"],
               ["{{ c.role }}", "{{ c.person }}", "{{ c.phone }}", "{{ c.email }}"],
               "c in contacts", (3.4, 7.0, 2.9, 3.3))
    h("Systems in scope", 2)
    loop_table(doc, ["System", "Description"], ["{{ s.name }}", "{{p s.description|markdown('Table Text') }}"],
               "s in arr.systems", (4.5, 12.1))
    h("Data and where it is stored, processed and backed up", 2)
    kv_table(doc, [("Customer data", "{{ arr.data.customer_data|yesno }}"),
                   ("Personal data (PDPO)", "{{ arr.data.personal_data|yesno }}"),
                   ("Categories", "{{ facts.data_categories }}"),
                   ("Volume", "{{ arr.data.volume }}"),
                   ("Classification", "{{ arr.data.classification }}"),
                   ("Storage", "{{ facts.storage_locations }}"),
                   ("Processing", "{{ facts.processing_locations }}"),
                   ("Backup", "{{ facts.backup_locations }}"),
                   ("Administrative access", "{{ facts.admin_locations }}"),
                   ("Encryption at rest", "{{ arr.data.encryption.at_rest }}"),
                   ("Encryption in transit", "{{ arr.data.encryption.in_transit }}"),
                   ("Key ownership", "{{ arr.data.encryption.key_owner }} ({{ arr.data.encryption.key_location }})"),
                   ("Segregation", "{{ arr.data.segregation }}"),
                   ("Retention", "{{ arr.data.retention }}"),
                   ("Deletion", "{{ arr.data.deletion }}")])

    h("Due diligence on the service provider", 1)
    h("The provider", 2)
    kv_table(doc, [("Legal name", "{{ facts.vendor_name }}"), ("Parent", "{{ vendor.parent }}"),
                   ("Place of incorporation", "{{ vendor.incorporation }}"),
                   ("Regulated status", "{{ vendor.regulated_status }}"),
                   ("Intra-group", "{{ vendor.intra_group|yesno }}"),
                   ("Substitutability", "{{ vendor.substitutability.rating|capitalize }}: "
                    "{{ vendor.substitutability.rationale }}")])
    h("Due-diligence topics (SA-2 2.3.1)", 2)
    loop_table(doc, ["Topic", "Rating", "Assessment", "Evidence"],
               ["{{ t.topic }}", "{{ t.rating }}", "{{p t.assessment|markdown('Table Text') }}", "{{ t.evidence }}"],
               "t in dd", (3.6, 2.6, 7.4, 3.0))
    h("Attestations relied on", 2)
    loop_table(doc, ["Id", "Attestation", "Scope", "Issuer", "Period", "Status"],
               ["{{ a.id }}", "{{ a.type }}", "{{ a.scope }}", "{{ a.issuer }}", "{{ a.period }}", "{{ a.status }}"],
               "a in attestations", (1.8, 3.2, 4.2, 3.0, 2.6, 1.8))
    h("Independent assessment of the IT control environment (TM-G-1 7.1.1)", 2)
    kv_table(doc, [("Assessor", "{{ vendor.independent_it_assessment.by }}"),
                   ("Date", "{{ facts.independent_assessment_date }}"),
                   ("Objectives", "{{ vendor.independent_it_assessment.objectives }}"),
                   ("Scope", "{{ vendor.independent_it_assessment.scope }}"),
                   ("Result", "{{ vendor.independent_it_assessment.result }}"),
                   ("Provided to the HKMA", "{{ vendor.independent_it_assessment.provided_to_hkma|yesno }}")])
    h("Sub-contractors", 2)
    doc.add_paragraph("{%p if vendor.subcontractors %}")
    loop_table(doc, ["Sub-contractor", "Service", "Country", "Data access"],
               ["{{ s.name }}", "{{ s.service }}", "{{ s.country }}", "{{ s.data_access|yesno }}"],
               "s in vendor.subcontractors", (4.5, 6.1, 3.0, 3.0))
    doc.add_paragraph("{%p else %}")
    doc.add_paragraph("The provider uses no sub-contractors with access to the institution's data.")
    doc.add_paragraph("{%p endif %}")

    h("Key contract terms", 1)
    kv_table(doc, [("Agreement", "{{ contract.title }}"), ("Form of agreement", "{{ facts.contract_form }}"),
                   ("Liabilities and obligations", "{{ contract.liabilities }}"),
                   ("Confidentiality undertaking", "{{ contract.confidentiality_undertaking }}"),
                   ("Remedies on breach of confidentiality", "{{ contract.breach_remedies }}"),
                   ("Data return or destruction", "{{ contract.data_return_destruction }}"),
                   ("Institution's audit rights", "{{ contract.audit_rights.institution }}"),
                   ("Internal audit", "{{ contract.audit_rights.internal_audit }}"),
                   ("External auditors", "{{ contract.audit_rights.external_audit }}"),
                   ("HKMA access and inspection", "{{ contract.audit_rights.hkma }}"),
                   ("Pooled audits and reports", "{{ contract.audit_rights.pooled_or_reports }}"),
                   ("Sub-contracting", "{{ contract.subcontracting }}"),
                   ("Incident notification", "{{ contract.incident_notification }}"),
                   ("Termination rights", "{{ contract.termination_rights }}"),
                   ("Termination assistance", "{{ contract.termination_assistance }}"),
                   ("Software and hardware ownership", "{{ contract.sw_hw_ownership }}"),
                   ("Governing law", "{{ contract.governing_law }}"),
                   ("Review of the agreement", "{{ contract.review_cycle }}")])
    h("Service levels", 2)
    loop_table(doc, ["Metric", "Target"], ["{{ s.metric }}", "{{ s.target }}"],
               "s in contract.service_levels", (8.3, 8.3))

    h("Data confidentiality and overseas aspects", 1)
    h("Customer notification (SA-2 2.5.3)", 2)
    kv_table(doc, [("General notice", "{{ arr.customer_notification.general_notice }}"),
                   ("Specific notice", "{{ arr.customer_notification.specific_notice }}"),
                   ("Channel", "{{ arr.customer_notification.channel }}"),
                   ("Date", "{{ arr.customer_notification.date|d }}")])
    doc.add_paragraph("{%p if facts.overseas %}")
    h("Overseas outsourcing (SA-2 2.9)", 2)
    kv_table(doc, [("Jurisdictions", "{{ facts.overseas_jurisdictions }}"),
                   ("Access by overseas authorities", "{{ arr.overseas.overseas_authority_access }}"),
                   ("Legal opinion", "{{ arr.overseas.legal_opinion.firm }}, {{ arr.overseas.legal_opinion.date|d }}: "
                    "{{ arr.overseas.legal_opinion.conclusion }}"),
                   ("HKMA access confirmed by the institution", "{{ arr.overseas.hkma_access_confirmation.institution_confirmed|d }}"),
                   ("Home or host authority", "{{ arr.overseas.hkma_access_confirmation.home_host_authority }}"),
                   ("PDPO section 33", "{{ arr.overseas.pdpo_s33_assessment }}"),
                   ("Backup jurisdiction (SA-2 2.9.2)", "{{ arr.overseas.backup_jurisdiction }}")])
    h("Country risk", 3)
    md(doc, "arr.overseas.country_risk")
    doc.add_paragraph("{%p endif %}")

    operational_resilience(doc)  # after section 5, which the letter names for the overseas matters

    h("Risk assessment summary", 1)
    kv_table(doc, [("Assessment date", "{{ risk.assessment_date|d }}"), ("Approved by", "{{ risk.approved_by }}"),
                   ("Criticality", "{{ facts.criticality }}"), ("Risk appetite", "{{ risk.appetite_statement }}")])
    md(doc, "arr.criticality.rationale")
    loop_table(doc, ["Id", "Risk", "Category", "Inherent", "Residual", "Within appetite"],
               ["{{ r.id }}", "{{ r.title }}", "{{ r.category }}", "{{ r.inherent }}", "{{ r.residual }}", "{{ r.within }}"],
               "r in risks", (1.2, 6.0, 2.6, 2.3, 2.3, 2.2))
    md(doc, "risk.residual_conclusion")

    h("Contingency plan", 1)
    contingency_plan(doc, 1)

    h("Exit strategy", 1)
    exit_strategy(doc, 1)

    h("Monitoring and governance", 1)
    kv_table(doc, [("Relationship owner", "{{ risk.monitoring.owner }}"),
                   ("Key indicators", "{{ facts.kpis }}"),
                   ("Reporting", "{{ risk.monitoring.reporting }}"),
                   ("Escalation", "{{ risk.monitoring.escalation }}"),
                   ("Internal audit", "{{ risk.monitoring.internal_audit_cycle }}"),
                   ("Annual IT control assessment", "{{ risk.monitoring.annual_it_control_assessment }}"),
                   ("Financial condition review", "{{ risk.monitoring.financial_condition_review }}"),
                   ("Review of the agreement", "{{ risk.monitoring.agreement_review }}")])

    h("Control responses", 1)
    doc.add_paragraph(
        "The institution's response to each requirement that applies to this arrangement. Responsibility shows "
        "who performs the control under the shared-responsibility model: the institution, the provider, or both "
        "(shared). Counts: {{ cov.summary }}.")
    doc.add_paragraph("{%p for g in controls %}")
    h("{{ g.title }}", 2)
    loop_table(doc, ["Requirement", "Guideline", "Responsibility", "Response", "Evidence"],
               ["{{r c.bookmark }}{{ c.citation }}", "{{ c.title }}", "{{ c.responsibility }}",
                "{{p c.response|markdown('Table Text') }}", "{{ c.evidence }}"],
               "c in g.rows", (2.2, 3.8, 2.3, 5.5, 2.8))
    doc.add_paragraph("{%p endfor %}")

    h("Traceability index", 1)
    doc.add_paragraph("Every requirement that applies to this arrangement, its status, where it is addressed and "
                      "the page of this package that holds the response.")
    loop_table(doc, ["Requirement", "Status", "Where addressed", "Page"],
               ["{{ m.citation }}", "{{ m.status }}", "{{ m.where }}", "{{r m.page }}"],
               "m in trace", (3.2, 1.8, 9.6, 2.0))

    h("Management declaration", 1)
    doc.add_paragraph(
        "{{ signing.we }}, the undersigned, on behalf of {{ inst.name_en }} ({{ inst.name_zh }}), declare that, to "
        "the best of {{ signing.our }} knowledge and belief:")
    for item in (
        "(a) the {{ inst.board_name }} approved the arrangement on {{ facts.board_date }} and retains ultimate "
        "accountability for it (SA-2 2.1.1);",
        "(b) the matters in section 2 of SA-2 have been addressed, as set out in this package, before "
        "implementation{% if signing.exceptions %}, except for the open items listed below, each with an owner "
        "and a due date{% endif %};",
        "(c) the institution complies in general with TM-G-1 and the HKMA's guidance on cloud computing;",
        "(d) the HKMA and the institution's auditors have access to the data and to the provider as described in "
        "this package;",
        "(e) the institution will inform the HKMA of any material change to the arrangement and of any request by "
        "an overseas authority for access to customer data."):
        doc.add_paragraph(item, style="Body Text")
    doc.add_paragraph("{%p if signing.exceptions %}")
    doc.add_paragraph("Open items (exceptions to (b)):")
    doc.add_paragraph("{%p for x in signing.exceptions %}")
    doc.add_paragraph("{{ x }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p endif %}")
    signature_blocks(doc)
    save(doc, path)

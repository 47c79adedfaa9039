"""Template section: operational resilience and third-party risk in the notification package (SPM OR-2,
the HKMA's third-party circulars of 2023 and 2024, TM-C-1, the PCPD model clauses, TM-E-1 and the
generative-AI circular). Cap. 653 facts are not shown here: the designation is not for wide circulation."""

from __future__ import annotations

from docxkit import kv_table, loop_table


def operational_resilience(doc) -> None:
    """Critical operations with their tolerance, dependencies, fourth parties and scenario tests (SPM OR-2);
    provider updates; the C-RAF position; personal-data transfers; features that bring other guidance in."""
    h = doc.add_heading
    h("Operational resilience and third-party risk", 1)
    doc.add_paragraph("Critical operations the service supports: {{ resilience.names }}.")
    doc.add_paragraph("{%p for op in resilience.operations %}")
    h("Critical operation: {{ op.name }}", 2)
    kv_table(doc, [("Owner", "{{ op.owner }}"), ("Tolerance for disruption", "{{ op.tolerance }}")])
    h("What the operation depends on", 3)
    loop_table(doc, ["Kind", "Resource", "Role in the operation"], ["{{ d.kind }}", "{{ d.name }}", "{{ d.role }}"],
               "d in op.dependencies", (2.8, 5.4, 8.4))
    h("Fourth parties: sub-contractors the operation relies on", 3)
    doc.add_paragraph("{%p if op.fourth_parties %}")
    loop_table(doc, ["Sub-contractor", "Sub-contractor of", "What it does", "Where"],
               ["{{ f.name }}", "{{ f.third_party }}", "{{ f.service }}", "{{ f.location }}"],
               "f in op.fourth_parties", (4.4, 2.8, 6.0, 3.4))
    doc.add_paragraph("{%p else %}")
    doc.add_paragraph("The mapping identified no sub-contractor of a third party that the operation relies on.")
    doc.add_paragraph("{%p endif %}")
    h("Severe but plausible scenarios tested against the tolerance", 3)
    doc.add_paragraph("{%p if op.tests %}")
    loop_table(doc, ["Scenario", "Tested", "Disruption", "Outcome", "Result and remediation"],
               ["{{ t.scenario }}", "{{ t.date }}: {{ t.method }}", "{{ t.disruption }} (tolerance {{ t.tolerance }})",
                "{{ t.outcome }}", "{{ t.result }}{% if t.remediation %} Remediation: {{ t.remediation }}{% endif %}"],
               "t in op.tests", (3.4, 3.6, 2.6, 2.2, 4.8))
    doc.add_paragraph("{%p else %}")
    doc.add_paragraph("No scenario has yet been tested against the tolerance for disruption.")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p endfor %}")
    h("Updates delivered by the provider", 2)
    kv_table(doc, [("How updates reach the service", "{{ resilience.updates.delivery }}"),
                   ("What the institution controls", "{{ resilience.updates.institution_controls }}"),
                   ("Fallback if an update fails", "{{ resilience.updates.fallback }}")])
    h("Cyber resilience", 2)
    kv_table(doc, [("C-RAF position", "{{ resilience.craf }}"),
                   ("Attack simulation testing", "{{ resilience.attack_simulation }}"),
                   ("Effect of the arrangement", "{{ resilience.cyber_effect }}")])
    h("Transfers of personal data outside Hong Kong", 2)
    doc.add_paragraph("{%p if resilience.transfers %}")
    loop_table(doc, ["Data", "Recipient and destination", "Mechanism and terms", "Effective"],
               ["{{ t.data }}", "{{ t.recipient }}, {{ t.destination }}", "{{ t.mechanism }}: {{ t.terms }}",
                "{{ t.effective }}"],
               "t in resilience.transfers", (4.0, 3.8, 6.2, 2.6))
    doc.add_paragraph("{%p else %}")
    doc.add_paragraph("No personal data is stored, processed or reached outside Hong Kong.")
    doc.add_paragraph("{%p endif %}")
    h("Guidance that applies because of what the service is", 2)
    loop_table(doc, ["The service", "Answer"], ["{{ f.feature }}", "{{ f.answer }}"],
               "f in resilience.features", (13.6, 3.0))

"""Template: the Risk Assessment Form on Technology-related Outsourcing (including Cloud Computing).

The parts and questions come from the form data file (`pipeline/catalog/raf-form.yaml`), so the
institution can drop in the HKMA's exact wording; this template only lays them out as a form.
"""

from __future__ import annotations

from continuity import contingency_plan, exit_strategy
from signing import signature_blocks
from docxkit import cover, header_footer, kv_table, loop_table, new_document, save


def build(path) -> None:
    doc = new_document()
    header_footer(doc, "{{ doc.title }}")
    cover(doc, "{{ doc.title }}")
    doc.add_heading("About this form", 1)
    doc.add_paragraph(
        "This form accompanies the notification of {{ inst.name_en }} to the Hong Kong Monetary Authority "
        "of its intention to outsource {{ arr.service }} to {{ facts.vendor_name }}. Answers are drawn from "
        "the institution's sources for arrangement {{ arr.reference }}; the control questionnaire (Part E) "
        "covers every applicable requirement of {{ cov.instruments }}.")
    kv_table(doc, [("Form", "{{ form.title }}"), ("Submission date", "{{ facts.notification_date }}"),
                   ("Answers", "Yes / No / Partial / N.A., with explanation and evidence")])
    doc.add_paragraph("{%p if doc.draft %}")
    doc.add_paragraph("Draft only, not in the final form: {{ form.version }}", style="Draft Mark")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p for part in form.parts %}")
    doc.add_heading("Part {{ part.id }}: {{ part.title }}", 1)
    doc.add_paragraph("{%p if part.rows %}")
    loop_table(doc, ["Ref", "Requirement", "Answer", "Explanation", "Evidence"],
               ["{{ q.citation }}", "{{ q.title }}", "{{ q.answer }}",
                "{{p q.explanation|markdown('Table Text') }}", "{{ q.evidence }}"],
               "q in part.rows", (2.2, 4.0, 1.6, 6.0, 2.8))
    doc.add_paragraph("{%p else %}")
    loop_table(doc, ["No.", "Question", "Answer"],
               ["{{ q.id }}", "{{ q.text }}", "{{p q.answer|markdown('Table Text') }}"],
               "q in part.questions", (1.2, 6.0, 9.4))
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p endfor %}")
    doc.add_heading("Annex 1: Contingency plan", 1)
    contingency_plan(doc, 1)
    doc.add_heading("Annex 2: Exit strategy", 1)
    exit_strategy(doc, 1)
    doc.add_heading("Signature", 1)
    doc.add_paragraph(
        "Signed for and on behalf of {{ inst.name_en }} ({{ inst.name_zh }}).")
    signature_blocks(doc)
    save(doc, path)

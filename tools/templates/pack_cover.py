"""Template: cover and index of the submission pack (the reading copy sent to the HKMA)."""

from __future__ import annotations

from docxkit import kv_table, loop_table, new_document, save


def build(path) -> None:
    doc = new_document()
    for _ in range(3):
        doc.add_paragraph()
    doc.add_paragraph("{{ inst.name_en }}", style="Cover Line")
    doc.add_paragraph("{{ inst.name_zh }}", style="Cover Line")
    doc.add_paragraph()
    doc.add_paragraph("{{ pack.title }}", style="Title")
    doc.add_paragraph("{{ arr.title }}", style="Subtitle")
    kv_table(doc, [("To", "{{ pack.recipient }}"),
                   ("Arrangement reference", "{{ arr.reference }}"), ("Version", "{{ doc.version }}"),
                   ("Date", "{{ doc.date }}"), ("Classification", "{{ doc.classification }}"),
                   ("Status", "{{ doc.status }}")])
    doc.add_paragraph("Contents of this pack", style="Heading Unnumbered")
    loop_table(doc, ["", "Document", "Pages in this pack", "Pages"],
               ["{{ d.label }}", "{{ d.title }}", "{{ d.range }}", "{{ d.pages }}"],
               "d in documents", (1.2, 9.4, 3.6, 2.4))
    doc.add_paragraph("Page numbers in each document's own footer restart at 1; the pack's page labels "
                      "follow the first column (A-1, B-1 and so on).", style="Small")
    save(doc, path)

"""Template section: signature blocks from the sources (one per signatory, a chop box if wanted)."""

from __future__ import annotations

from docxkit import kv_table


def signature_blocks(doc) -> None:
    doc.add_paragraph("{%p for s in signing.signatories %}")
    kv_table(doc, [("Name", "{{ s.name }}"), ("Title", "{{ s.title }}"), ("Capacity", "{{ s.capacity }}"),
                   ("Signature", "\n\n"), ("Date", "")])
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p if signing.chop %}")
    kv_table(doc, [("Company chop", "\n\n\n\n")])
    doc.add_paragraph("{%p endif %}")

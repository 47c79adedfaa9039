"""What every rendered document carries besides its text: core properties and review comments.

Kept apart from the Word machinery so that deciding what a build must redo stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.documents.spec import DocumentSpec
from pipeline.word.props import CoreProps, ReviewComment
from pipeline.documents.formatting import fmt_date, plain_summary

if TYPE_CHECKING:
    from pipeline.gathered import ArrangementPlan

def document_props(plan: "ArrangementPlan", spec: DocumentSpec) -> CoreProps:
    src = plan.loaded.sources
    return CoreProps(title=spec.title, subject=src.arrangement.title, author=src.institution.name_en,
                     keywords=f"{src.arrangement.id}; version {src.arrangement.version}; HKMA; SA-2; TM-G-1",
                     category="Regulatory submission", comments=f"{src.arrangement.reference}/{spec.label}",
                     created=plan.meta.build_date)


def review_comments(plan: "ArrangementPlan", spec: DocumentSpec) -> list[ReviewComment]:
    """Open items as Word comments for legal: TODO markers, partial/gap responses, missing responses,
    stale evidence. A final build carries none (gather refuses TODOs and gaps in a final build)."""
    if plan.meta.final:
        return []
    comments = []
    for p in plan.warnings:
        if p.code == "todo-marker":
            note = p.data["note"]
            comments.append(ReviewComment(anchor=plain_summary(note, 400)[:40], text=f"Open TODO in {p.file}:{p.line}: {note}"))
        elif p.code == "stale-attestation":
            att = plan.loaded.sources.vendor.attestations[p.data["index"]]
            comments.append(ReviewComment(anchor=att.type, text=f"Stale evidence ({p.file}:{p.line}): {p.message}"))
    for row in plan.coverage.open_items:
        action = row.response.action
        comments.append(ReviewComment(anchor=plain_summary(action.description, 60)[:40],
                                      text=f"{row.requirement.id} is {row.response.status}: {action.description} "
                                           f"Owner {action.owner}, due {fmt_date(action.due)}."))
    for req_id in plan.coverage.gaps:
        req = next(r.requirement for r in plan.coverage.rows if r.requirement.id == req_id)
        comments.append(ReviewComment(anchor=req.citation, text=f"No response to {req_id} in the sources: "
                                      "the final build will refuse this gap."))
    return comments

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


def _anchor(problem, src, spec: DocumentSpec) -> str:
    """Text of the paragraph or table cell a finding concerns, as the document shows it."""
    data = problem.data
    if problem.code == "todo-marker":
        return plain_summary(data["note"], 400)[:40]
    if problem.code == "stale-attestation":
        return src.vendor.attestations[data["index"]].type
    if problem.code == "continuity-breach":
        parts = data.get("field", "").split(".")
        if len(parts) > 2 and parts[1] == "tests" and parts[2].isdigit():
            return src.contingency.tests[int(parts[2])].type
        if len(parts) > 2 and parts[1] == "scenarios" and parts[2].isdigit():
            return src.contingency.scenarios[int(parts[2])].title
        return "Recovery time objective"
    if problem.code in ("stated-count", "stated-duration", "internal-text"):
        return data["stated"]
    return spec.title  # on the cover: the finding concerns the document as a whole


def review_comments(plan: "ArrangementPlan", spec: DocumentSpec) -> list[ReviewComment]:
    """One Word comment per open item for legal: every warning of the build (TODO markers, stale evidence,
    recovery targets missed, stated counts that disagree ...), partial and gap responses, missing
    responses. Authored as the institution configures. A final build carries none: it refuses them."""
    if plan.meta.final:
        return []
    src = plan.loaded.sources
    author = src.institution.review_author
    initials = "".join(w[0] for w in author.split() if w[:1].isupper())[:4] or "RP"

    def comment(anchor: str, text: str) -> ReviewComment:
        return ReviewComment(anchor=anchor, text=text, author=author, initials=initials)

    comments = []
    for p in plan.warnings:
        if p.code == "todo-marker":
            comments.append(comment(_anchor(p, src, spec), f"Open TODO in {p.file}:{p.line}: {p.data['note']}"))
        elif p.code == "stale-attestation":
            comments.append(comment(_anchor(p, src, spec), f"Stale evidence ({p.file}:{p.line}): {p.message}"))
        else:
            comments.append(comment(_anchor(p, src, spec), f"To resolve ({p.file}:{p.line}): {p.message}"))
    for row in plan.coverage.open_items:
        action = row.response.action
        comments.append(comment(plain_summary(action.description, 60)[:40],
                                f"{row.requirement.id} is {row.response.status}: {action.description} "
                                f"Owner {action.owner}, due {fmt_date(action.due)}."))
    for req_id in plan.coverage.gaps:
        req = next(r.requirement for r in plan.coverage.rows if r.requirement.id == req_id)
        comments.append(comment(req.shown_citation, f"No response to {req_id} in the sources: the final build will refuse "
                                "this gap."))
    from pipeline.review.comments import register_comments  # legal's open review items, where they apply
    comments += [comment(anchor, text) for anchor, text in register_comments(plan.loaded.review, spec.slug)]
    return comments

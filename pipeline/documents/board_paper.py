"""The board paper asking the board to approve the arrangement: decision, draft resolution, business
case, risk (with a heat map), due diligence, responsibilities and gaps, exit and contingency, timeline."""

from __future__ import annotations

import re

from pipeline.documents import facts, resilience
from pipeline.documents.formatting import fmt_date, person
from pipeline.documents.pictures import WIDTH_MM, heat_map, timeline
from pipeline.documents.spec import SOURCE_KINDS, DocumentInputs, DocumentSpec
from pipeline.word.props import Picture

NAMES = (facts.BASE_NAMES | facts.VENDOR_NAMES | facts.CONTROLS_NAMES | facts.RISK_NAMES | facts.CONTINUITY_NAMES
         | resilience.NAMES | {"board", "timeline", "board_people", "signoffs", "resolutions"})


def resolutions(src) -> list[str]:
    """Each resolution's text after "RESOLVED THAT" (a leading "THAT" or "RESOLVED THAT" in the source is dropped)."""
    return [re.sub(r"^(?:RESOLVED\s+)?THAT\s+", "", r, flags=re.IGNORECASE) for r in src.board.resolutions]


def signoffs(src, paper_date) -> list[dict[str, str]]:
    """Each second-line sign-off as given (dated on or before the paper) or still due."""
    return [{"function": s.function, "name": f"{s.name}, {s.title}", "opinion": s.opinion,
             "status": f"Given {fmt_date(s.date)}" if s.date <= paper_date else f"Due {fmt_date(s.date)}: not yet given"}
            for s in src.board.signoffs]


def context(inputs: DocumentInputs) -> dict[str, object]:
    src = inputs.src
    ctx = {**facts.base_context(SPEC, inputs), **facts.vendor_context(src), **facts.controls_context(inputs),
           **facts.risk_context(src), **facts.continuity_context(src),
           **resilience.resilience_context(src, inputs.coverage.flags), "board": src.board,
           "board_people": {"sponsor": person(src.board.sponsor), "presenter": person(src.board.presenter)},
           "signoffs": signoffs(src, facts.document_date(SPEC, src, inputs.meta)), "resolutions": resolutions(src)}
    d = src.arrangement.dates
    milestones = [(src.board.signoffs[0].date if src.board.signoffs else d.board_meeting, "Second-line sign-offs"),
                  (d.board_meeting, "Board approval"), (d.hkma_notification, "HKMA notification"),
                  (d.contract_signing, "Contract signing"), (d.planned_go_live, "Go-live")]
    milestones = sorted(set(milestones))
    ctx["timeline"] = [{"date": fmt_date(when), "event": what} for when, what in milestones]
    ctx["images"] = {
        "heatmap": Picture(heat_map([(r.id, r.residual.likelihood, r.residual.impact) for r in src.risk.risks]),
                           WIDTH_MM["heatmap"], "Heat map of residual risks by likelihood and impact"),
        "timeline": Picture(timeline(milestones), WIDTH_MM["timeline"], "Timeline of the regulatory milestones")}
    return ctx


SPEC = DocumentSpec(
    key="BOARD", slug="board-paper", title="Board Paper: Approval of Outsourcing Arrangement", short="Board paper",
    label="C", audience="board", uses=SOURCE_KINDS, names=NAMES, where="Board paper", context=context)

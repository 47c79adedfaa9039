"""The cover of a pack: the institution, the arrangement, and the index of the documents that follow
with their page labels and ranges (rendered again when its own length moves the ranges)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.documents.formatting import fmt_date

if TYPE_CHECKING:
    from pipeline.documents.spec import PackSpec
    from pipeline.models import ArrangementSources
    from pipeline.project import BuildMeta

TEMPLATE = "pack-cover.docx"
NAMES = frozenset({"inst", "arr", "doc", "documents", "pack"})


@dataclass(frozen=True)
class IndexEntry:
    label: str
    title: str
    pages: int | None
    first: int
    last: int


def context(src: ArrangementSources, meta: BuildMeta, entries: list[IndexEntry], pack: PackSpec) -> dict[str, object]:
    """The cover of `pack`: dated as the letter for the regulator's pack, as the paper for the board's."""
    when = (src.arrangement.dates.hkma_notification if pack.audience == "regulator"
            else src.board.paper_date or meta.build_date.date())
    return {"inst": src.institution, "arr": src.arrangement,
            "pack": {"title": pack.title, "recipient": pack.recipient.format(board=src.institution.board_name)},
            "doc": {"version": src.arrangement.version, "date": fmt_date(when),
                    "classification": src.institution.classification,
                    "status": "Final" if meta.final else "Draft for review"},
            "documents": [{"label": e.label, "title": e.title, "pages": e.pages, "range": f"{e.first} to {e.last}"}
                          for e in entries]}

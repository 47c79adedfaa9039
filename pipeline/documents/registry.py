"""The documents regpack produces: their templates, titles, pack labels and which sources they use."""

from __future__ import annotations

from dataclasses import dataclass

ALL_KINDS = ("institution", "arrangement", "vendor", "controls", "risk", "contingency", "exit", "board")


@dataclass(frozen=True)
class DocumentSpec:
    key: str
    """Catalog code: NOTIF, RAF or BOARD."""
    slug: str
    """File name stem and template name, e.g. `board-paper`."""
    title: str
    short: str
    label: str
    """Page-label prefix in the submission pack."""
    uses: tuple[str, ...]
    """Source kinds the document reads; a change to any other kind does not rebuild it."""

    @property
    def template(self) -> str:
        return f"{self.slug}.docx"


DOCUMENTS: tuple[DocumentSpec, ...] = (
    DocumentSpec("NOTIF", "notification-package", "Outsourcing Notification Package", "Notification", "A",
                 ("institution", "arrangement", "vendor", "controls", "risk", "contingency", "exit")),
    DocumentSpec("RAF", "risk-assessment-form",
                 "Risk Assessment Form on Technology-related Outsourcing (including Cloud Computing)",
                 "Risk Assessment Form", "B",
                 ("institution", "arrangement", "vendor", "controls", "risk", "contingency", "exit")),
    DocumentSpec("BOARD", "board-paper", "Board Paper: Approval of Outsourcing Arrangement", "Board paper", "C",
                 ALL_KINDS),
)
PACK_COVER = "pack-cover.docx"
WHERE = {"NOTIF": "Notification package", "RAF": "Risk Assessment Form, Part E", "BOARD": "Board paper"}

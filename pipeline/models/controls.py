"""`sources/<id>/controls.yaml`: the institution's response to each catalog requirement."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pipeline.models.common import Action, Evidence, Responsibility, Strict, Text

Status = Literal["met", "partial", "gap", "not_applicable"]


class ControlResponse(Strict):
    requirement: str = Field(pattern=r"^[A-Z0-9]+-[A-Za-z0-9.()-]+$")
    """A catalog id, e.g. `TMG1-3.1.4` or `SA2-2.5.2a-confidentiality-undertaking`."""
    responsibility: Responsibility
    status: Status
    response: Text
    """How the institution meets the requirement (Markdown)."""
    provider_response: Text | None = None
    """What the provider does, where responsibility is shared or the provider's."""
    evidence: list[Evidence] = Field(default_factory=list)
    action: Action | None = None

    @model_validator(mode="after")
    def _open_items_have_actions(self) -> "ControlResponse":
        if self.status in ("partial", "gap") and self.action is None:
            raise ValueError(f"a response with status {self.status!r} needs an `action` "
                             "with description, owner and due date")
        return self


class Controls(Strict):
    responses: list[ControlResponse] = Field(min_length=1)

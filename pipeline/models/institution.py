"""`sources/institution.yaml`: the authorized institution, shared by its arrangements."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from pipeline.models.common import Person, Strict, Text


class Signatory(Person):
    capacity: Text
    """In what capacity the person signs, e.g. `Director, for and on behalf of the Board`."""


class CyberResilience(Strict):
    """The institution's position under the Cyber Resilience Assessment Framework (SPM TM-C-1)."""

    inherent_risk: Literal["low", "medium", "high"]
    maturity: Literal["baseline", "intermediate", "advanced"]
    assessed_on: dt.date
    attack_simulation: Text
    """Intelligence-led attack simulation testing (iCAST): when it last ran and on what."""


class Institution(Strict):
    name_en: Text
    name_zh: Text
    """Traditional Chinese name, e.g. 港灣子午銀行有限公司."""
    short_name: Text = Field(max_length=12)
    type: Literal["licensed_bank", "restricted_licence_bank", "deposit_taking_company"]
    incorporation: Literal["local", "overseas"]
    registered_address: Text
    board_name: Text = "Board of Directors"
    """Overseas-incorporated AIs may name local senior management or a regional board here."""
    classification: Text = "Confidential"
    contact: Person
    """The contact person for the HKMA."""
    signatory: Person
    """Who signs the cover letter and the management declaration."""
    signatories: list[Signatory] = Field(default_factory=list)
    """Who signs the management declaration and the form (default: the signatory alone)."""
    company_chop: bool = False
    """Whether the signature pages carry a box for the company chop."""
    cyber_resilience: CyberResilience
    cap653_designated_operator: bool
    """Whether the institution is a designated operator under Cap. 653 (the list is not published)."""
    review_author: Text = Field("regpack", json_schema_extra={"internal": "author of the review comments in drafts"})
    """The name review comments in draft documents are authored under (e.g. the compliance team)."""

    @property
    def type_label(self) -> str:
        return {"licensed_bank": "Licensed bank",
                "restricted_licence_bank": "Restricted licence bank",
                "deposit_taking_company": "Deposit-taking company"}[self.type]

"""`sources/<id>/vendor.yaml`: the provider, due diligence (SA-2 2.3.1), attestations, contract."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator

from pipeline.models.common import Evidence, Location, Rating, Strict, Text


class Finding(Strict):
    rating: Rating
    assessment: Text
    evidence: list[Evidence] = Field(default_factory=list)


class DueDiligence(Strict):
    """One finding per SA-2 2.3.1 topic."""

    financial_soundness: Finding
    reputation: Finding
    managerial_skills: Finding
    technical_capabilities: Finding
    operational_capability_capacity: Finding
    culture_strategy_fit: Finding
    banking_familiarity_innovation: Finding
    cost_quality: Finding

    TOPICS: ClassVar[dict[str, str]] = {
        "financial_soundness": "Financial soundness",
        "reputation": "Reputation",
        "managerial_skills": "Managerial skills",
        "technical_capabilities": "Technical capabilities",
        "operational_capability_capacity": "Operational capability and capacity",
        "culture_strategy_fit": "Fit with corporate culture and development strategy",
        "banking_familiarity_innovation": "Familiarity with banking; pace of innovation",
        "cost_quality": "Cost and quality of service",
    }


class Attestation(Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
    type: Text
    scope: Text
    issuer: Text
    period_start: dt.date | None = None
    period_end: dt.date
    """End of the audit or report period (for a certificate: the latest surveillance audit),
    used for the 12-month freshness check; validity beyond that belongs in `scope`."""

    @field_validator("period_end")
    @classmethod
    def _ends_after_start(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("period_start")
        if start is not None and end < start:
            raise ValueError(f"the period ends ({end}) before it starts (period_start {start}): "
                             "swap the dates or correct one")
        return end


class IndependentAssessment(Strict):
    """TM-G-1 7.1.1: independent assessment of a critical provider's IT control environment."""

    by: Text
    date: dt.date
    objectives: Text
    scope: Text
    result: Text
    provided_to_hkma: bool


class Subcontractor(Strict):
    name: Text
    service: Text
    country: Text
    data_access: bool


class Substitutability(Strict):
    rating: Literal["easy", "moderate", "difficult"]
    rationale: Text


class ServiceLevel(Strict):
    metric: Text
    target: Text


class AuditRights(Strict):
    institution: Text
    internal_audit: Text
    external_audit: Text
    hkma: Text
    pooled_or_reports: Text


class Contract(Strict):
    type: Literal["agreement", "mou"]
    title: Text
    service_levels: list[ServiceLevel] = Field(min_length=1)
    liabilities: Text
    confidentiality_undertaking: Text
    breach_remedies: Text
    audit_rights: AuditRights
    subcontracting: Text
    incident_notification: Text
    termination_rights: Text
    termination_assistance: Text
    data_return_destruction: Text
    sw_hw_ownership: Text
    governing_law: Text
    review_cycle: Text


class StaffAccess(Strict):
    """Where the provider's own staff may reach the service from (support, administration), and the controls."""

    locations: list[Location] = Field(min_length=1)
    controls: Text


class ProviderUpdates(Strict):
    """How the provider's changes reach the service and what the institution controls (HKMA circular on
    third-party IT solutions, 27 September 2024)."""

    delivery: Text
    """How the provider tests and rolls out updates (staging, regions, zones)."""
    institution_controls: Text
    """What the institution decides: versions, maintenance windows, automatic updates."""
    fallback: Text
    """What keeps the service going when an update fails."""


class Vendor(Strict):
    legal_name: Text
    short_name: Text
    parent: Text
    incorporation: Text
    regulated_status: Text
    intra_group: bool
    due_diligence: DueDiligence
    attestations: list[Attestation] = Field(min_length=1)
    independent_it_assessment: IndependentAssessment
    subcontractors: list[Subcontractor] = Field(default_factory=list)
    staff_access: StaffAccess | None = None
    substitutability: Substitutability
    contract: Contract
    provider_updates: ProviderUpdates

"""`sources/<id>/arrangement.yaml`: what is outsourced, why, when, and where the data lives."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from pipeline.models.common import Location, Money, Strict, Text
from pipeline.models.resilience import CriticalInfrastructure, CriticalOperation, ServiceFeatures, Transfer


class System(Strict):
    name: Text
    description: Text


class Criticality(Strict):
    rating: Literal["critical", "material", "non_material"]
    rationale: Text


class Option(Strict):
    name: Text
    assessment: Text
    chosen: bool = False


class Dates(Strict):
    hkma_notification: dt.date
    board_meeting: dt.date
    contract_signing: dt.date
    planned_go_live: dt.date
    contract_term_years: int = Field(gt=0, le=30)


class Locations(Strict):
    storage: list[Location] = Field(min_length=1)
    processing: list[Location] = Field(min_length=1)
    backup: list[Location] = Field(min_length=1)
    admin_access: list[Location] = Field(min_length=1)

    def all(self) -> list[Location]:
        return [*self.storage, *self.processing, *self.backup, *self.admin_access]


class Encryption(Strict):
    at_rest: Text
    in_transit: Text
    key_owner: Text
    key_location: Text


class Data(Strict):
    customer_data: bool
    personal_data: bool
    categories: list[Text] = Field(min_length=1)
    volume: Text
    classification: Text
    locations: Locations
    encryption: Encryption
    segregation: Text
    retention: Text
    deletion: Text
    transfers: list[Transfer] = Field(default_factory=list)
    """Each flow of personal data out of Hong Kong, with its transfer mechanism."""


class LegalOpinion(Strict):
    firm: Text
    date: dt.date
    conclusion: Text
    on_authority_access: Text | None = None
    """What the opinion says about access to the data by the overseas authorities (SA-2 2.9.1(b))."""


class AccessConfirmation(Strict):
    institution_confirmed: dt.date
    """When the institution confirmed the HKMA's access in writing."""
    home_host_authority: Text
    authority_confirmed: dt.date | None = None


class Overseas(Strict):
    """SA-2 2.9: required when any data location lies outside Hong Kong."""

    jurisdictions: list[Text] = Field(min_length=1)
    country_risk: Text
    overseas_authority_access: Text
    legal_opinion: LegalOpinion
    hkma_access_confirmation: AccessConfirmation
    pdpo_s33_assessment: Text
    backup_jurisdiction: Text
    access_request_undertaking: Text | None = None
    """The institution's undertaking to tell the HKMA of any request by an overseas authority for the data."""


class CustomerNotification(Strict):
    general_notice: Text
    specific_notice: Text
    channel: Text
    date: dt.date


class HkmaEngagement(Strict):
    lead_time_days: int = Field(default=90, ge=0, le=365)
    """The institution's own assumption: the HKMA publishes no fixed lead time."""
    status: Text
    reference: Text | None = None


class Enclosure(Strict):
    """A document that goes to the HKMA with the notification: merged into the submission pack after the
    form, bookmarked, listed in the letter. A PDF, or a Word (.docx) file converted by regpack's
    LibreOffice. Evidence may cite it as `Enclosure <reference>`."""

    title: Text
    reference: Text
    date: dt.date
    file: Text
    """Path relative to the arrangement's folder, e.g. `enclosures/legal-opinion.pdf`."""


class Arrangement(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,62}$")
    title: Text
    reference: Text
    """The institution's internal reference for the arrangement."""
    version: Text = "0.1"
    """Version of the pack being prepared; a sealed version is named on `regpack seal`."""
    change_type: Literal["new", "scope_change", "renewal"]
    business_area: Text
    banking_related: bool
    service: Text
    summary: Text
    description: Text
    service_model: Literal["IaaS", "PaaS", "SaaS", "IaaS and PaaS"]
    deployment_model: Literal["public", "private", "hybrid", "community"]
    provider_services: list[Text] = Field(min_length=1)
    systems: list[System] = Field(min_length=1)
    critical_operations: list[CriticalOperation]
    """The institution's critical operations (SPM OR-2) the service supports; `[]` when it supports none."""
    service_features: ServiceFeatures
    criticality: Criticality
    reasons: list[Text] = Field(min_length=1)
    cost_benefit: Text
    options_considered: list[Option] = Field(min_length=2)
    dates: Dates
    annual_cost: Money
    one_off_cost: Money
    data: Data
    overseas: Overseas | None = None
    customer_notification: CustomerNotification
    hkma: HkmaEngagement
    enclosures: list[Enclosure] = Field(default_factory=list)
    cap653: CriticalInfrastructure | None = None
    """Required when the institution is a designated operator and `service_features.critical_computer_system`."""

    @property
    def is_overseas(self) -> bool:
        return any(loc.overseas for loc in self.data.locations.all())

    @property
    def tightest_operation(self) -> CriticalOperation | None:
        """The supported critical operation with the shortest tolerance for disruption, if any."""
        return min(self.critical_operations, key=lambda op: op.tolerance_hours, default=None)

    @property
    def change_type_label(self) -> str:
        return {"new": "New outsourcing arrangement", "scope_change": "Change of scope",
                "renewal": "Renewal"}[self.change_type]

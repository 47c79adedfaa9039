"""What `arrangement.yaml` says about operational resilience and the instruments issued since 2022: the
critical operations the service supports (SPM OR-2), personal-data transfers out of Hong Kong (PCPD model
clauses), the features that bring conditional instruments into scope, and the Cap. 653 facts."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from pipeline.models.common import Strict, Text

DependencyKind = Literal["people", "process", "technology", "facility", "information", "third_party"]


class Dependency(Strict):
    """One resource a critical operation relies on (OR-2 mapping)."""

    kind: DependencyKind
    name: Text
    role: Text
    """What it contributes to the operation."""


class FourthParty(Strict):
    """A sub-contractor of a third party (usually the provider) that the operation relies on."""

    name: Text
    third_party: Text
    """Whose sub-contractor it is, e.g. the provider's short name."""
    service: Text
    """What it does for the operation."""
    location: Text
    """Where it does it."""


class ScenarioTest(Strict):
    """A severe but plausible scenario tested against the operation's tolerance for disruption."""

    scenario: str = Field(pattern=r"^S[0-9]{1,3}$")
    """The id of a scenario in `contingency.yaml`."""
    date: dt.date | None = None
    """When the test ran (none: not yet run)."""
    method: Text
    """How it was tested, e.g. a live failover in pre-production, a tabletop exercise."""
    disruption_minutes: float | None = Field(default=None, ge=0)
    """How long the operation was, or would have been, disrupted, in minutes (tests are timed in minutes)."""
    result: Text
    remediation: Text | None = None
    """What is being done about a result beyond the tolerance (required then)."""


class CriticalOperation(Strict):
    """A critical operation of the institution that the outsourced service supports (SPM OR-2)."""

    name: Text
    owner: Text
    tolerance_hours: float = Field(gt=0)
    """Tolerance for disruption: the longest the operation may be disrupted, in hours."""
    tolerance_data_loss_minutes: float | None = Field(default=None, ge=0)
    """The data loss the tolerance allows, in minutes of transactions, where it sets one."""
    dependencies: list[Dependency] = Field(min_length=1)
    fourth_parties: list[FourthParty] = Field(default_factory=list)
    scenario_tests: list[ScenarioTest] = Field(default_factory=list)


class ServiceFeatures(Strict):
    """What the service is or does that brings conditional instruments into scope."""

    e_banking_or_cards: bool
    """The service is part of e-banking or card services (SPM TM-E-1)."""
    customer_facing_genai: bool
    """The service uses generative AI with customers (HKMA circular of 19 August 2024)."""
    critical_computer_system: bool
    """The service is, or affects, a critical computer system (Cap. 653; counts only for a designated operator)."""


TransferMechanism = Literal["pcpd_model_clauses_processor", "pcpd_model_clauses_institution",
                            "gba_standard_contract", "consent", "other"]
MECHANISM_LABELS = {
    "pcpd_model_clauses_processor": "PCPD recommended model clauses (institution to processor)",
    "pcpd_model_clauses_institution": "PCPD recommended model clauses (institution to institution)",
    "gba_standard_contract": "Greater Bay Area Standard Contract",
    "consent": "Data subjects' consent", "other": "Other contractual mechanism"}


class Transfer(Strict):
    """One flow of personal data out of Hong Kong and the mechanism it rests on (PDPO s.33 is not in force)."""

    data: Text
    """Which personal data flows."""
    recipient: Text
    destination: Text
    """The jurisdiction it goes to."""
    mechanism: TransferMechanism
    terms: Text
    """Where the mechanism sits in the contract, and whether the recommended audit and breach-notice terms do."""
    effective: dt.date
    """When the mechanism takes effect (or took effect)."""


class CriticalInfrastructure(Strict):
    """Cap. 653, for a designated operator whose critical computer system the service is or affects."""

    material_change_checklist: Text
    """The material-change notification to the regulator: kept apart from the SA-2 notification."""
    provider_incident_notice_hours: float = Field(gt=0)
    """How soon the provider must tell the institution of an incident (the serious-incident clock is 12 hours)."""
    circulation: Text
    """How the designation is kept out of copies of the pack that circulate widely."""

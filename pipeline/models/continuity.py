"""`sources/<id>/contingency.yaml` and `exit.yaml`: SA-2 2.7, TM-G-1 7.1.1(f), OR-1 8.3."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from pipeline.models.common import Money, Strict, Text


class Scenario(Strict):
    id: str = Field(pattern=r"^S[0-9]{1,3}$")
    title: Text
    description: Text
    response: Text
    recovery_hours: float = Field(ge=0)


class Phase(Strict):
    name: Text
    owner: Text
    target: Text
    steps: list[Text] = Field(min_length=1)


class ProviderPlan(Strict):
    reviewed_on: dt.date
    source: Text
    summary: Text


class Test(Strict):
    type: Text
    frequency: Text
    last_date: dt.date | None = None
    result: Text
    joint_with_provider: bool = False


class RecoveryTest(Test):
    """A contingency-plan test: what it achieved, compared with the RTO and RPO by `regpack check`."""

    achieved_recovery_minutes: float | None = Field(default=None, ge=0)
    """How long recovery took in the test, in minutes (tests are timed in minutes; `rto_hours` x 60)."""
    achieved_data_loss_minutes: float | None = Field(default=None, ge=0)
    """How much data was lost in the test, in minutes of transactions (compared with `rpo_minutes`)."""


class Approval(Strict):
    body: Text
    date: dt.date


class BusinessImpact(Strict):
    financial: Text
    operational: Text
    legal: Text
    reputational: Text


class Contingency(Strict):
    rto_hours: float = Field(gt=0)
    rpo_minutes: float = Field(ge=0)
    mto_hours: float = Field(gt=0)
    """Maximum tolerable outage before the plan is activated in full (OR-1 8.3.2(c))."""
    activation: Text
    scenarios: list[Scenario] = Field(min_length=2)
    business_impact: BusinessImpact
    recovery_strategy: Text
    phases: list[Phase] = Field(min_length=1)
    provider_plan: ProviderPlan
    communications: list[Text] = Field(min_length=1)
    tests: list[RecoveryTest] = Field(min_length=1)
    training: Text
    approval: Approval


class Trigger(Strict):
    id: str = Field(pattern=r"^T[0-9]{1,3}$")
    trigger: Text
    type: Literal["stressed", "non_stressed"]
    indicator: Text


class ExitStep(Strict):
    step: Text
    owner: Text
    weeks: float = Field(gt=0)


class ExitStrategy(Strict):
    scope: Text
    triggers: list[Trigger] = Field(min_length=1)
    target_state: Literal["alternative_provider", "in_house", "hybrid"]
    alternatives: list[Text] = Field(min_length=1)
    steps: list[ExitStep] = Field(min_length=1)
    duration_months: float = Field(gt=0)
    cost_estimate: Money
    """Of the exit the plan expects (non-stressed, unless only a stressed exit is planned)."""
    stressed_cost_estimate: Money | None = None
    """Of a stressed exit, when it differs: the board sees both figures."""
    data_migration: Text
    data_deletion: Text
    contractual_support: Text
    staffing: Text
    communications: Text
    success_criteria: list[Text] = Field(min_length=1)
    tests: list[Test] = Field(min_length=1)
    review_cycle: Text
    approval: Approval

    @property
    def target_state_label(self) -> str:
        return {"alternative_provider": "an alternative cloud provider", "in_house": "in-house",
                "hybrid": "a hybrid of in-house and an alternative provider"}[self.target_state]

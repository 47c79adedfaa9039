"""`sources/<id>/risk.yaml`: risk assessment (SA-2 2.2) and ongoing monitoring (SA-2 2.6)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from pipeline.models.common import Strict, Text

Score = int


class Scores(Strict):
    likelihood: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def level(self) -> str:
        return "High" if self.score >= 15 else "Medium" if self.score >= 8 else "Low"


class Risk(Strict):
    id: str = Field(pattern=r"^R[0-9]{1,3}$")
    title: Text
    category: Literal["operational", "legal", "reputation", "concentration", "country",
                      "information_security", "strategic"]
    description: Text
    inherent: Scores
    mitigations: list[Text] = Field(min_length=1)
    residual: Scores
    within_appetite: bool
    owner: Text


class Monitoring(Strict):
    owner: Text
    kpis: list[Text] = Field(min_length=1)
    reporting: Text
    escalation: Text
    internal_audit_cycle: Text
    annual_it_control_assessment: Text
    financial_condition_review: Text
    agreement_review: Text


class CyberEffect(Strict):
    """Whether the arrangement changes the institution's C-RAF inherent risk rating (SPM TM-C-1)."""

    changes_inherent_risk: bool
    assessment: Text


class RiskAssessment(Strict):
    assessment_date: dt.date
    approved_by: Text
    appetite_statement: Text
    risks: list[Risk] = Field(min_length=1)
    residual_conclusion: Text
    monitoring: Monitoring
    cyber_effect: CyberEffect

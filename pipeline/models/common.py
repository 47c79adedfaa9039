"""Shared building blocks of the source models: strict base class, money, people, evidence."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""Non-empty text. Longer prose may be Markdown, inline or from a file: `{markdown_file: x.md}`."""

Responsibility = Literal["customer", "shared", "provider"]
Rating = Literal["satisfactory", "satisfactory_with_actions", "unsatisfactory"]


class Strict(BaseModel):
    """Every source model rejects unknown keys and is immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Person(Strict):
    name: Text
    title: Text
    department: Text | None = None
    phone: Text | None = None
    email: Text | None = None


class Money(Strict):
    amount: float = Field(ge=0)
    currency: Literal["HKD", "USD", "CNY", "EUR", "GBP"] = "HKD"
    note: Text | None = None

    def __str__(self) -> str:
        return f"{self.currency} {self.amount:,.0f}"


class EvidenceFile(Strict):
    title: Text
    file: Text
    """A file under the sources folder, e.g. `evidence/soc2-bridge-letter.pdf`."""
    date: dt.date | None = None


Evidence = Text | EvidenceFile
"""A reference to evidence: a citation as text, or a file kept with the sources."""


def evidence_files(value: object, loc: tuple = ()) -> list[tuple[tuple, EvidenceFile]]:
    """Every EvidenceFile inside a validated model (or list of them), with its location."""
    if isinstance(value, EvidenceFile):
        return [(loc, value)]
    if isinstance(value, BaseModel):
        return [hit for name in type(value).model_fields for hit in evidence_files(getattr(value, name), (*loc, name))]
    if isinstance(value, (list, tuple)):
        return [hit for i, item in enumerate(value) for hit in evidence_files(item, (*loc, i))]
    return []


def evidence_title(item: Evidence) -> str:
    return item if isinstance(item, str) else item.title


class Action(Strict):
    """What closes an open item: required for any partial or gap response."""

    description: Text
    owner: Text
    due: dt.date


class Location(Strict):
    place: Text
    """E.g. `AWS Asia Pacific (Hong Kong) Region (ap-east-1)`."""
    country: Text
    """Jurisdiction; anything other than `Hong Kong` makes the arrangement an overseas one."""

    @property
    def overseas(self) -> bool:
        return self.country.strip().lower() not in {"hong kong", "hong kong sar", "hksar"}

    def __str__(self) -> str:
        """`AWS ap-east-1 (Hong Kong)`; a place that already names its country is not told it twice."""
        if f"({self.country})".lower() in self.place.lower():
            return self.place
        return f"{self.place} ({self.country})"



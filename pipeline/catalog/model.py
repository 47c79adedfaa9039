"""The catalog's data types: requirements grouped by framework, and the Risk Assessment Form's parts and
questions. Frozen and strict: a catalog is data the build reads, never changes."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from functools import cached_property
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

DocCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*$")]
FRAMEWORK_KEY = r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*$"
"""A framework key: upper-case words joined by hyphens (SA2, OR2, HKMA-TP-CYBER-2023); its requirement ids
start with the key and a hyphen."""
Condition = Literal["overseas", "local_and_overseas", "intra_group", "critical", "critical_operation",
                    "personal_data_overseas", "e_banking", "customer_genai", "cap653"]
Responsibility = Literal["customer", "shared", "provider"]
Verified = Literal["primary", "secondary"]
"""How an entry's wording and pinpoint were checked: against the instrument's own text, or only against
reliable secondary sources (law-firm or consultancy summaries)."""
APPLIES_IF, RESPONSIBILITIES = get_args(Condition), get_args(Responsibility)
PINPOINT = re.compile(r"§|¶|\bpara(?:graph)?s?\.?\s*\d|\bprinciple\s+\d|\bsound practice\s+\d|\b\d+\.\d+|"
                      r"^\s*(?:\d+|[IVX]+)[.)]?\s", re.IGNORECASE)
"""What reads as a paragraph or section number: a secondary entry's shown citation may contain none."""
FORM_ANSWER_KEYS = frozenset(f"{group}.{name}" for group, names in {  # what a form question may ask for
    "institution": "names type incorporation contact", "submission": "date change_type reference",
    "arrangement": "title service business_area banking_related service_model deployment_model systems "
                   "criticality customer_data data_categories data_volume contract_dates go_live annual_cost",
    "vendor": "legal_name parent incorporation regulated_status intra_group subcontractors attestations "
              "independent_assessment staff_access",
    "overseas": "authority_access",
    "data": "storage_locations processing_locations backup_locations admin_access_locations",
    "risk": "criticality reasons inherent concentration country_risk residual approved_by tolerance_tests "
            "cyber_effect",
    "resilience": "critical_operations dependencies fourth_parties provider_updates cyber_resilience "
                  "service_features cap653",
    "privacy": "transfers",
    "declaration": "signatory board_approval statement undertaking"}.items() for name in names.split())
_FROZEN = ConfigDict(extra="forbid", frozen=True)


def hint(value: Any, choices) -> str:
    close = difflib.get_close_matches(str(value), sorted(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Requirement(BaseModel):
    model_config = _FROZEN
    id: str = Field(pattern=r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-[A-Za-z0-9][A-Za-z0-9.-]*$")
    framework: str  # set by the loader from the file header
    instrument: str  # set by the loader from the header's `cited_as`
    citation: str = Field(min_length=1)
    """The pinpoint (paragraph, principle) as the catalog records it; documents print it only when `verified`
    is primary."""
    section: str = Field(min_length=1)
    """The section (or heading) the entry falls under, by its title: how documents cite a secondary entry."""
    verified: Verified
    title: str = Field(min_length=1, max_length=120)
    docs: tuple[DocCode, ...] = Field(min_length=1)
    """The documents that must address it (codes of the document registry, checked when the catalog loads)."""
    applies_if: Condition | None = None
    responsibility: Responsibility | None = None

    def applicable(self, flags: set[str] | frozenset[str]) -> bool:  # unconditional, or condition in flags
        return self.applies_if is None or self.applies_if in flags

    @property
    def shown_citation(self) -> str:
        """How documents cite the entry: its pinpoint when the primary text was read, otherwise the
        instrument and the section's title (no paragraph number that nobody has verified)."""
        return self.citation if self.verified == "primary" else f"{self.instrument}: {self.section}"


class Framework(BaseModel):
    model_config = _FROZEN
    framework: str = Field(pattern=FRAMEWORK_KEY)
    title: str
    module: str
    cited_as: str = Field(min_length=1)
    """The instrument as a citation names it, e.g. `SA-2`, `HKMA circular of 21 December 2023`."""
    version: str = Field(min_length=1)
    date: str = Field(pattern=r"^\d{4}-\d{2}(?:-\d{2})?$")
    """The instrument's date, YYYY-MM-DD (YYYY-MM when only the month is known)."""
    issuer: str
    requirements: tuple[Requirement, ...] = Field(min_length=1)

    @field_validator("date", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:  # YAML reads 2022-05-31 as a date
        return value.isoformat() if isinstance(value, dt.date) else value


class Catalog(BaseModel):
    model_config = _FROZEN
    frameworks: tuple[Framework, ...]
    sha256: str  # of the framework files' bytes, concatenated in sorted filename order

    @cached_property
    def requirements(self) -> tuple[Requirement, ...]:  # all, in file order
        return tuple(r for fw in self.frameworks for r in fw.requirements)

    @cached_property
    def ids(self) -> frozenset[str]:
        return frozenset(r.id for r in self.requirements)

    @cached_property
    def version(self) -> str:  # e.g. "SA2 V.1 28.12.01; TMG1 V.1 24.06.03; ...", recorded in the manifest
        return "; ".join(f"{fw.framework} {' '.join(fw.version.replace('–', ' ').split())}"
                         for fw in self.frameworks)

    @cached_property
    def versions(self) -> dict[str, dict[str, str]]:
        """Each framework's version and date, by key (the manifest records them)."""
        return {fw.framework: {"version": fw.version, "date": fw.date} for fw in self.frameworks}

    def by_id(self, req_id: str) -> Requirement:
        if found := next((r for r in self.requirements if r.id == req_id), None):
            return found
        raise KeyError(f"unknown requirement id {req_id!r}{hint(req_id, self.ids)}")

    def for_document(self, doc: str, flags: set[str] | frozenset[str] | None = None) -> tuple[Requirement, ...]:
        """What `doc` (NOTIF, RAF, BOARD) must address; with `flags`, only the applicable requirements."""
        return tuple(r for r in self.requirements if doc in r.docs and (flags is None or r.applicable(flags)))


class FormQuestion(BaseModel):
    model_config = _FROZEN
    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    answer: str
    requirements: tuple[str, ...] = ()
    applies_if: Condition | None = None
    """Asked only when the arrangement meets this condition (as catalog entries' `applies_if`)."""
    same_answer_as: str | None = None
    """Another question's id whose answer this one repeats on purpose (otherwise answers must differ)."""

    @field_validator("answer")
    @classmethod
    def _known_answer(cls, value: str) -> str:
        if value not in FORM_ANSWER_KEYS:
            raise ValueError(f"unknown answer key {value!r}{hint(value, FORM_ANSWER_KEYS)}")
        return value


class FormPart(BaseModel):
    model_config = _FROZEN
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    from_catalog: bool = False  # rows = applicable catalog requirements whose docs include RAF
    questions: tuple[FormQuestion, ...] = ()


class RiskAssessmentForm(BaseModel):
    model_config = _FROZEN
    title: str
    form_version: str
    parts: tuple[FormPart, ...] = Field(min_length=1)
    sha256: str  # of the form file

    @property
    def questions(self) -> tuple[FormQuestion, ...]:
        return tuple(q for part in self.parts for q in part.questions)

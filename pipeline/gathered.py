"""What stage 1 (gather) hands to the later stages: the catalog, the form and, per arrangement, its
validated sources, coverage, build metadata and warnings. Plain data below every stage that uses it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: deciding that nothing changed must not load the models
    from pipeline.catalog.coverage import Coverage
    from pipeline.catalog.model import Catalog, RiskAssessmentForm
    from pipeline.errors import Problem
    from pipeline.project import BuildMeta
    from pipeline.sources.loader import LoadedArrangement


@dataclass
class ArrangementPlan:
    loaded: LoadedArrangement
    coverage: Coverage
    meta: BuildMeta
    warnings: list[Problem] = field(default_factory=list)
    printed: list[Problem] = field(default_factory=list)
    """This arrangement's warnings as the build prints them (a later build that does not read the
    arrangement again prints them from its record)."""
    edited: list[Path] = field(default_factory=list)
    """Word drafts in build/ changed since the last build wrote them."""
    previous: dict = field(default_factory=dict)
    """The manifest of the last build of this arrangement (empty when there is none), read once."""

    @property
    def id(self) -> str:
        return self.loaded.sources.arrangement.id


@dataclass
class Gathered:
    catalog: Catalog
    form: RiskAssessmentForm
    arrangements: list[ArrangementPlan]
    template_sha: dict[str, str]
    warnings: list[Problem]

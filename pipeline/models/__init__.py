"""Typed models of every kind of source, and the validated project they add up to."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.models.arrangement import Arrangement
from pipeline.models.board import BoardPaper
from pipeline.models.continuity import Contingency, ExitStrategy
from pipeline.models.controls import Controls
from pipeline.models.institution import Institution
from pipeline.models.risk import RiskAssessment
from pipeline.models.vendor import Vendor

# file stem -> model; the stem is also the first element of every error's field path
SOURCE_KINDS: dict[str, type] = {
    "arrangement": Arrangement,
    "vendor": Vendor,
    "controls": Controls,
    "risk": RiskAssessment,
    "contingency": Contingency,
    "exit": ExitStrategy,
    "board": BoardPaper,
}
INSTITUTION_KIND = ("institution", Institution)


@dataclass(frozen=True)
class ArrangementSources:
    """Everything validated for one arrangement, plus the files it came from."""

    institution: Institution
    arrangement: Arrangement
    vendor: Vendor
    controls: Controls
    risk: RiskAssessment
    contingency: Contingency
    exit: ExitStrategy
    board: BoardPaper
    folder: Path
    files: tuple[Path, ...] = field(default_factory=tuple)
    """Every source file read for this arrangement (YAML, Markdown, evidence), sorted."""


__all__ = ["ArrangementSources", "SOURCE_KINDS", "INSTITUTION_KIND", "Arrangement", "BoardPaper",
           "Contingency", "ExitStrategy", "Controls", "Institution", "RiskAssessment", "Vendor"]

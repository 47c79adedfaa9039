"""What a document type is: its spec (key, title, audience, template, pack order) and the inputs its
context function receives. Plain data; the document modules fill it in and `registry` lists them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Literal

if TYPE_CHECKING:
    from pipeline.catalog.coverage import Coverage
    from pipeline.catalog.model import Catalog, RiskAssessmentForm
    from pipeline.models import ArrangementSources
    from pipeline.project import BuildMeta

Audience = Literal["regulator", "board", "internal"]
"""Who reads a document: the HKMA's pack holds only `regulator` documents."""

SOURCE_KINDS = ("institution", "arrangement", "vendor", "controls", "risk", "contingency", "exit", "board")


@dataclass(frozen=True)
class DocumentInputs:
    """Everything a document's context function may read."""

    src: ArrangementSources
    coverage: Coverage
    catalog: Catalog
    form: RiskAssessmentForm
    meta: BuildMeta
    where: dict[str, str]
    """Document code -> how the traceability names it (from the registry)."""


@dataclass(frozen=True)
class DocumentSpec:
    key: str
    """Catalog document code (NOTIF, RAF, BOARD): requirements name the documents that address them."""
    slug: str
    """File name stem and template name, e.g. `board-paper`."""
    title: str
    short: str
    label: str
    """Page-label prefix in its pack, and its order there."""
    audience: Audience
    uses: tuple[str, ...]
    """Source kinds the document reads; a change to any other kind does not rebuild it."""
    names: frozenset[str]
    """The names its template may use: exactly the keys its context function returns."""
    where: str
    """How the traceability index names the document ("addressed in ...")."""
    context: Callable[[DocumentInputs], dict] = field(compare=False, repr=False)

    @property
    def template(self) -> str:
        return f"{self.slug}.docx"


@dataclass(frozen=True)
class PackSpec:
    """A merged, bookmarked PDF for one reader: its cover and index, its documents, maybe the enclosures."""

    slug: str
    """`<arrangement>-<slug>.pdf` in build/<arrangement>/."""
    title: str
    recipient: str
    audience: Audience
    documents: tuple[str, ...]
    """Document keys, in pack order."""
    enclosures: bool = False
    """Whether the arrangement's enclosures follow the documents."""

    def path(self, arrangement: str) -> Path:
        """Where the pack sits in build/<arrangement>/."""
        return Path(f"{arrangement}-{self.slug}.pdf")

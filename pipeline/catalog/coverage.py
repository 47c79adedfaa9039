"""Which catalog requirements apply to an arrangement, which have a response, and what is open.

The pack's claim that every applicable requirement is met is computed here from data; templates
only display it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from pipeline.catalog.model import Catalog, Requirement
from pipeline.models import ArrangementSources
from pipeline.models.controls import ControlResponse

RESPONSIBILITY_LABELS = {"customer": "Institution", "shared": "Shared", "provider": "Provider"}
"""How the documents name the TM-G-1 responsibilities (`customer` is the institution itself)."""
CONDITIONS = {"overseas": "to overseas outsourcing",
              "local_and_overseas": "to locally incorporated institutions outsourcing overseas",
              "intra_group": "to intra-group outsourcing", "critical": "to critical or material arrangements",
              "critical_operation": "to services that support a critical operation",
              "personal_data_overseas": "where personal data is stored, processed or reached outside Hong Kong",
              "e_banking": "to e-banking or card services", "customer_genai": "to customer-facing generative AI",
              "cap653": "to a designated operator's critical computer systems (Cap. 653)"}
"""What each applicability condition means, in words."""
STATUS_LABELS = {"met": "Met", "partial": "Partial", "gap": "Gap", "not_applicable": "N.A."}


def applicability_flags(sources: ArrangementSources) -> frozenset[str]:
    """The conditions catalog entries may depend on (`applies_if`)."""
    flags = set()
    if sources.arrangement.is_overseas:
        flags.add("overseas")
        if sources.institution.incorporation == "local":
            flags.add("local_and_overseas")
    if sources.vendor.intra_group:
        flags.add("intra_group")
    arr = sources.arrangement
    if arr.criticality.rating in ("critical", "material"):
        flags.add("critical")
    if arr.critical_operations:
        flags.add("critical_operation")
    if arr.data.personal_data and arr.is_overseas:
        flags.add("personal_data_overseas")
    features = arr.service_features
    if features.e_banking_or_cards:
        flags.add("e_banking")
    if features.customer_facing_genai:
        flags.add("customer_genai")
    if features.critical_computer_system and sources.institution.cap653_designated_operator:
        flags.add("cap653")
    return frozenset(flags)


@dataclass(frozen=True)
class CoverageRow:
    requirement: Requirement
    response: ControlResponse | None

    @property
    def responsibility(self) -> str:
        if self.response:
            return self.response.responsibility
        return self.requirement.responsibility or "customer"


@dataclass(frozen=True)
class Coverage:
    arrangement_id: str
    flags: frozenset[str]
    rows: tuple[CoverageRow, ...]
    """Every applicable requirement, in catalog order."""

    @property
    def applicable(self) -> int:
        return len(self.rows)

    @property
    def answered(self) -> int:
        return sum(1 for r in self.rows if r.response is not None)

    @property
    def gaps(self) -> list[str]:
        """Applicable requirements without any response: a final build refuses these."""
        return [r.requirement.id for r in self.rows if r.response is None]

    @property
    def open_items(self) -> list[CoverageRow]:
        """Responses marked partial or gap (they carry an action, owner and due date)."""
        return [r for r in self.rows if r.response and r.response.status in ("partial", "gap")]

    def counts(self) -> dict[str, Counter]:
        """responsibility -> Counter of statuses (a missing response counts as `missing`)."""
        table: dict[str, Counter] = {k: Counter() for k in RESPONSIBILITY_LABELS}
        for row in self.rows:
            table[row.responsibility][row.response.status if row.response else "missing"] += 1
        return table

    def summary(self) -> str:
        by_resp = Counter(r.responsibility for r in self.rows)
        parts = [f"{by_resp[k]} {RESPONSIBILITY_LABELS[k].lower()}" for k in RESPONSIBILITY_LABELS]
        status = Counter(r.response.status if r.response else "missing" for r in self.rows)
        return (f"{self.applicable} applicable requirements ({', '.join(parts)}); "
                f"{status['met']} met, {status['partial']} partial, {status['gap']} gap, "
                f"{status['not_applicable']} not applicable, {status['missing']} without a response")


def coverage_lines(cov: Coverage) -> list[str]:
    """What a build prints: one line per arrangement; when there are gaps, the counts by responsibility,
    the open items and the gaps as well."""
    lines = [f"{cov.arrangement_id}: {cov.summary()}"]
    if not cov.gaps:
        return lines
    columns = {"met": "Met", "partial": "Partial", "gap": "Gap", "not_applicable": "N.A.", "missing": "No response"}
    lines.append(f"  {'Responsibility':<14}" + "".join(f"{label:>13}" for label in columns.values()))
    for resp, counts in cov.counts().items():
        lines.append(f"  {resp:<14}" + "".join(f"{counts[key]:>13}" for key in columns))
    for row in cov.open_items:
        a = row.response.action
        lines.append(f"  open: {row.requirement.id} ({row.response.status}): {a.description} "
                     f"[owner {a.owner}, due {a.due}]")
    lines += [f"  gap: {gap} has no response (a final build will refuse it)" for gap in cov.gaps]
    return lines


def compute_coverage(sources: ArrangementSources, catalog: Catalog) -> Coverage:
    flags = applicability_flags(sources)
    responses = {r.requirement: r for r in sources.controls.responses}
    rows = tuple(CoverageRow(req, responses.get(req.id)) for req in catalog.requirements if req.applicable(flags))
    return Coverage(sources.arrangement.id, flags, rows)


def inapplicable_responses(sources: ArrangementSources, catalog: Catalog, coverage: Coverage) -> list[tuple[int, str]]:
    """(index, requirement id) of responses to catalog requirements that do not apply to this arrangement:
    no document shows them, so they are either stale or a sign that a flag (overseas, intra-group) is wrong."""
    applicable = {row.requirement.id for row in coverage.rows}
    return [(i, r.requirement) for i, r in enumerate(sources.controls.responses)
            if r.requirement in catalog.ids and r.requirement not in applicable]


def coverage_json(catalog: Catalog, coverages: list[Coverage]) -> dict:
    """The `regpack coverage --json` object."""
    return {
        "catalog": {fw.framework: len(fw.requirements) for fw in catalog.frameworks},
        "verified": {fw.framework: dict(Counter(r.verified for r in fw.requirements)) for fw in catalog.frameworks},
        "arrangements": {c.arrangement_id: {"applicable": c.applicable, "answered": c.answered, "gaps": c.gaps,
                                            "conditions": sorted(c.flags),
                                            "by_framework": dict(Counter(r.requirement.framework for r in c.rows))}
                         for c in coverages},
    }

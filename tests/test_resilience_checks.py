"""Checks of what an arrangement says about operational resilience and the newer instruments (issue 15):
scenario tests against the tolerance, transfer mechanisms, the Cap. 653 facts; and the applicability that
follows from the sources. Each case copies the example, changes one thing and asserts the exact problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import ARR, copy_project
from pipeline.errors import SourceErrors
from pipeline.gather import gather
from pipeline.project import BuildOptions, Project

A = f"sources/{ARR}"


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(copy_project(tmp_path / "p"))  # problems name files relative to where regpack runs
    return tmp_path / "p"


def _edit(project: Path, rel: str, old: str, new: str) -> int:
    """Replace the one `old` in `rel` with `new`; the line where `new` starts."""
    path = project / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[:text.index(old)].count("\n") + 1


def _problems(project: Path, final: bool = False) -> list[str]:
    try:
        g = gather(Project.at(project), BuildOptions(final=final), lint=False)
    except SourceErrors as exc:
        return [f"error: {p}" for p in exc.problems]
    return [f"warning: {p}" for p in g.warnings]


def test_the_example_has_no_such_problem(project):
    assert _problems(project, final=True) == []


def test_a_scenario_test_names_a_scenario_of_the_plan(project):
    at = _edit(project, f"{A}/arrangement.yaml", "      - scenario: S3\n", "      - scenario: S9\n")
    assert _problems(project) == [
        f"error: {A}/arrangement.yaml:{at}: arrangement.critical_operations[0].scenario_tests[2].scenario: scenario "
        "'S9' is not in contingency.yaml (its scenarios are S1, S2, S3, S4, S5, S6, S7, S8): name one of them, or "
        "add it there"]


def test_a_test_beyond_the_tolerance_needs_its_remediation(project):
    at = _edit(project, f"{A}/arrangement.yaml", "        disruption_minutes: 110\n",
               "        disruption_minutes: 250\n")
    expected = (f"{A}/arrangement.yaml:{at}: arrangement.critical_operations[0].scenario_tests[1].disruption_minutes: "
                "the S4 test disrupted Retail payments for 4 h 10 min, beyond its 4 h tolerance for disruption "
                "(arrangement.critical_operations[0].tolerance_hours): say in `remediation` what is being done about it")
    assert _problems(project) == [f"warning: {expected}"]
    assert _problems(project, final=True) == [
        f"error: {expected} (a final build allows no breach of the recovery targets or the tolerance)"]
    _edit(project, f"{A}/arrangement.yaml", "        disruption_minutes: 250\n",
          "        disruption_minutes: 250\n        remediation: Restore streams parallelised; re-test booked.\n")
    assert _problems(project, final=True) == []


def test_personal_data_outside_hong_kong_needs_a_transfer_mechanism(project):
    path = project / A / "arrangement.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  transfers:\n")
    path.write_text(text[:start] + text[text.index("\noverseas:", start) + 1:], encoding="utf-8")
    at = path.read_text(encoding="utf-8").splitlines().index("  personal_data: true") + 1
    assert _problems(project) == [
        f"warning: {A}/arrangement.yaml:{at}: arrangement.data.personal_data: personal data is stored, processed or "
        "reached outside Hong Kong (Singapore) but `data.transfers` names no transfer mechanism: add one entry per "
        "flow (PCPD model clauses, GBA Standard Contract, ...)"]


CAP653 = """cap653:
  material_change_checklist: Filed with the Monetary Authority on its own form, reference CI-2026-03.
  provider_incident_notice_hours: 24
  circulation: The designation appears only in the Board's copy and the regulator's.
"""


def _designate(project: Path, block: str = "") -> int:
    _edit(project, "sources/institution.yaml", "cap653_designated_operator: false", "cap653_designated_operator: true")
    at = _edit(project, f"{A}/arrangement.yaml", "  critical_computer_system: false  # HMB is not a designated operator "
               "under Cap. 653\n", "  critical_computer_system: true\n")
    if block:
        path = project / A / "arrangement.yaml"
        path.write_text(path.read_text(encoding="utf-8") + block, encoding="utf-8")
    return at


def test_a_designated_operator_gives_the_cap653_facts(project):
    at = _designate(project)
    assert _problems(project) == [
        f"error: {A}/arrangement.yaml:{at}: arrangement.service_features.critical_computer_system: the institution "
        "is a designated operator (institution.cap653_designated_operator) and the service affects a critical "
        "computer system: add a `cap653:` section (material_change_checklist, provider_incident_notice_hours, "
        "circulation)"]


def test_the_provider_notice_must_fit_the_12_hour_clock_and_cap653_applies(project):
    _designate(project, CAP653)
    at = len((project / A / "arrangement.yaml").read_text(encoding="utf-8").splitlines()) - 1
    assert _problems(project) == [
        f"warning: {A}/arrangement.yaml:{at}: arrangement.cap653.provider_incident_notice_hours: the provider tells the "
        "institution of an incident within 24 h, which leaves no time to report a serious incident to the regulator "
        "within 12 hours (Cap. 653): agree a shorter notice with the provider"]
    g = gather(Project.at(project), BuildOptions(), lint=False)
    (a,) = g.arrangements
    assert "cap653" in a.coverage.flags
    assert {"CAP653-material-change", "CAP653-incident-notice", "CAP653-designation-confidential"} <= set(a.coverage.gaps)


def test_cap653_facts_without_a_designation_are_not_shown(project):
    path = project / A / "arrangement.yaml"
    path.write_text(path.read_text(encoding="utf-8") + CAP653.replace("24", "2"), encoding="utf-8")
    at = len(path.read_text(encoding="utf-8").splitlines()) - 3
    assert _problems(project) == [
        f"warning: {A}/arrangement.yaml:{at}: arrangement.cap653: `cap653:` is given but the service does not affect a "
        "designated operator's critical computer system (institution.cap653_designated_operator and "
        "service_features.critical_computer_system): no document shows it"]


def test_applicability_follows_from_the_sources(project):
    def flags() -> frozenset[str]:
        (a,) = gather(Project.at(project), BuildOptions(), lint=False).arrangements
        return a.coverage.flags

    assert flags() == {"overseas", "local_and_overseas", "critical", "critical_operation", "personal_data_overseas",
                       "e_banking"}
    path = project / A / "arrangement.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["critical_operations"] = []
    data["service_features"] = {"e_banking_or_cards": False, "customer_facing_genai": True,
                                "critical_computer_system": False}
    data["data"]["personal_data"] = False
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    assert flags() == {"overseas", "local_and_overseas", "critical", "customer_genai"}

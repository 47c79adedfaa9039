"""What the documents say about operational resilience and how they cite (issue 15): pinpoints only where
the primary text was read; the notification states each critical operation's tolerance for disruption and
names the provider's sub-contractors (fourth parties); the board paper shows the scenario tests against
the tolerance; a service that supports no critical operation gets no OR-2 mapping questions."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from conftest import ARR, copy_project, regpack, sample_project
from docxread import docx_text
from pipeline.catalog.loader import load_catalog
from pipeline.catalog.model import PINPOINT

DOCUMENTS = ("notification-package", "risk-assessment-form", "board-paper", "contingency-plan", "exit-strategy")


def _texts(project: Path) -> dict[str, str]:
    """Each document's Word text and PDF text, one string per document and format."""
    out = {}
    for slug in DOCUMENTS:
        out[f"{slug}.docx"] = docx_text(project / "build" / ARR / "word" / f"{slug}.docx")
        pdf = project / "build" / ARR / "pdf" / f"{slug}.pdf"
        out[f"{slug}.pdf"] = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                                     check=True).stdout.split())
    return out


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_no_secondary_pinpoint_is_printed_and_secondary_entries_are_cited_by_title(built_project):
    catalog = load_catalog()
    texts = {name: _flat(text) for name, text in _texts(built_project).items()}
    everything = "\n".join(texts.values())
    secondary = [r for r in catalog.requirements if r.verified == "secondary"]
    pinpoints = sorted({r.citation for r in secondary if PINPOINT.search(r.citation)})
    assert "HKMA Guidance on Cloud Computing (2022), Principle 6" in pinpoints and "OR-2 §7" in pinpoints
    printed = [(p, name) for p in pinpoints for name, text in texts.items() if p in text]
    assert not printed, f"secondary pinpoints printed: {printed}"
    for number in range(4, 9):  # the cloud circular's principles 4-8: by title, never by number
        assert not re.search(rf"Principle {number}\b", everything), number
    # ... and they are cited by instrument and section title instead, where the example answers them
    notification = texts["notification-package.docx"]
    for req_id in ("OR2-scenario-testing", "HKCLD-P6-contingency", "TMC1-attack-simulation",
                   "HKMA-TP-CYBER-2023-supply-chain", "PCPD-XBORDER-model-clauses", "TME1-penetration-testing"):
        assert catalog.by_id(req_id).shown_citation in notification, req_id
    assert "OR-2: Scenario testing" in texts["board-paper.docx"]  # an open item, in the board's gap table
    # primary pinpoints are still printed as paragraph numbers
    assert "SA-2 §2.7.3" in notification and "HKMA Guidance on Cloud Computing (2022), Principle 1" in notification


def test_the_notification_states_each_critical_operation_with_its_tolerance_and_names_the_fourth_parties(
        tmp_path):
    project = copy_project(tmp_path / "p")
    path = project / "sources" / ARR / "arrangement.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    second = {"name": "Corporate payments", "owner": "Head of Corporate Banking Operations", "tolerance_hours": 6,
              "dependencies": [{"kind": "third_party", "name": "Amazon Web Services, Inc.", "role": "Hosting"}],
              "fourth_parties": [{"name": "Regional courier of backup media", "third_party": "Storage vendor",
                                  "service": "Carries encrypted tapes", "location": "Kowloon"}]}
    data["critical_operations"].append(second)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    result = regpack(project, "build")
    assert result.returncode == 0, result.stderr
    notification = _flat(docx_text(project / "build" / ARR / "word" / "notification-package.docx"))
    pdf = _flat(subprocess.run(["pdftotext", str(project / "build" / ARR / "pdf" / "notification-package.pdf"), "-"],
                               capture_output=True, text=True, check=True).stdout)
    letter = notification[:notification.index("Yours faithfully")]
    for stated in ("Retail payments (owner: Head of Payments Operations, Retail Banking; tolerance for disruption "
                   "4 hours, with no more than 15 minutes of data lost)",
                   "Corporate payments (owner: Head of Corporate Banking Operations; tolerance for disruption 6 hours)"):
        assert stated in letter
    for section, tolerance in (("Critical operation: Retail payments", "4 hours, with no more than 15 minutes"),
                               ("Critical operation: Corporate payments", "6 hours")):
        at = notification.index(section)
        assert f"Tolerance for disruption {tolerance}" in notification[at:at + 400]
    assert "Tolerance for disruption 4 hours, with no more than 15 minutes of data lost (Retail payments); " \
           "6 hours (Corporate payments)" in notification  # the contingency plan
    fourth = [f["name"] for op in data["critical_operations"] for f in op["fourth_parties"]]
    subcontractors = [s["name"] for s in yaml.safe_load((project / "sources" / ARR / "vendor.yaml")
                                                        .read_text(encoding="utf-8"))["subcontractors"]]
    assert len(fourth) == 3 and len(subcontractors) == 2
    for name in fourth + subcontractors:
        assert name in notification and name in pdf, name
    at = notification.index("Fourth parties: sub-contractors the operation relies on")
    assert "AWS affiliated companies operating the Hong Kong and Singapore Regions AWS Data-centre operations" \
        in notification[at:]


def test_the_board_paper_shows_the_scenario_tests_against_the_tolerance(built_project):
    board = _flat(docx_text(built_project / "build" / ARR / "word" / "board-paper.docx"))
    at = board.index("Scenario tests against the tolerance for disruption")
    table = board[at:board.index("Cyber resilience:", at)]
    for row in ("Retail payments: S1: Outage of the AWS Hong Kong Region 19 November 2026: Timed regional failover "
                "to Singapore in pre-production 1 hour 35 minutes (tolerance 4 hours) Within the tolerance",
                "Retail payments: S4: Ransomware or destructive cyber attack 3 December 2026: Restore from the locked "
                "backup vault in a clean account (re-run after the November miss) 1 hour 50 minutes (tolerance 4 "
                "hours) Within the tolerance",
                "Not measured (tolerance 4 hours) Not measured",
                "Not yet performed: Regional failover at three times the average daily volume (a peak day), in "
                "pre-production Not measured (tolerance 4 hours) Not yet run"):
        assert row in table, row
    assert "against a tolerance for disruption of 4 hours for Retail payments: within the tolerance." in board


def _form_and_context(project: Path):
    from pipeline.documents.notification import SPEC as NOTIF
    from pipeline.documents.registry import WHERE
    from pipeline.documents.risk_assessment_form import SPEC as RAF
    from pipeline.documents.spec import DocumentInputs
    from pipeline.gather import gather
    from pipeline.project import BuildOptions, Project
    g = gather(Project.at(project), BuildOptions(), lint=False)
    (a,) = g.arrangements
    inputs = DocumentInputs(a.loaded.sources, a.coverage, g.catalog, g.form, a.meta, WHERE)
    return RAF.context(inputs)["form"], NOTIF.context(inputs)


def test_a_service_that_supports_no_critical_operation_gets_no_mapping_questions(tmp_path):
    form, notif = _form_and_context(sample_project(tmp_path / "p", "complete"))  # staff payroll: none
    asked = {q["id"]: q["answer"] for part in form["parts"] for q in part["questions"]}
    assert "B13" in asked and not {"B14", "C13", "D9", "C15", "D12"} & set(asked)
    assert asked["B13"] == "None: the service supports none of the institution's critical operations (SPM OR-2)."
    rows = {r["citation"] for part in form["parts"] for r in part["rows"]}
    assert "OR-2: Setting the parameters for operational resilience" in rows
    assert not {c for c in rows if c.startswith("OR-2: Mapping") or c.startswith("OR-2: Scenario")}
    assert notif["resilience"]["operations"] == [] and notif["resilience"]["summary"].startswith("None:")
    assert notif["facts"]["tolerance_statement"].endswith("so no tolerance for disruption applies.")


def test_the_example_is_asked_and_answers_every_new_question(tmp_path):
    form, notif = _form_and_context(copy_project(tmp_path / "p"))
    asked = {q["id"]: q["answer"] for part in form["parts"] for q in part["questions"]}
    assert {"B13", "B14", "B15", "C13", "C14", "C15", "D9", "D10", "D11"} <= set(asked) and "D12" not in asked
    assert "People: Payments Operations team, Kowloon Bay" in asked["B14"]
    assert "Facility, power and network suppliers of the AWS data centres" in asked["C13"]
    assert "PCPD recommended model clauses (institution to processor), effective 15 February 2027" in asked["C15"]
    assert "disruption 1 hour 35 minutes against a tolerance of 4 hours, within the tolerance" in asked["D9"]
    assert asked["D11"].startswith("It does not change the institution's inherent risk rating.")
    assert "Part of e-banking or card services (SPM TM-E-1): Yes" in asked["B15"]


def test_cap653_facts_reach_the_form_and_the_board_paper_only(tmp_path):
    project = copy_project(tmp_path / "p")
    for rel, old, new in (("institution.yaml", "cap653_designated_operator: false", "cap653_designated_operator: true"),
                          (f"{ARR}/arrangement.yaml", "critical_computer_system: false", "critical_computer_system: true")):
        path = project / "sources" / rel
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    path = project / "sources" / ARR / "arrangement.yaml"
    path.write_text(path.read_text(encoding="utf-8") + (
        "cap653:\n  material_change_checklist: Checklist CI-2027-01 filed apart from this notification.\n"
        "  provider_incident_notice_hours: 2\n  circulation: Numbered copies for the Board only.\n"), encoding="utf-8")
    result = regpack(project, "build")
    assert result.returncode == 0, result.stderr
    word = project / "build" / ARR / "word"
    board, form = (_flat(docx_text(word / f"{slug}.docx")) for slug in ("board-paper", "risk-assessment-form"))
    notification = _flat(docx_text(word / "notification-package.docx"))
    for text in (board, form):
        assert "Checklist CI-2027-01 filed apart from this notification." in text
        assert "Numbered copies for the Board only." in text
        assert "The provider tells the institution of an incident within 2 hours; a serious incident is reported to " \
               "the regulator within 12 hours" in text
    assert "Critical infrastructure (Cap. 653): restricted" in board
    assert "Checklist CI-2027-01" not in notification and "Numbered copies" not in notification
    assert "Cap. 653: Material changes to critical computer systems" in board  # the gaps the board must see

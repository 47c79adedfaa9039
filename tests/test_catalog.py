"""The requirement catalog and Risk Assessment Form data (pipeline/catalog/) and their loader."""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest
from pydantic import ValidationError

if str(ROOT := Path(__file__).resolve().parents[1]) not in sys.path:  # plain `pytest` without an install
    sys.path.insert(0, str(ROOT))

from pipeline.catalog.loader import (  # noqa: E402
    CATALOG_DIR,
    FORM_ANSWER_KEYS,
    FORM_FILE,
    Catalog,
    Requirement,
    RiskAssessmentForm,
    load_catalog,
    load_form,
)
from pipeline.catalog.model import APPLIES_IF, PINPOINT  # noqa: E402
from pipeline.documents.registry import CODES  # noqa: E402
from pipeline.errors import SourceErrors  # noqa: E402

# Ids carried over from the requirement-catalog sketch: sources and archived packs refer to them.
SKETCH_IDS = """
SA2-1.2.2-controls-not-weakened SA2-1.3.2-prior-discussion SA2-1.3.3-home-host-contact
SA2-1.3.4-ongoing-review SA2-1.3.5-regulatory-alternative-arrangements SA2-2.1.1-accountability
SA2-2.2.1a-criticality SA2-2.2.1b-reasons-cost-benefit SA2-2.2.1c-risk-profile-impact SA2-2.2.2-reassessment
SA2-2.3.1-cost-quality SA2-2.3.1-financial-soundness SA2-2.3.1-reputation SA2-2.3.1-managerial-skills
SA2-2.3.1-technical-operational-capability SA2-2.3.1-culture-strategy-fit
SA2-2.3.1-banking-familiarity-innovation SA2-2.3.2-performance-monitoring SA2-2.4.1-service-agreement
SA2-2.4.2-annual-agreement-review SA2-2.4.3-intragroup-mou SA2-2.5.1-pdpo-common-law
SA2-2.5.2a-confidentiality-undertaking SA2-2.5.2b-breach-remedies SA2-2.5.2c-data-segregation
SA2-2.5.2d-need-based-access SA2-2.5.3-customer-notification SA2-2.5.4-data-return-destruction
SA2-2.6.1-monitoring-procedures SA2-2.6.2-monitoring-scope SA2-2.6.3-competent-staff SA2-2.6.4-escalation
SA2-2.6.5-internal-audit SA2-2.7.1-tested-contingency SA2-2.7.2-understand-provider-plan
SA2-2.7.3-alternatives-inhouse SA2-2.8.1-records-in-hk SA2-2.8.2-audit-inspection-clause
SA2-2.9.1a-country-risk SA2-2.9.1b-overseas-authority-access SA2-2.9.1c-customer-location-notice
SA2-2.9.1d-hkma-access-confirmed SA2-2.9.1e-pdpo-s33 SA2-2.9.1f-governing-law SA2-2.9.2-local-ai-backup
TMG1-1.3.3 TMG1-1.3.4 TMG1-2.1.1 TMG1-2.1.2 TMG1-2.2.1 TMG1-2.2.4 TMG1-2.3.4 TMG1-2.4.2 TMG1-2.6.1
TMG1-3.1.4 TMG1-3.3.1 TMG1-3.3.2 TMG1-3.3.3 TMG1-3.6.1 TMG1-4.2.6 TMG1-5.4.1 TMG1-6.1.3 TMG1-6.3.2
TMG1-7.1.1a-provider-resources TMG1-7.1.1b-independent-it-assessment TMG1-7.1.1c-contract-terms
TMG1-7.1.1d-annual-assessment TMG1-7.1.1e-concentration TMG1-7.1.1f-contingency-exit TMG1-7.2.1
OR1-2.2.3c-notify-intention OR1-7.4.7d-third-party-dependency OR1-8.1.4-central-record
OR1-8.3.1-board-approved-bcp OR1-8.3.2-bcp-content OR1-8.3.3-bcp-testing
HKCLD-P1-governance-strategy HKCLD-P2-csp-due-diligence HKCLD-P3-shared-responsibility
HKCLD-P4-risk-procedures HKCLD-P5-infosec-confidentiality HKCLD-P6-contingency HKCLD-P7-audit-rights
HKCLD-P8-hkma-access HKCLD-P9-staff-skills
""".split()

# Every TM-G-1 paragraph of chapters 2-7 (7.1.1 split a-f) plus the chapter-1 ones that ask something.
TMG1_PARAS = """1.2.1 1.2.2 1.3.3 1.3.4 2.1.1 2.1.2 2.1.3 2.1.4 2.2.1 2.2.2 2.2.3 2.2.4 2.3.1 2.3.2 2.3.3 2.3.4
2.4.1 2.4.2 2.5.1 2.5.2 2.6.1 3.1.1 3.1.2 3.1.3 3.1.4 3.2.1 3.2.2 3.2.3 3.3.1 3.3.2 3.3.3 3.4.1 3.5.1 3.5.2
3.5.3 3.6.1 3.6.2 3.6.3 4.1.1 4.2.1 4.2.2 4.2.3 4.2.4 4.2.5 4.2.6 4.3.1 4.3.2 4.3.3 5.1.1 5.1.2 5.1.3 5.2.1
5.2.2 5.3.1 5.4.1 6.1.1 6.1.2 6.1.3 6.1.4 6.1.5 6.2.1 6.2.2 6.2.3 6.2.4 6.3.1 6.3.2 7.2.1""".split()

AWS_TERMS = re.compile(r"\b(AWS|Amazon|KMS|CloudTrail|CloudHSM|IAM|S3|EC2|VPC|GuardDuty|Macie|Config)\b")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def form(catalog) -> RiskAssessmentForm:
    return load_form(catalog=catalog)


def copy_catalog(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_of(excinfo) -> list[str]:
    return [str(p) for p in excinfo.value.problems]


# ---- contents -------------------------------------------------------------------------------------


def test_counts_per_framework(catalog):
    counts = Counter(r.framework for r in catalog.requirements)
    assert counts["SA2"] >= 40
    assert counts["TMG1"] >= 70
    assert counts["OR1"] >= 5
    assert counts["HKCLD"] == 9
    assert counts["OR2"] >= 6 and counts["HKMA-TP-CYBER-2023"] >= 5 and counts["HKMA-TP-IT-2024"] >= 3
    assert counts["TMC1"] >= 3 and counts["PCPD-XBORDER"] >= 3
    assert counts["TME1"] >= 1 and counts["HKMA-GENAI-2024"] >= 1 and counts["CAP653"] >= 3
    assert [fw.framework for fw in catalog.frameworks] == [
        "SA2", "TMG1", "OR1", "OR2", "HKCLD", "HKMA-TP-CYBER-2023", "HKMA-TP-IT-2024", "TMC1", "PCPD-XBORDER",
        "TME1", "HKMA-GENAI-2024", "CAP653"]


def test_ids_unique_and_indexed(catalog):
    ids = [r.id for r in catalog.requirements]
    assert len(ids) == len(set(ids)) == len(catalog.ids)
    assert all(catalog.by_id(i).id == i for i in ids)
    assert all(r.id.startswith(r.framework + "-") for r in catalog.requirements)


def test_sketch_ids_kept(catalog):
    missing = [i for i in SKETCH_IDS if i not in catalog.ids]
    assert not missing


def test_excluded_sketch_entries_absent(catalog):
    assert not [i for i in catalog.ids if i.startswith(("GP-", "RAF-"))]


def test_tmg1_paragraph_coverage(catalog):
    cited = {r.citation.removeprefix("TM-G-1 §") for r in catalog.requirements if r.framework == "TMG1"}
    assert not [p for p in TMG1_PARAS if p not in cited]
    assert {f"7.1.1({x})" for x in "abcdef"} <= cited


def test_sa2_splits_and_new_paragraphs(catalog):
    sa2 = {r.citation for r in catalog.requirements if r.framework == "SA2"}
    for para in ("1.2.1", "1.2.2", "1.3.2", "1.3.4", "1.3.5", "2.2.2", "2.6.5", "2.7.3", "2.9.2"):
        assert f"SA-2 §{para}" in sa2
    assert {f"SA-2 §2.2.1({x})" for x in "abc"} <= sa2
    assert {f"SA-2 §2.5.2({x})" for x in "abcd"} <= sa2
    assert {f"SA-2 §2.9.1({x})" for x in "abcdef"} <= sa2
    assert sum(r.citation == "SA-2 §2.3.1" for r in catalog.requirements) == 7
    assert "SA2-1.2.1-seventh-schedule" in catalog.ids
    for descriptive in ("1.1.1", "1.1.2", "1.1.3", "1.3.1", "1.3.6"):
        assert f"SA-2 §{descriptive}" not in sa2


def test_field_values(catalog):
    for r in catalog.requirements:
        assert r.docs and set(r.docs) <= {"NOTIF", "RAF", "BOARD"}, r.id
        assert len(r.title) <= 120 and r.citation and r.section, r.id
        if r.framework in ("TMG1", "HKCLD"):
            assert r.responsibility in ("customer", "shared", "provider"), r.id
        else:
            assert r.responsibility is None, r.id


def test_framework_headers_and_version(catalog):
    by_key = {fw.framework: fw for fw in catalog.frameworks}
    assert by_key["SA2"].module == "SA-2" and by_key["TMG1"].module == "TM-G-1"
    assert {fw.issuer for fw in catalog.frameworks} == {
        "Hong Kong Monetary Authority", "Office of the Privacy Commissioner for Personal Data, Hong Kong",
        "Hong Kong Special Administrative Region (Ordinance)"}
    for part in ("SA2 V.1 28.12.01", "TMG1 V.1 24.06.03", "OR1 V.2 25.07.2022", "B1/15C B9/30C",
                 "OR2 V.1 31.05.2022", "HKMA-TP-CYBER-2023 Circular of 21 December 2023", "TMC1 Statutory guideline",
                 "CAP653 In force 1 January 2026"):
        assert part in catalog.version
    # the manifest records every framework's version (catalog.version) and, by key, version and date
    assert set(catalog.versions) == set(by_key) and all(v["version"] and v["date"] for v in catalog.versions.values())
    assert catalog.versions["OR2"] == {"version": "V.1 – 31.05.2022", "date": "2022-05-31"}
    assert catalog.versions["PCPD-XBORDER"]["date"] == "2022-05"  # the month is all that is known


def test_sha256_is_of_framework_files_in_name_order(catalog):
    files = sorted(p for p in CATALOG_DIR.glob("*.yaml") if p.name != FORM_FILE)
    assert catalog.sha256 == hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


# ---- the seed whitepaper's citation errors are corrected ------------------------------------------


def test_tmg1_board_approval_is_2_1_1(catalog):
    r = catalog.by_id("TMG1-2.1.1")
    assert r.citation == "TM-G-1 §2.1.1"
    assert "Board" in r.title and "IT control policies" in r.title
    assert "organisation" in catalog.by_id("TMG1-2.2.1").title.lower()
    assert "Board" not in catalog.by_id("TMG1-2.2.1").title


def test_tmg1_access_administration_is_3_3_1_and_3_3_2_is_segregation(catalog):
    administration = catalog.by_id("TMG1-3.3.1").title.lower()
    assert "access" in administration and "owner approval" in administration
    segregation = catalog.by_id("TMG1-3.3.2")
    assert "segregation" in segregation.title.lower() and "security administration" in segregation.title
    assert segregation.responsibility == "shared"
    assert catalog.by_id("TMG1-2.1.1").responsibility == "customer"


def test_sa2_2_7_3_exit_hook_exists(catalog):
    r = catalog.by_id("SA2-2.7.3-alternatives-inhouse")
    assert r.citation == "SA-2 §2.7.3" and "in-house" in r.title
    assert {"RAF", "BOARD"} <= set(r.docs)


def test_sa2_2_5_2_safeguards_are_contractual_not_aws(catalog):
    ids = ["SA2-2.5.2a-confidentiality-undertaking", "SA2-2.5.2b-breach-remedies",
           "SA2-2.5.2c-data-segregation", "SA2-2.5.2d-need-based-access"]
    for req_id, letter in zip(ids, "abcd"):
        r = catalog.by_id(req_id)
        assert r.citation == f"SA-2 §2.5.2({letter})"
        assert not AWS_TERMS.search(r.title), r.title
    assert not [r.id for r in catalog.requirements if AWS_TERMS.search(r.title)]


def test_sa2_1_3_2_is_prior_discussion_not_cloud_rule(catalog):
    r = catalog.by_id("SA2-1.3.2-prior-discussion")
    assert "in advance" in r.title and "cloud" not in r.title.lower()


# ---- how each citation was checked -----------------------------------------------------------------


def test_every_entry_says_how_it_was_verified(catalog):
    verified = {r.id: r.verified for r in catalog.requirements}
    assert set(verified.values()) == {"primary", "secondary"}
    for r in catalog.requirements:  # the primary texts read: SA-2, TM-G-1, OR-1 (hkma-regulatory-notes [V])
        if r.framework in ("SA2", "TMG1", "OR1"):
            assert r.verified == "primary", r.id
        elif r.framework != "HKCLD":  # everything issued since 2022 is known from secondary sources only
            assert r.verified == "secondary", r.id
    cloud = {r.id.split("-")[1]: r.verified for r in catalog.requirements if r.framework == "HKCLD"}
    assert cloud == {"P1": "primary", "P2": "primary", "P3": "primary", "P4": "secondary", "P5": "secondary",
                     "P6": "secondary", "P7": "secondary", "P8": "secondary", "P9": "primary"}


def test_documents_cite_secondary_entries_by_instrument_and_section_title(catalog):
    for r in catalog.requirements:
        if r.verified == "primary":
            assert r.shown_citation == r.citation, r.id
            continue
        fw = next(fw for fw in catalog.frameworks if fw.framework == r.framework)
        assert r.shown_citation == f"{fw.cited_as}: {r.section}", r.id
        assert not PINPOINT.search(r.section), r.id  # no paragraph, section or principle number
        if PINPOINT.search(r.citation):  # a pinpoint nobody has read is never shown
            assert r.citation not in r.shown_citation, r.id
    p6 = catalog.by_id("HKCLD-P6-contingency")
    assert p6.shown_citation == "HKMA Guidance on Cloud Computing (2022): Contingency planning for cloud services"
    assert catalog.by_id("HKCLD-P1-governance-strategy").shown_citation.endswith("Principle 1")
    assert catalog.by_id("OR2-scenario-testing").shown_citation == "OR-2: Scenario testing"
    assert catalog.by_id("OR2-scenario-testing").citation == "OR-2 §7"  # as secondary sources number it: catalog only
    for pinpoint in ("§4", "§3.5.1", "Principle 4", "sound practice 1", "II. Ongoing"):
        assert PINPOINT.search(pinpoint), pinpoint


# ---- applicability ----------------------------------------------------------------------------------


def test_conditions(catalog):
    cond = {r.id: r.applies_if for r in catalog.requirements}
    for x in "abcde":
        assert cond[next(i for i in cond if i.startswith(f"SA2-2.9.1{x}-"))] == "overseas"
    assert cond["SA2-2.9.1f-governing-law"] is None
    assert cond["SA2-2.9.2-local-ai-backup"] == "local_and_overseas"
    assert cond["SA2-2.4.3-intragroup-mou"] == "intra_group"
    assert cond["SA2-1.3.3-home-host-contact"] == "overseas"
    for req_id in ("TMG1-7.1.1b-independent-it-assessment", "TMG1-7.1.1d-annual-assessment",
                   "TMG1-7.1.1f-contingency-exit"):
        assert cond[req_id] == "critical"
    assert {c for c in cond.values() if c} == {"overseas", "local_and_overseas", "intra_group", "critical",
                                               "critical_operation", "personal_data_overseas", "e_banking",
                                               "customer_genai", "cap653"}
    # a service that supports no critical operation is asked only whether it supports one
    or2 = [r for r in catalog.requirements if r.framework == "OR2"]
    assert [r.id for r in or2 if r.applies_if is None] == ["OR2-critical-operations-identified"]
    assert all(cond[r.id] == "personal_data_overseas" for r in catalog.requirements if r.framework == "PCPD-XBORDER")
    assert {cond[r.id] for fw, c in (("TME1", "e_banking"), ("HKMA-GENAI-2024", "customer_genai"),
                                      ("CAP653", "cap653")) for r in catalog.requirements if r.framework == fw} == \
        {"e_banking", "customer_genai", "cap653"}


def test_applicable(catalog):
    overseas = catalog.by_id("SA2-2.9.1a-country-risk")
    assert overseas.applicable({"overseas"}) and not overseas.applicable(set())
    assert not overseas.applicable({"critical", "local_and_overseas"})
    always = catalog.by_id("SA2-2.9.1f-governing-law")
    assert always.applicable(set()) and always.applicable({"overseas", "critical"})
    local = catalog.by_id("SA2-2.9.2-local-ai-backup")
    assert local.applicable({"overseas", "local_and_overseas"}) and not local.applicable({"overseas"})


def test_for_document(catalog):
    raf_all = catalog.for_document("RAF")
    raf_local = catalog.for_document("RAF", set())
    raf_overseas = catalog.for_document("RAF", {"overseas", "local_and_overseas", "critical", "intra_group"})
    raf_every = catalog.for_document("RAF", set(APPLIES_IF))
    assert len(raf_local) < len(raf_overseas) < len(raf_every) == len(raf_all)
    assert all("RAF" in r.docs for r in raf_all)
    assert "SA2-2.9.1e-pdpo-s33" not in {r.id for r in raf_local}
    assert {r.id for r in catalog.for_document("NOTIF")} >= {"SA2-1.3.2-prior-discussion",
                                                              "OR1-2.2.3c-notify-intention"}


def test_models_are_frozen_and_strict(catalog):
    r = catalog.by_id("TMG1-2.1.1")
    with pytest.raises(ValidationError):
        r.title = "changed"
    with pytest.raises(ValidationError):
        Requirement(id="SA2-9.9.9-x", framework="SA2", citation="c", section="s", title="t", docs=["exit"])
    with pytest.raises(KeyError, match="did you mean 'TMG1-2.1.1'"):
        catalog.by_id("TMG1-2.1.11")


# ---- broken catalogs are reported as SourceErrors ------------------------------------------------


def test_duplicate_id_is_reported(tmp_path):
    directory = copy_catalog(tmp_path)
    edit(directory / "tmg1.yaml", "id: TMG1-2.1.2\n", "id: TMG1-2.1.1\n")
    with pytest.raises(SourceErrors) as excinfo:
        load_catalog(directory)
    (problem,) = excinfo.value.problems
    assert problem.file.endswith("tmg1.yaml") and problem.line > 0
    assert "duplicate id TMG1-2.1.1" in problem.message and "tmg1.yaml:" in problem.message


def test_duplicate_id_across_files_is_reported(tmp_path):
    directory = copy_catalog(tmp_path)
    edit(directory / "or1.yaml", "id: OR1-8.3.3-bcp-testing", "id: OR1-8.3.2-bcp-content")
    edit(directory / "or1.yaml", "id: OR1-8.1.4-central-record", "id: OR1-2.2.3c-notify-intention")
    with pytest.raises(SourceErrors) as excinfo:
        load_catalog(directory)
    assert len(excinfo.value.problems) == 2
    assert all("duplicate id" in p.message for p in excinfo.value.problems)


def test_bad_docs_value_is_reported_with_line(tmp_path):
    directory = copy_catalog(tmp_path)
    edit(directory / "sa2.yaml", "docs: [NOTIF, BOARD]", "docs: [NOTIF, MEMO]")
    with pytest.raises(SourceErrors) as excinfo:
        load_catalog(directory, doc_codes=CODES)
    (problem,) = excinfo.value.problems
    assert problem.file.endswith("sa2.yaml")
    assert problem.path == "requirements[0].docs[1]"
    assert "'MEMO'" in problem.message and "SA2-1.2.1-seventh-schedule" in problem.message
    lines = (directory / "sa2.yaml").read_text(encoding="utf-8").splitlines()
    assert "MEMO" in lines[problem.line - 1]


def test_other_problems_are_all_reported_together(tmp_path):
    directory = copy_catalog(tmp_path)
    edit(directory / "sa2.yaml", "    applies_if: intra_group", "    applies_if: group")
    edit(directory / "sa2.yaml", "    docs: [RAF]\n", "    docs: [RAF]\n    responsibility: customer\n")
    edit(directory / "or1.yaml", "    citation: \"OR-1 §8.1.4\"", "    citaton: \"OR-1 §8.1.4\"")
    edit(directory / "hkcloud.yaml", "docs: [RAF]", "docs: []")
    with pytest.raises(SourceErrors) as excinfo:
        load_catalog(directory)
    text = "\n".join(problems_of(excinfo))
    assert "applies_if" in text and "'group'" in text
    assert "only HKCLD, TMG1 use responsibility" in text
    # the same messages as the sources': a misspelt key is reported once, with its hint
    assert "requirements[2].citaton: OR1-8.1.4-central-record: unknown key; did you mean 'citation'?" in text
    assert "requirements[3].docs: HKCLD-P4-risk-procedures: needs at least 1 item, got none" in text
    assert len(excinfo.value.problems) == 4
    assert excinfo.value.exit_code == 2


def _line_of(directory: Path, problem) -> str:
    return (directory / Path(problem.file).name).read_text(encoding="utf-8").splitlines()[problem.line - 1].strip()


@pytest.mark.parametrize("name, old, new, path, message, line", [
    ("or2.yaml", 'version: "V.1 – 31.05.2022"\n', "", "version", "required field is missing", "framework: OR2"),
    ("pcpd-xborder.yaml", 'date: "2022-05"\n', "", "date", "required field is missing", "framework: PCPD-XBORDER"),
    ("tmc1.yaml", "date: 2024-11-29", "date: 29 November 2024", "date", "'29 November 2024' does not match the "
     "required pattern", "date: 29 November 2024"),
    ("or2.yaml", "    verified: secondary\n", "", "requirements[0].verified",
     "OR2-critical-operations-identified: required field is missing", "- id: OR2-critical-operations-identified"),
    ("sa2.yaml", "    verified: primary\n", "    verified: checked\n", "requirements[0].verified",
     "expected one of 'primary' or 'secondary', got 'checked'", "verified: checked"),
    ("or2.yaml", "    applies_if: critical_operation\n", "    applies_if: critical_ops\n", "requirements[1].applies_if",
     "got 'critical_ops'", "applies_if: critical_ops"),
    ("or2.yaml", 'section: "Scenario testing"', 'section: "7 Scenario testing"', "requirements[4].section",
     "a secondary entry is cited by its section's title, so the title may carry no paragraph or section number ('7')",
     'section: "7 Scenario testing"'),
    ("hkcloud.yaml", 'section: "Cloud risk-management procedures"', 'section: "Principle 4: risk procedures"',
     "requirements[3].section", "('Principle 4')", 'section: "Principle 4: risk procedures"'),
    ("tme1.yaml", "framework: TME1", "framework: OR2", "framework",
     "framework OR2 is already defined in or2.yaml:7: give one of them another key", "framework: OR2"),
    ("tmc1.yaml", "framework: TMC1", "framework: HKMA-TP", "framework",
     "framework key HKMA-TP collides with HKMA-TP-CYBER-2023 (hkma-tp-cyber-2023.yaml:4): ids starting "
     "'HKMA-TP-CYBER-2023-' also start with 'HKMA-TP-'", "framework: HKMA-TP"),
    ("or2.yaml", "framework: OR2", "framework: or-2", "framework", "'or-2' does not match the required pattern",
     "framework: or-2"),
], ids=["no-version", "no-date", "bad-date", "no-verified", "bad-verified", "unknown-condition",
        "secondary-section-number", "secondary-principle-number", "same-key", "prefix-key", "bad-key"])
def test_catalog_rules_are_errors_with_file_and_line(tmp_path, name, old, new, path, message, line):
    directory = copy_catalog(tmp_path)
    edit(directory / name, old, new)
    if "HKMA-TP" in new:  # its ids must carry the new key, or they would be reported too
        text = (directory / name).read_text(encoding="utf-8")
        (directory / name).write_text(text.replace("id: TMC1-", "id: HKMA-TP-"), encoding="utf-8")
    if new == "framework: OR2":
        text = (directory / name).read_text(encoding="utf-8")
        (directory / name).write_text(text.replace("id: TME1-", "id: OR2-e-banking-"), encoding="utf-8")
    with pytest.raises(SourceErrors) as excinfo:
        load_catalog(directory, doc_codes=CODES)
    problems = [p for p in excinfo.value.problems if p.path == path]
    assert problems, problems_of(excinfo)
    problem = problems[0]
    assert Path(problem.file).name == name and problem.line > 0, str(problem)
    assert message in problem.message, str(problem)
    assert _line_of(directory, problem) == line
    assert excinfo.value.exit_code == 2


def test_a_prefix_collision_is_reported_in_either_order(tmp_path):
    """A short key read first (`HKMA`, cap653.yaml) collides with every longer key it begins, read later."""
    directory = copy_catalog(tmp_path)
    edit(directory / "cap653.yaml", "framework: CAP653", "framework: HKMA")  # cap653.yaml is read first
    text = (directory / "cap653.yaml").read_text(encoding="utf-8")
    (directory / "cap653.yaml").write_text(text.replace("id: CAP653-", "id: HKMA-"), encoding="utf-8")
    with pytest.raises(SourceErrors) as excinfo:
        load_catalog(directory)
    found = sorted((Path(p.file).name, p.line) for p in excinfo.value.problems)
    assert found == [("hkma-genai-2024.yaml", 3), ("hkma-tp-cyber-2023.yaml", 4), ("hkma-tp-it-2024.yaml", 4)]
    assert all("collides with HKMA (cap653.yaml:6)" in p.message for p in excinfo.value.problems)


def test_invalid_yaml_and_empty_directory(tmp_path):
    directory = copy_catalog(tmp_path)
    (directory / "or1.yaml").write_text("framework: OR1\nrequirements: [\n", encoding="utf-8")
    with pytest.raises(SourceErrors, match="invalid YAML"):
        load_catalog(directory)
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceErrors, match="no framework files"):
        load_catalog(tmp_path / "empty")


# ---- Risk Assessment Form -------------------------------------------------------------------------


def test_form_structure(form, catalog):
    assert [p.id for p in form.parts] == list("ABCDEF")
    part_e = form.parts[4]
    assert part_e.from_catalog and not part_e.questions
    for part in form.parts[:4]:
        assert 8 <= len(part.questions) <= 16, part.id
    assert 3 <= len(form.parts[5].questions) <= 5
    assert len({q.id for q in form.questions}) == len(form.questions)
    assert {q.answer for q in form.questions} <= FORM_ANSWER_KEYS
    assert all(ref in catalog.ids for q in form.questions for ref in q.requirements)
    assert len(FORM_ANSWER_KEYS) == 56 and "vendor.independent_assessment" in FORM_ANSWER_KEYS
    conditional = {q.id: q.applies_if for q in form.questions if q.applies_if}
    assert conditional == {"B14": "critical_operation", "C13": "critical_operation", "C15": "personal_data_overseas",
                           "D9": "critical_operation", "D12": "cap653"}
    assert len(form.sha256) == 64


def test_form_default_catalog():
    assert load_form().title.startswith("Risk Assessment Form")


def test_form_unknown_answer_key_fails(tmp_path, catalog):
    path = tmp_path / FORM_FILE
    shutil.copy(CATALOG_DIR / FORM_FILE, path)
    edit(path, "answer: institution.names", "answer: institution.name")
    with pytest.raises(SourceErrors) as excinfo:
        load_form(path, catalog)
    (problem,) = excinfo.value.problems
    assert problem.path == "parts[0].questions[0].answer" and problem.line > 0
    assert "unknown answer key 'institution.name'" in problem.message
    assert "did you mean 'institution.names'" in problem.message


def test_form_unknown_requirement_id_fails(tmp_path, catalog):
    path = tmp_path / FORM_FILE
    shutil.copy(CATALOG_DIR / FORM_FILE, path)
    edit(path, "requirements: [SA2-2.2.1a-criticality]", "requirements: [SA2-2.2.1-criticality]")
    with pytest.raises(SourceErrors) as excinfo:
        load_form(path, catalog)
    (problem,) = excinfo.value.problems
    assert problem.path.startswith("parts[1].questions[6].requirements")
    assert "unknown requirement id 'SA2-2.2.1-criticality'" in problem.message


def test_form_structure_problems_fail(tmp_path, catalog):
    path = tmp_path / FORM_FILE
    shutil.copy(CATALOG_DIR / FORM_FILE, path)
    edit(path, "      - id: A2\n", "      - id: A1\n")
    edit(path, "    from_catalog: true\n", "    from_catalog: false\n")
    with pytest.raises(SourceErrors) as excinfo:
        load_form(path, catalog)
    text = "\n".join(problems_of(excinfo))
    assert "duplicate question id A1" in text and "part E needs either questions" in text


def test_duplicate_key_in_a_catalog_file_is_an_error(tmp_path):
    """The catalog is read by the same safe YAML reader as the sources: no silently kept last value."""
    directory = copy_catalog(tmp_path)
    edit(directory / "or1.yaml", "    citation: \"OR-1 §8.1.4\"", "    citation: \"OR-1 §8.1.4\"\n    citation: \"OR-1 §9\"")
    with pytest.raises(SourceErrors) as excinfo:
        load_catalog(directory)
    (problem,) = excinfo.value.problems
    assert problem.file.endswith("or1.yaml")
    assert "duplicate key 'citation'" in problem.message
    lines = (directory / "or1.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[problem.line - 1].strip() == 'citation: "OR-1 §9"'


def test_form_reusing_an_answer_is_rejected_unless_it_says_so(tmp_path, catalog):
    path = tmp_path / FORM_FILE
    shutil.copy(CATALOG_DIR / FORM_FILE, path)
    edit(path, "answer: overseas.authority_access", "answer: risk.country_risk")
    with pytest.raises(SourceErrors) as excinfo:
        load_form(path, catalog)
    (problem,) = excinfo.value.problems
    assert "question D6 has the same answer as D5 (risk.country_risk)" in problem.message
    assert "same_answer_as: D5" in problem.message
    edit(path, "answer: risk.country_risk\n        requirements: [SA2-2.9.1b",
         "answer: risk.country_risk\n        same_answer_as: D5\n        requirements: [SA2-2.9.1b")
    assert load_form(path, catalog).questions

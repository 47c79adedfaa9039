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
    assert [fw.framework for fw in catalog.frameworks] == ["SA2", "TMG1", "OR1", "HKCLD"]


def test_ids_unique_and_indexed(catalog):
    ids = [r.id for r in catalog.requirements]
    assert len(ids) == len(set(ids)) == len(catalog.ids)
    assert all(catalog.by_id(i).id == i for i in ids)
    assert all(r.id.startswith(r.framework + "-") for r in catalog.requirements)


def test_sketch_ids_kept(catalog):
    missing = [i for i in SKETCH_IDS if i not in catalog.ids]
    assert not missing


def test_excluded_sketch_entries_absent(catalog):
    assert not [i for i in catalog.ids if i.startswith(("GP-", "RAF-", "OR2"))]


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
    assert all(fw.issuer == "Hong Kong Monetary Authority" for fw in catalog.frameworks)
    for part in ("SA2 V.1 28.12.01", "TMG1 V.1 24.06.03", "OR1 V.2 25.07.2022", "B1/15C B9/30C"):
        assert part in catalog.version


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
    assert {c for c in cond.values() if c} == {"overseas", "local_and_overseas", "intra_group", "critical"}


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
    assert len(raf_local) < len(raf_overseas) == len(raf_all)
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
        assert 8 <= len(part.questions) <= 14, part.id
    assert 3 <= len(form.parts[5].questions) <= 5
    assert len({q.id for q in form.questions}) == len(form.questions)
    assert {q.answer for q in form.questions} <= FORM_ANSWER_KEYS
    assert all(ref in catalog.ids for q in form.questions for ref in q.requirements)
    assert len(FORM_ANSWER_KEYS) == 46 and "vendor.independent_assessment" in FORM_ANSWER_KEYS
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

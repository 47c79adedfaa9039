"""Broken projects and the exact lines `regpack check` prints for them.

Every case copies the example project (sources/ and templates/), breaks it in one way and asserts
the exact stderr lines and the exit code. Most cases run `pipeline.cli.main` in-process for speed;
a few run `python -m pipeline` as a subprocess to prove exit codes and that no traceback appears.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
import yaml

if str(ROOT := Path(__file__).resolve().parents[1]) not in sys.path:  # plain `pytest` without an install
    sys.path.insert(0, str(ROOT))

from pipeline.cli import main  # noqa: E402
from pipeline.models import INSTITUTION_KIND, SOURCE_KINDS  # noqa: E402

ARR = "hmb-payments-hub-aws"
A = f"sources/{ARR}"
KINDS = [INSTITUTION_KIND[0], *SOURCE_KINDS]

TODO_LINE = (f"{A}/cost-benefit.md:14: TODO marker: confirm the final AWS annual run-cost figure with "
             "Finance once the Enterprise Discount Program rates are signed.")
TODO_WARNING = f"warning: {TODO_LINE}"
FINAL_TODO = f"{TODO_LINE} (a final build allows no TODO markers)"
EVIDENCE_ANCHOR = "      - HMB-RA-2026-031 Outsourcing Risk Assessment – Payments Hub on AWS, section 2\n"


# ---- mutations -----------------------------------------------------------------------------------

def replace(rel: str, old: str, new: str) -> Callable[[Path], None]:
    """Replace the one occurrence of `old` in `rel` (relative to the project) with `new`."""
    def mutate(project: Path) -> None:
        path = project / rel
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {rel}"
        path.write_text(text.replace(old, new), encoding="utf-8")
    return mutate


def cut(rel: str, start: str, end: str, insert: str = "") -> Callable[[Path], None]:
    """Replace the text from `start` up to (not including) `end` with `insert`."""
    def mutate(project: Path) -> None:
        path = project / rel
        text = path.read_text(encoding="utf-8")
        i = text.index(start)
        j = text.index(end, i)
        path.write_text(text[:i] + insert + text[j:], encoding="utf-8")
    return mutate


def write(rel: str, data: bytes | Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def mutate(project: Path) -> None:
        path = project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data(path.read_bytes()) if callable(data) else data)
    return mutate


def delete(rel: str) -> Callable[[Path], None]:
    return lambda project: (project / rel).unlink()


def both(*mutations: Callable[[Path], None]) -> Callable[[Path], None]:
    def mutate(project: Path) -> None:
        for m in mutations:
            m(project)
    return mutate


def nothing(project: Path) -> None:
    pass


def billion_laughs(original: bytes) -> bytes:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, cur in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    return original + b"\nlaughs:\n" + "".join(f"  {line}\n" for line in lines).encode()


def add_evidence(file: str) -> Callable[[Path], None]:
    return replace(f"{A}/controls.yaml", EVIDENCE_ANCHOR,
                   EVIDENCE_ANCHOR + f"      - title: SOC 2 bridge letter\n        file: {file}\n")


# ---- the table -----------------------------------------------------------------------------------

@dataclass
class Case:
    id: str
    mutate: Callable[[Path], None]
    lines: list[str]
    """Exact stderr lines; for a failing run the count line is added by the test."""
    code: int = 2
    args: list[str] = field(default_factory=list)


CASES = [
    # -- the shape of one file: unknown keys, types, dates, literals, required fields, lists
    Case("unknown-key-did-you-mean", replace(f"{A}/vendor.yaml", "intra_group: false", "intra_grup: false"),
         [f"{A}/vendor.yaml:11: vendor.intra_grup: unknown key; did you mean 'intra_group'?"]),
    Case("unknown-key-dashed", replace(f"{A}/vendor.yaml", "intra_group: false", "intra-group: false"),
         [f"{A}/vendor.yaml:11: vendor.intra-group: unknown key; did you mean 'intra_group'?"]),
    Case("unknown-key-nested", replace(f"{A}/vendor.yaml", "  reputation:\n    rating: satisfactory",
                                       "  reputation:\n    ratng: satisfactory"),
         [f"{A}/vendor.yaml:25: vendor.due_diligence.reputation.ratng: unknown key; did you mean 'rating'?"]),
    Case("unknown-key-no-close-match", replace(f"{A}/risk.yaml", "assessment_date: 2026-11-27",
                                               "assessment_date: 2026-11-27\ncolour: blue"),
         [f"{A}/risk.yaml:5: risk.colour: unknown key; allowed: appetite_statement, approved_by, "
          "assessment_date, monitoring, residual_conclusion, risks"]),
    Case("text-for-bool", replace(f"{A}/vendor.yaml", "intra_group: false", "intra_group: perhaps"),
         [f"{A}/vendor.yaml:11: vendor.intra_group: expected true or false, got 'perhaps'"]),
    Case("text-for-number", replace(f"{A}/contingency.yaml", "rto_hours: 2", "rto_hours: two hours"),
         [f"{A}/contingency.yaml:4: contingency.rto_hours: expected a number, got 'two hours'"]),
    Case("number-out-of-range", replace(f"{A}/contingency.yaml", "rto_hours: 2", "rto_hours: -2"),
         [f"{A}/contingency.yaml:4: contingency.rto_hours: must be greater than 0, got -2"]),
    Case("number-for-text", replace(f"{A}/arrangement.yaml", 'version: "0.1"', "version: 0.1"),
         [f"{A}/arrangement.yaml:7: arrangement.version: expected text, got 0.1; put it in quotes"]),
    Case("empty-value", replace(f"{A}/vendor.yaml", "short_name: AWS", "short_name:"),
         [f"{A}/vendor.yaml:5: vendor.short_name: expected text, got nothing (the value is empty)"]),
    Case("bad-date-last-year", replace(f"{A}/vendor.yaml", "    period_end: 2026-09-30\n  - id: SOC1-T2-2026Q3",
                                       "    period_end: last year\n  - id: SOC1-T2-2026Q3"),
         [f"{A}/vendor.yaml:105: vendor.attestations[2].period_end: expected a date (YYYY-MM-DD), got 'last year'"]),
    Case("impossible-date", replace(f"{A}/vendor.yaml", "period_end: 2026-08-28", "period_end: 2026-02-30"),
         [f"{A}/vendor.yaml:122: vendor.attestations[5].period_end: expected a date (YYYY-MM-DD), "
          "got '2026-02-30' (day value is outside expected range)"]),
    Case("bad-literal", replace(f"{A}/arrangement.yaml", "service_model: IaaS and PaaS", "service_model: FaaS"),
         [f"{A}/arrangement.yaml:18: arrangement.service_model: expected one of 'IaaS', 'PaaS', 'SaaS' "
          "or 'IaaS and PaaS', got 'FaaS'"]),
    Case("missing-top-level-field", replace(f"{A}/vendor.yaml", "short_name: AWS\n", ""),
         [f"{A}/vendor.yaml:4: vendor.short_name: required field is missing"]),
    Case("missing-nested-field", replace(f"{A}/arrangement.yaml", "  rating: critical\n", ""),
         [f"{A}/arrangement.yaml:53: arrangement.criticality.rating: required field is missing"]),
    Case("empty-list", cut(f"{A}/arrangement.yaml", "provider_services:\n", "\nsystems:", "provider_services: []\n"),
         [f"{A}/arrangement.yaml:20: arrangement.provider_services: needs at least 1 item, got none"]),
    Case("text-for-list", cut(f"{A}/board.yaml", "resolutions:\n", "executive_summary:", "resolutions: approve it\n"),
         [f"{A}/board.yaml:22: board.resolutions: expected a list (one `- item` per line), got 'approve it'"]),
    Case("too-long", replace("sources/institution.yaml", "short_name: HMB", "short_name: Harbourfront MB"),
         ["sources/institution.yaml:7: institution.short_name: must be at most 12 characters, got 15"]),
    Case("bad-id-pattern", replace(f"{A}/risk.yaml", "  - id: R2\n", "  - id: Risk2\n"),
         [f"{A}/risk.yaml:26: risk.risks[1].id: 'Risk2' does not match the required pattern ^R[0-9]{{1,3}}$"]),
    Case("evidence-neither-text-nor-mapping",
         replace(f"{A}/controls.yaml", EVIDENCE_ANCHOR, EVIDENCE_ANCHOR + "      - 5\n"),
         [f"{A}/controls.yaml:15: controls.responses[0].evidence[1]: expected text or a mapping of fields "
          "(title, file), got 5"]),
    Case("evidence-mapping-typo", replace(f"{A}/controls.yaml", EVIDENCE_ANCHOR,
                                          EVIDENCE_ANCHOR + "      - titel: Bridge letter\n        file: x.pdf\n"),
         [f"{A}/controls.yaml:15: controls.responses[0].evidence[1].titel: unknown key; did you mean 'title'?"]),
    Case("text-with-colon-in-list", replace(f"{A}/controls.yaml", EVIDENCE_ANCHOR,
                                            EVIDENCE_ANCHOR + "      - HMB-DD-2026-019: Due Diligence Report\n"),
         [f"{A}/controls.yaml:15: controls.responses[0].evidence[1]: expected text, got a mapping "
          "{'HMB-DD-2026-019': ...}; put text containing ': ' in quotes"]),
    Case("missing-field-named-date", replace(f"{A}/contingency.yaml", "  body: Board of Directors\n  date: 2026-12-15\n",
                                             "  body: Board of Directors\n"),
         [f"{A}/contingency.yaml:160: contingency.approval.date: required field is missing"]),
    Case("error-on-line-100", replace(f"{A}/vendor.yaml", "  - id: ISO27018-2026", "  - idx: ISO27018-2026"),
         [f"{A}/vendor.yaml:100: vendor.attestations[2].idx: unknown key; did you mean 'id'?"]),
    Case("partial-without-action", cut(f"{A}/controls.yaml", "    action:\n      description: Legal to finalise",
                                       "\n  - requirement: SA2-2.9.1d-hkma-access-confirmed"),
         [f"{A}/controls.yaml:409: controls.responses[41]: a response with status 'partial' needs an `action` "
          "with description, owner and due date"]),
    Case("top-level-list", write(f"{A}/exit.yaml", b"- scope: everything\n- triggers: []\n"),
         [f"{A}/exit.yaml:1: exit: expected a mapping of fields (`key: value` lines) at the top of the file, "
          "got a list"]),

    # -- YAML hazards
    Case("duplicate-key", replace(f"{A}/vendor.yaml", "short_name: AWS", "short_name: AWS\nshort_name: Amazon"),
         [f"{A}/vendor.yaml:6: vendor.short_name: duplicate key 'short_name' (first at line 5); "
          "YAML would keep only the last value: remove one"]),
    Case("syntax-error", replace(f"{A}/risk.yaml", "approved_by: Chief", "approved_by: [Chief"),
         [f"{A}/risk.yaml:6: YAML syntax: did not find expected ',' or ']' "
          "(while parsing a flow sequence that starts at line 5)"]),
    Case("line-without-colon", replace(f"{A}/vendor.yaml", "short_name: AWS\n", "short_name: AWS\nAmazon\n"),
         [f"{A}/vendor.yaml:6: YAML syntax: this line is not a `key: value` pair (could not find expected ':'); "
          "a key needs ': ' after it, and text continued from the line above needs more indentation than its key"]),
    Case("tab-indent", replace(f"{A}/arrangement.yaml", "  rating: critical", "\trating: critical"),
         [f"{A}/arrangement.yaml:54: YAML syntax: a tab character; indent with spaces only"]),
    Case("unquoted-colon", replace(f"{A}/vendor.yaml", "short_name: AWS", "short_name: AWS: Amazon"),
         [f"{A}/vendor.yaml:5: YAML syntax: mapping values are not allowed in this context; "
          "text containing ': ' must be quoted, and a key must not be indented more than the one above"]),
    Case("alias-bomb", write(f"{A}/risk.yaml", billion_laughs),
         [f"{A}/risk.yaml:174: risk.laughs: this value expands to more than 200,000 values through anchors "
          "and aliases (`&name` / `*name`); write the values out instead"]),
    Case("alias-cycle", replace(f"{A}/risk.yaml", "assessment_date: 2026-11-27", "assessment_date: &a [*a]"),
         [f"{A}/risk.yaml:4: risk.assessment_date: an alias refers to a value that contains it; "
          "write the values out instead"]),
    Case("python-tag", replace(f"{A}/vendor.yaml", "short_name: AWS",
                               "short_name: !!python/object/apply:os.system [echo]"),
         [f"{A}/vendor.yaml:5: vendor.short_name: unsupported YAML tag '!!python/object/apply:os.system'; remove it"]),
    Case("over-size-limit", write(f"{A}/risk.yaml", b"notes: " + b"x" * 1_000_000 + b"\n"),
         [f"{A}/risk.yaml: file is 1,000,008 bytes, over the limit of 1,000,000 bytes; split it"]),
    Case("non-utf8-yaml", write(f"{A}/exit.yaml", lambda b: b.replace(b"scope: >-", b"scope: \xff>-", 1)),
         [f"{A}/exit.yaml:4: not valid UTF-8 (byte 0xff); save the file as UTF-8"]),
    Case("non-utf8-markdown", write(f"{A}/description.md", b"# Description\n\nCaf\xe9 payments\n"),
         [f"{A}/description.md:3: not valid UTF-8 (byte 0xe9); save the file as UTF-8 "
          f"(included as arrangement.description from {A}/arrangement.yaml:17)"]),
    Case("control-character", replace(f"{A}/vendor.yaml", "short_name: AWS", "short_name: AW\x07S"),
         [f"{A}/vendor.yaml:5: control character U+0007 is not allowed; remove it"]),
    Case("empty-file", write(f"{A}/board.yaml", b""), [f"{A}/board.yaml: file is empty"]),
    Case("comment-only-file", write(f"{A}/board.yaml", b"# yaml-language-server: $schema=../schema/board.schema.json\n"
                                                       b"# to be written\n"),
         [f"{A}/board.yaml: file is empty (only comments)"]),
    Case("missing-source-file", delete(f"{A}/risk.yaml"),
         [f"{A}/risk.yaml: file not found: every arrangement needs a risk.yaml (see `regpack schema` for its fields)"]),
    Case("misnamed-source-file", lambda p: (p / A / "risk.yaml").rename(p / A / "risk.yml"),
         [f"{A}/risk.yaml: file not found: every arrangement needs a risk.yaml; rename risk.yml to risk.yaml"]),
    Case("folder-without-arrangement", write("sources/hmb-core-banking/arrangement.yml", b"id: hmb-core-banking\n"),
         ["sources/hmb-core-banking: folder has YAML files but no arrangement.yaml, so it is not checked: "
          "add one, or move the folder out of sources/"]),
    Case("markdown-include-missing", replace(f"{A}/arrangement.yaml", "{markdown_file: description.md}",
                                             "{markdown_file: descripton.md}"),
         [f"{A}/arrangement.yaml:17: arrangement.description: Markdown file 'descripton.md' not found "
          f"(looked for {A}/descripton.md)"]),
    Case("markdown-include-etc-passwd", replace(f"{A}/arrangement.yaml", "{markdown_file: description.md}",
                                                "{markdown_file: ../../etc/passwd}"),
         [f"{A}/arrangement.yaml:17: arrangement.description: Markdown file '../../etc/passwd' lies outside "
          "the sources folder (sources/); move it inside"]),
    Case("markdown-include-outside-existing",
         both(write("notes/outside.md", b"Kept outside the sources.\n"),
              replace(f"{A}/board.yaml", "{markdown_file: executive-summary.md}",
                      "{markdown_file: ../../notes/outside.md}")),
         [f"{A}/board.yaml:40: board.executive_summary: Markdown file '../../notes/outside.md' lies outside "
          "the sources folder (sources/); move it inside"]),
    Case("markdown-include-empty", write(f"{A}/country-risk.md", b"\n \n"),
         [f"{A}/country-risk.md: file is empty (included as arrangement.overseas.country_risk from "
          f"{A}/arrangement.yaml:156)"]),
    Case("markdown-key-typo", replace(f"{A}/arrangement.yaml", "{markdown_file: description.md}",
                                      "{markdwn_file: description.md}"),
         [f"{A}/arrangement.yaml:17: arrangement.description: unknown key 'markdwn_file' in a text field; "
          "did you mean 'markdown_file'?"]),

    # -- cross-checks
    Case("evidence-file-missing", add_evidence("evidence/soc2-bridge-letter.pdf"),
         [f"{A}/controls.yaml:16: controls.responses[0].evidence[1].file: evidence file "
          f"'evidence/soc2-bridge-letter.pdf' not found (looked for {A}/evidence/soc2-bridge-letter.pdf)"]),
    Case("evidence-file-outside", both(write("notes/bridge.pdf", b"%PDF-1.4\n"), add_evidence("../../notes/bridge.pdf")),
         [f"{A}/controls.yaml:16: controls.responses[0].evidence[1].file: evidence file '../../notes/bridge.pdf' "
          "lies outside the sources folder (sources/); move it inside"]),
    Case("evidence-file-present", both(write(f"{A}/evidence/bridge.pdf", b"%PDF-1.4\n"),
                                       add_evidence("evidence/bridge.pdf")),
         [TODO_WARNING], code=0),
    Case("due-diligence-evidence-missing",
         replace(f"{A}/vendor.yaml", "      - Amazon.com, Inc. Form 10-K for fiscal year 2025\n",
                 "      - {title: Form 10-K 2025, file: evidence/10-k.pdf}\n"),
         [f"{A}/vendor.yaml:23: vendor.due_diligence.financial_soundness.evidence[1].file: evidence file "
          f"'evidence/10-k.pdf' not found (looked for {A}/evidence/10-k.pdf)"]),
    Case("duplicate-risk-id", replace(f"{A}/risk.yaml", "  - id: R2\n", "  - id: R1\n"),
         [f"{A}/risk.yaml:26: risk.risks[1]: duplicate risk id 'R1' (first at line 12)"]),
    Case("duplicate-response", replace(f"{A}/controls.yaml", "  - requirement: SA2-1.2.2-controls-not-weakened",
                                       "  - requirement: SA2-1.2.1-seventh-schedule"),
         [f"{A}/controls.yaml:16: controls.responses[1]: duplicate response to requirement "
          "'SA2-1.2.1-seventh-schedule' (first at line 7)"]),
    Case("unknown-requirement", replace(f"{A}/controls.yaml", "  - requirement: SA2-1.2.2-controls-not-weakened",
                                        "  - requirement: SA2-1.2.2-controls-not-weakend"),
         [f"{A}/controls.yaml:16: controls.responses[1].requirement: unknown requirement id "
          "'SA2-1.2.2-controls-not-weakend'; did you mean 'SA2-1.2.2-controls-not-weakened'?"]),
    Case("id-not-folder-name", replace(f"{A}/arrangement.yaml", f"id: {ARR}", "id: hmb-payments-hub"),
         [f"{A}/arrangement.yaml:4: arrangement.id: id 'hmb-payments-hub' must equal the folder name '{ARR}'"]),
    Case("overseas-without-section", cut(f"{A}/arrangement.yaml", "overseas:\n", "customer_notification:"),
         [f"{A}/arrangement.yaml:117: arrangement.data.locations: data is located outside Hong Kong (Singapore): "
          "add an `overseas:` section (SA-2 2.9)"]),
    Case("go-live-too-soon", replace(f"{A}/arrangement.yaml", "planned_go_live: 2027-05-03", "planned_go_live: 2027-03-01"),
         [f"{A}/arrangement.yaml:93: arrangement.dates.planned_go_live: go-live 2027-03-01 is only 52 days after "
          "the HKMA notification 2027-01-08; the institution's assumed lead time is 90 days (hkma.lead_time_days): "
          "move a date or change the assumption"]),
    Case("go-live-before-notification", replace(f"{A}/arrangement.yaml", "planned_go_live: 2027-05-03",
                                                "planned_go_live: 2027-01-01"),
         [f"{A}/arrangement.yaml:92: arrangement.dates.contract_signing: contract signing 2027-02-15 is after "
          "go-live 2027-01-01",
          f"{A}/arrangement.yaml:93: arrangement.dates.planned_go_live: go-live 2027-01-01 is 7 days before "
          "the HKMA notification 2027-01-08; the institution's assumed lead time is 90 days (hkma.lead_time_days): "
          "move a date or change the assumption"]),
    Case("lead-time-raised", replace(f"{A}/arrangement.yaml", "lead_time_days: 90", "lead_time_days: 120"),
         [f"{A}/arrangement.yaml:93: arrangement.dates.planned_go_live: go-live 2027-05-03 is only 115 days after "
          "the HKMA notification 2027-01-08; the institution's assumed lead time is 120 days "
          "(hkma.lead_time_days): move a date or change the assumption"]),
    Case("stale-attestation-warns", replace(f"{A}/vendor.yaml", "period_end: 2026-08-28", "period_end: 2025-08-28"),
         [f"warning: {A}/vendor.yaml:122: vendor.attestations[5].period_end: attestation 'PCI-DSS-AOC-2026' "
          "(PCI DSS v4.0.1 Attestation of Compliance (service provider, Level 1)) period ended 2025-08-28, "
          "498 days (over 12 months) before the submission date 2027-01-08: obtain the current report",
          TODO_WARNING], code=0),
    Case("stale-attestation-strict", replace(f"{A}/vendor.yaml", "period_end: 2026-08-28", "period_end: 2025-08-28"),
         [TODO_LINE,
          f"{A}/vendor.yaml:122: vendor.attestations[5].period_end: attestation 'PCI-DSS-AOC-2026' "
          "(PCI DSS v4.0.1 Attestation of Compliance (service provider, Level 1)) period ended 2025-08-28, "
          "498 days (over 12 months) before the submission date 2027-01-08: obtain the current report"],
         args=["--strict"]),
    Case("board-after-notification-warns", replace(f"{A}/arrangement.yaml", "board_meeting: 2026-12-15",
                                                   "board_meeting: 2027-01-15"),
         [f"warning: {A}/arrangement.yaml:90: arrangement.dates.board_meeting: board meeting 2027-01-15 is after "
          "the HKMA notification 2027-01-08; the notification declares the board's approval: hold the meeting first",
          TODO_WARNING], code=0),
    Case("todo-is-a-warning", nothing, [TODO_WARNING], code=0),
    Case("todo-in-yaml",
         replace(f"{A}/exit.yaml", "target_state: alternative_provider",
                 "target_state: alternative_provider  # TODO: confirm with the Board"),
         [TODO_WARNING, f"warning: {A}/exit.yaml:42: TODO marker: confirm with the Board"], code=0),
    Case("todo-final", nothing, [FINAL_TODO], args=["--final"]),
    Case("final-missing-response", cut(f"{A}/controls.yaml", "  - requirement: SA2-1.2.2-controls-not-weakened",
                                       "  - requirement: SA2-1.3.2-prior-discussion"),
         [f"{A}/controls.yaml:5: controls.responses: no response to applicable requirement "
          "SA2-1.2.2-controls-not-weakened: add one (see `regpack coverage`)", FINAL_TODO], args=["--final"]),
    Case("unknown-arrangement", nothing, ["sources: no arrangement 'hmb-nope' (known: hmb-payments-hub-aws)"],
         args=["--arrangement", "hmb-nope"]),

    # -- every error at once
    Case("three-files-at-once", both(replace(f"{A}/vendor.yaml", "intra_group: false", "intra_group: perhaps"),
                                     replace(f"{A}/risk.yaml", "  - id: R2\n", "  - id: Risk2\n"),
                                     replace("sources/institution.yaml", "type: licensed_bank", "type: bank")),
         [f"{A}/risk.yaml:26: risk.risks[1].id: 'Risk2' does not match the required pattern ^R[0-9]{{1,3}}$",
          f"{A}/vendor.yaml:11: vendor.intra_group: expected true or false, got 'perhaps'",
          "sources/institution.yaml:8: institution.type: expected one of 'licensed_bank', "
          "'restricted_licence_bank' or 'deposit_taking_company', got 'bank'"]),
    Case("include-and-field-in-one-file",
         both(replace(f"{A}/arrangement.yaml", "{markdown_file: description.md}", "{markdown_file: nope.md}"),
              replace(f"{A}/arrangement.yaml", "banking_related: true", "banking_related: maybe")),
         [f"{A}/arrangement.yaml:10: arrangement.banking_related: expected true or false, got 'maybe'",
          f"{A}/arrangement.yaml:17: arrangement.description: Markdown file 'nope.md' not found "
          f"(looked for {A}/nope.md)"]),
    Case("yaml-and-validation-in-two-files",
         both(write(f"{A}/board.yaml", b""), replace(f"{A}/exit.yaml", "duration_months: 10", "duration_months: ten")),
         [f"{A}/board.yaml: file is empty",
          f"{A}/exit.yaml:68: exit.duration_months: expected a number, got 'ten'"]),

    # -- text that looks like markup is just text
    Case("template-characters-are-text",
         both(replace(f"{A}/risk.yaml", "approved_by: Chief Risk Officer; endorsed by the Board Risk & Compliance "
                      "Committee on 1 December 2026", "approved_by: \"Chief Risk Officer {{ cro }} <CRO> & {% if x %}\""),
              replace(f"{A}/vendor.yaml", "short_name: AWS", "short_name: A<W>S & {{x}}")),
         [TODO_WARNING], code=0),
]


assert len({c.id for c in CASES}) == len(CASES)


# ---- fixtures and runners ------------------------------------------------------------------------

@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> Path:
    """A pristine copy of the example project (sources/ and templates/)."""
    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(ROOT / "sources", root / "sources")
    shutil.copytree(ROOT / "templates", root / "templates")
    return root


@pytest.fixture
def project(sample, tmp_path) -> Path:
    """A fresh copy of the example project inside tmp_path/project; tmp_path itself lies outside it."""
    dest = tmp_path / "project"
    shutil.copytree(sample, dest)
    return dest


_TEMPLATE_CHECKS: dict = {}


def _cached_template_checks(original):
    """Linting the Word templates takes most of a check; every case here uses the same templates."""
    def checks(project):
        key = tuple((p.name, p.read_bytes()) for p in sorted(project.templates.glob("*")))
        if key not in _TEMPLATE_CHECKS:
            result = original(project)
            if result[1]:  # template problems are reported afresh, never cached
                return result
            _TEMPLATE_CHECKS[key] = result
        return _TEMPLATE_CHECKS[key]
    return checks


def check(project: Path, *args: str, monkeypatch, capsys) -> tuple[int, list[str]]:
    """`regpack -C project check ARGS` in-process; returns the exit code and the stderr lines."""
    import pipeline.gather as gather_module
    if hasattr(gather_module, "_template_checks"):
        monkeypatch.setattr(gather_module, "_template_checks",
                            _cached_template_checks(gather_module._template_checks))
    monkeypatch.chdir(project)
    capsys.readouterr()
    code = main(["-C", str(project), "check", *args])
    return code, capsys.readouterr().err.splitlines()


def regpack(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "-C", str(project), *args], cwd=project,
                          capture_output=True, text=True, timeout=120)


def expected_stderr(case: Case) -> list[str]:
    if case.code == 0:
        return case.lines
    n = len(case.lines)
    return [*case.lines, f"{n} problem{'s' if n != 1 else ''} found; nothing was written."]


# ---- tests ---------------------------------------------------------------------------------------

def test_the_table_is_big_enough():
    assert len(CASES) >= 35


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_project(case: Case, project: Path, monkeypatch, capsys):
    case.mutate(project)
    code, lines = check(project, *case.args, monkeypatch=monkeypatch, capsys=capsys)
    assert lines == expected_stderr(case)
    assert code == case.code


SUBPROCESS_CASES = ["bad-date-last-year", "error-on-line-100", "alias-bomb", "stale-attestation-strict",
                    "todo-is-a-warning", "three-files-at-once"]


@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_broken_project_subprocess(case_id: str, project: Path):
    """The real command line: exact stderr, exit code, and never a traceback."""
    case = next(c for c in CASES if c.id == case_id)
    case.mutate(project)
    result = regpack(project, "check", *case.args)
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == expected_stderr(case)
    assert result.returncode == case.code
    if case.code == 0:
        assert result.stdout.startswith("ok: 1 arrangement(s)")


def test_no_traceback_without_verbose(project: Path, monkeypatch, capsys):
    """Source errors never show a traceback, even with -v; an internal error shows one only with -v."""
    (project / A / "vendor.yaml").write_bytes(b"- not\n- a mapping\n")
    for args in (["check"], ["-v", "check"]):
        result = regpack(project, *args)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert result.stderr.splitlines()[-1] == "1 problem found; nothing was written."

    import pipeline.gather as gather_module

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")
    monkeypatch.setattr(gather_module, "gather", broken)
    monkeypatch.chdir(project)
    capsys.readouterr()
    assert main(["-C", str(project), "check"]) == 70
    quiet = capsys.readouterr().err
    assert "Traceback" not in quiet
    assert quiet.strip() == "internal error: RuntimeError('simulated bug') (run with -v for the traceback)"
    assert main(["-v", "-C", str(project), "check"]) == 70
    assert "Traceback (most recent call last)" in capsys.readouterr().err


# ---- nothing is written --------------------------------------------------------------------------

def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under `root` with its bytes (None for folders)."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


def with_previous_build(project: Path) -> None:
    folder = project / "build" / ARR
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"arrangement": ARR, "documents": []}) + "\n")
    (folder / "notification-package.docx").write_bytes(b"PK\x03\x04 previous build")
    (project / "build" / "README.txt").write_text("dummy\n")


def test_check_writes_nothing(project: Path, monkeypatch, capsys):
    with_previous_build(project)
    before = snapshot(project)
    code, _ = check(project, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0
    assert snapshot(project) == before
    replace(f"{A}/vendor.yaml", "intra_group: false", "intra_grup: false")(project)
    broken = snapshot(project)
    code, _ = check(project, "--strict", "--final", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2
    assert snapshot(project) == broken


def test_failed_build_writes_nothing(project: Path):
    """A build that fails in the gather stage leaves every byte of the project, build/ included, as it was."""
    try:
        import pipeline.build  # noqa: F401
    except ImportError as exc:  # pragma: no cover - a module of the build is being written elsewhere
        pytest.skip(f"pipeline.build cannot be imported: {exc}")
    with_previous_build(project)
    both(replace(f"{A}/vendor.yaml", "intra_group: false", "intra_grup: false"),
         delete(f"{A}/risk.yaml"))(project)
    before = snapshot(project)
    result = regpack(project, "build")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{A}/risk.yaml: file not found: every arrangement needs a risk.yaml (see `regpack schema` for its fields)",
        f"{A}/vendor.yaml:11: vendor.intra_grup: unknown key; did you mean 'intra_group'?",
        "2 problems found; nothing was written."]
    assert snapshot(project) == before


# ---- JSON Schema for editors ---------------------------------------------------------------------

SCHEMA_LINE = re.compile(r"# yaml-language-server: \$schema=(\S+)$")


def example_yaml_files(sources: Path) -> list[tuple[str, Path]]:
    return [("institution", sources / "institution.yaml"),
            *((kind, sources / ARR / f"{kind}.yaml") for kind in SOURCE_KINDS)]


def test_schema_writes_one_file_per_kind(tmp_path, capsys):
    assert main(["schema", str(tmp_path / "out")]) == 0
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == sorted(f"{kind}.schema.json" for kind in KINDS)
    assert len(files) == 8
    for name in files:
        schema = json.loads((tmp_path / "out" / name).read_text(encoding="utf-8"))
        assert schema["type"] == "object" and schema["properties"], name
        assert schema.get("additionalProperties") is False, name
        assert schema["$schema"].startswith("https://json-schema.org/")


def test_example_sources_point_at_their_schema(project: Path, monkeypatch, capsys):
    shutil.rmtree(project / "sources" / "schema", ignore_errors=True)
    monkeypatch.chdir(project)
    assert main(["schema", "sources/schema"]) == 0
    for kind, path in example_yaml_files(project / "sources"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        match = SCHEMA_LINE.match(first)
        assert match, f"{path.name}: first line is {first!r}"
        target = (path.parent / match.group(1)).resolve()
        assert target.is_file(), f"{path.name} points at {match.group(1)}, which does not exist"
        assert target.name == f"{kind}.schema.json"


def test_committed_schemas_are_current(tmp_path):
    """sources/schema/ is committed for editors: it must match what `regpack schema` writes today."""
    assert main(["schema", str(tmp_path / "now")]) == 0
    committed = ROOT / "sources" / "schema"
    for path in sorted((tmp_path / "now").iterdir()):
        assert (committed / path.name).read_bytes() == path.read_bytes(), \
            f"sources/schema/{path.name} is out of date: run `regpack schema sources/schema`"


def test_example_validates_against_its_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    assert main(["schema", str(tmp_path / "schema")]) == 0
    for kind, path in example_yaml_files(ROOT / "sources"):
        data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
        schema = json.loads((tmp_path / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator(schema).validate(data)

"""Broken projects and the exact lines `regpack check` prints for them.

Every case is a sample project from tests/projects/ (see its README): the minimal project, then the
layers the case names, by default its own overlay tests/projects/errors/<case id>/, which holds only the
files that differ from the minimal project (each the minimal file with one thing broken). Every line
number below points into those files. Most cases run `pipeline.cli.main` in-process for speed; a few
run `python -m pipeline` as a subprocess to prove exit codes and that no traceback appears.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

if str(ROOT := Path(__file__).resolve().parents[1]) not in sys.path:  # plain `pytest` without an install
    sys.path.insert(0, str(ROOT))

from pipeline.cli import main  # noqa: E402
from pipeline.models import INSTITUTION_KIND, SOURCE_KINDS  # noqa: E402
from tests.conftest import PROJECTS, copy_project, sample_project  # noqa: E402

ARR = "mtb-payroll-saas"
A = f"sources/{ARR}"
KINDS = [INSTITUTION_KIND[0], *SOURCE_KINDS]

TODO_LINE = f"{A}/description.md:4: TODO marker: confirm the number of staff records with Human Resources."
TODO_WARNING = f"warning: {TODO_LINE}"
FINAL_TODO = f"{TODO_LINE} (a final build allows no TODO markers)"


# ---- the table -----------------------------------------------------------------------------------

@dataclass
class Case:
    id: str
    lines: list[str]
    """Exact stderr lines; for a failing run the count line is added by the test."""
    code: int = 2
    args: list[str] = field(default_factory=list)
    layers: list[str] | None = None
    """Folders under tests/projects/ copied over the minimal project, in order; None: errors/<id>."""
    removed: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)
    generated: dict[str, bytes] = field(default_factory=dict)
    """Files too big to keep in git, written after the layers."""

    def make(self, dest: Path) -> Path:
        project = sample_project(dest, *(self.layers if self.layers is not None else [f"errors/{self.id}"]))
        for rel in self.removed:
            (project / rel).unlink()
        for old, new in self.renamed.items():
            (project / old).rename(project / new)
        for rel, data in self.generated.items():
            (project / rel).write_bytes(data)
        return project


CASES = [
    # -- the shape of one file: unknown keys, types, dates, literals, required fields, lists
    Case("unknown-key-did-you-mean",
         [f"{A}/vendor.yaml:6: vendor.intra_grup: unknown key; did you mean 'intra_group'?"]),
    Case("unknown-key-dashed", [f"{A}/vendor.yaml:6: vendor.intra-group: unknown key; did you mean 'intra_group'?"]),
    Case("unknown-key-nested",
         [f"{A}/vendor.yaml:15: vendor.due_diligence.reputation.ratng: unknown key; did you mean 'rating'?"]),
    Case("unknown-key-no-close-match",
         [f"{A}/risk.yaml:2: risk.colour: unknown key; allowed: appetite_statement, approved_by, "
          "assessment_date, cyber_effect, monitoring, residual_conclusion, risks"]),
    Case("text-for-bool", [f"{A}/vendor.yaml:6: vendor.intra_group: expected true or false, got 'perhaps'"]),
    Case("text-for-number", [f"{A}/contingency.yaml:1: contingency.rto_hours: expected a number, got 'two hours'"]),
    Case("number-out-of-range", [f"{A}/contingency.yaml:1: contingency.rto_hours: must be greater than 0, got -2"]),
    Case("number-for-text", [f"{A}/arrangement.yaml:4: arrangement.version: expected text, got 0.1; put it in quotes"]),
    Case("empty-value", [f"{A}/vendor.yaml:2: vendor.short_name: expected text, got nothing (the value is empty)"]),
    Case("bad-date-last-year",
         [f"{A}/vendor.yaml:28: vendor.attestations[0].period_end: expected a date (YYYY-MM-DD), got 'last year'"]),
    Case("impossible-date",
         [f"{A}/vendor.yaml:33: vendor.attestations[1].period_end: expected a date (YYYY-MM-DD), "
          "got '2026-02-30' (day value is outside expected range)"]),
    Case("bad-literal",
         [f"{A}/arrangement.yaml:10: arrangement.service_model: expected one of 'IaaS', 'PaaS', 'SaaS' "
          "or 'IaaS and PaaS', got 'FaaS'"]),
    Case("missing-top-level-field", [f"{A}/vendor.yaml:1: vendor.short_name: required field is missing"]),
    Case("missing-nested-field",
         [f"{A}/arrangement.yaml:20: arrangement.criticality.rating: required field is missing"]),
    Case("empty-list", [f"{A}/arrangement.yaml:12: arrangement.provider_services: needs at least 1 item, got none"]),
    Case("text-for-list",
         [f"{A}/board.yaml:12: board.resolutions: expected a list (one `- item` per line), got 'approve it'"]),
    Case("too-long", ["sources/institution.yaml:4: institution.short_name: must be at most 12 characters, got 15"]),
    Case("bad-id-pattern",
         [f"{A}/risk.yaml:15: risk.risks[1].id: 'Risk2' does not match the required pattern ^R[0-9]{{1,3}}$"]),
    Case("evidence-neither-text-nor-mapping",
         [f"{A}/controls.yaml:8: controls.responses[0].evidence[1]: expected text or a mapping of fields "
          "(title, file), got 5"]),
    Case("evidence-mapping-typo",
         [f"{A}/controls.yaml:8: controls.responses[0].evidence[1].titel: unknown key; did you mean 'title'?"]),
    Case("text-with-colon-in-list",
         [f"{A}/controls.yaml:8: controls.responses[0].evidence[1]: expected text, got a mapping "
          "{'MTB-DD-2026-001': ...}; put text containing ': ' in quotes"]),
    Case("missing-field-named-date",
         [f"{A}/contingency.yaml:39: contingency.approval.date: required field is missing"]),
    Case("error-on-line-100",  # in a complete controls.yaml, long enough
         [f"{A}/controls.yaml:100: controls.responses[23].requiremnt: unknown key; did you mean 'requirement'?"],
         layers=["complete", "errors/error-on-line-100"]),
    Case("partial-without-action",
         [f"{A}/controls.yaml:16: controls.responses[3]: a response with status 'partial' needs an `action` "
          "with description, owner and due date"]),
    Case("top-level-list",
         [f"{A}/exit.yaml:1: exit: expected a mapping of fields (`key: value` lines) at the top of the file, "
          "got a list"]),

    # -- YAML hazards
    Case("duplicate-key",
         [f"{A}/vendor.yaml:3: vendor.short_name: duplicate key 'short_name' (first at line 2); "
          "YAML would keep only the last value: remove one"]),
    Case("syntax-error",
         [f"{A}/risk.yaml:3: YAML syntax: did not find expected ',' or ']' "
          "(while parsing a flow sequence that starts at line 2)"]),
    Case("line-without-colon",
         [f"{A}/vendor.yaml:3: YAML syntax: this line is not a `key: value` pair (could not find expected ':'); "
          "a key needs ': ' after it, and text continued from the line above needs more indentation than its key"]),
    Case("tab-indent", [f"{A}/arrangement.yaml:21: YAML syntax: a tab character; indent with spaces only"]),
    Case("unquoted-colon",
         [f"{A}/vendor.yaml:2: YAML syntax: mapping values are not allowed in this context; "
          "text containing ': ' must be quoted, and a key must not be indented more than the one above"]),
    Case("alias-bomb",  # a billion laughs appended to risk.yaml
         [f"{A}/risk.yaml:36: risk.laughs: this value expands to more than 200,000 values through anchors "
          "and aliases (`&name` / `*name`); write the values out instead"]),
    Case("alias-cycle",
         [f"{A}/risk.yaml:1: risk.assessment_date: an alias refers to a value that contains it; "
          "write the values out instead"]),
    Case("python-tag",
         [f"{A}/vendor.yaml:2: vendor.short_name: unsupported YAML tag '!!python/object/apply:os.system'; remove it"]),
    Case("over-size-limit", [f"{A}/risk.yaml: file is 1,000,008 bytes, over the limit of 1,000,000 bytes; split it"],
         layers=[], generated={f"{A}/risk.yaml": b"notes: " + b"x" * 1_000_000 + b"\n"}),
    Case("non-utf8-yaml", [f"{A}/exit.yaml:1: not valid UTF-8 (byte 0xff); save the file as UTF-8"]),
    Case("non-utf8-markdown",
         [f"{A}/description.md:3: not valid UTF-8 (byte 0xe9); save the file as UTF-8 "
          f"(included as arrangement.description from {A}/arrangement.yaml:9)"]),
    Case("control-character", [f"{A}/vendor.yaml:2: control character U+0007 is not allowed; remove it"]),
    Case("empty-file", [f"{A}/board.yaml: file is empty"]),
    Case("comment-only-file", [f"{A}/board.yaml: file is empty (only comments)"]),
    Case("missing-source-file",
         [f"{A}/risk.yaml: file not found: every arrangement needs a risk.yaml (see `regpack schema` for its fields)"],
         layers=[], removed=[f"{A}/risk.yaml"]),
    Case("misnamed-source-file",
         [f"{A}/risk.yaml: file not found: every arrangement needs a risk.yaml; rename risk.yml to risk.yaml"],
         layers=[], renamed={f"{A}/risk.yaml": f"{A}/risk.yml"}),
    Case("folder-without-arrangement",
         ["sources/mtb-core-banking: folder has YAML files but no arrangement.yaml, so it is not checked: "
          "add one, or move the folder out of sources/"]),
    Case("markdown-include-missing",
         [f"{A}/arrangement.yaml:9: arrangement.description: Markdown file 'descripton.md' not found "
          f"(looked for {A}/descripton.md)"]),
    Case("markdown-include-etc-passwd",
         [f"{A}/arrangement.yaml:9: arrangement.description: Markdown file '../../etc/passwd' lies outside "
          "the sources folder (sources/); move it inside"]),
    Case("markdown-include-outside-existing",  # notes/outside.md exists, beside sources/
         [f"{A}/board.yaml:14: board.executive_summary: Markdown file '../../notes/outside.md' lies outside "
          "the sources folder (sources/); move it inside"]),
    Case("markdown-include-empty",
         [f"{A}/description.md: file is empty (included as arrangement.description from {A}/arrangement.yaml:9)"]),
    Case("markdown-key-typo",
         [f"{A}/arrangement.yaml:9: arrangement.description: unknown key 'markdwn_file' in a text field; "
          "did you mean 'markdown_file'?"]),

    # -- cross-checks
    Case("evidence-file-missing",
         [f"{A}/controls.yaml:9: controls.responses[0].evidence[1].file: evidence file "
          f"'evidence/soc2-bridge-letter.pdf' not found (looked for {A}/evidence/soc2-bridge-letter.pdf)"]),
    Case("evidence-file-outside",  # notes/bridge.pdf exists, beside sources/
         [f"{A}/controls.yaml:9: controls.responses[0].evidence[1].file: evidence file '../../notes/bridge.pdf' "
          "lies outside the sources folder (sources/); move it inside"]),
    Case("evidence-file-present", [TODO_WARNING], code=0),
    Case("due-diligence-evidence-missing",
         [f"{A}/vendor.yaml:13: vendor.due_diligence.financial_soundness.evidence[1].file: evidence file "
          f"'evidence/annual-report.pdf' not found (looked for {A}/evidence/annual-report.pdf)"]),
    Case("duplicate-risk-id", [f"{A}/risk.yaml:15: risk.risks[1]: duplicate risk id 'R1' (first at line 5)"]),
    Case("duplicate-response",
         [f"{A}/controls.yaml:8: controls.responses[1]: duplicate response to requirement "
          "'SA2-1.2.1-seventh-schedule' (first at line 2)"]),
    Case("unknown-requirement",
         [f"{A}/controls.yaml:8: controls.responses[1].requirement: unknown requirement id "
          "'SA2-1.2.2-controls-not-weakend'; did you mean 'SA2-1.2.2-controls-not-weakened'?"]),
    Case("id-not-folder-name",
         [f"{A}/arrangement.yaml:1: arrangement.id: id 'mtb-payroll' must equal the folder name '{ARR}'"]),
    Case("overseas-without-section",  # the backup moves to Singapore
         [f"{A}/arrangement.yaml:49: arrangement.data.locations: data is located outside Hong Kong (Singapore): "
          "add an `overseas:` section (SA-2 2.9)"]),
    Case("go-live-too-soon",
         [f"{A}/arrangement.yaml:36: arrangement.dates.planned_go_live: go-live 2027-03-01 is only 52 days after "
          "the HKMA notification 2027-01-08; the institution's assumed lead time is 90 days (hkma.lead_time_days): "
          "move a date or change the assumption"]),
    Case("go-live-before-notification",
         [f"{A}/arrangement.yaml:35: arrangement.dates.contract_signing: contract signing 2027-02-15 is after "
          "go-live 2027-01-01",
          f"{A}/arrangement.yaml:36: arrangement.dates.planned_go_live: go-live 2027-01-01 is 7 days before "
          "the HKMA notification 2027-01-08; the institution's assumed lead time is 90 days (hkma.lead_time_days): "
          "move a date or change the assumption"]),
    Case("lead-time-raised",
         [f"{A}/arrangement.yaml:36: arrangement.dates.planned_go_live: go-live 2027-05-03 is only 115 days after "
          "the HKMA notification 2027-01-08; the institution's assumed lead time is 120 days "
          "(hkma.lead_time_days): move a date or change the assumption"]),
    Case("stale-attestation-warns",
         [f"warning: {A}/vendor.yaml:33: vendor.attestations[1].period_end: attestation 'SOC2-T2-2026' "
          "(SOC 2 Type 2 report) period ended 2025-08-28, "
          "498 days (over 12 months) before the submission date 2027-01-08: obtain the current report",
          TODO_WARNING], code=0, layers=["errors/stale-attestation"]),
    Case("stale-attestation-strict",
         [TODO_LINE,
          f"{A}/vendor.yaml:33: vendor.attestations[1].period_end: attestation 'SOC2-T2-2026' "
          "(SOC 2 Type 2 report) period ended 2025-08-28, "
          "498 days (over 12 months) before the submission date 2027-01-08: obtain the current report"],
         args=["--strict"], layers=["errors/stale-attestation"]),
    Case("board-after-notification-warns",
         [f"warning: {A}/arrangement.yaml:33: arrangement.dates.board_meeting: board meeting 2027-01-15 is after "
          "the HKMA notification 2027-01-08; the notification declares the board's approval: hold the meeting first",
          TODO_WARNING], code=0, layers=["errors/board-after-notification"]),
    Case("todo-is-a-warning", [TODO_WARNING], code=0, layers=[]),
    Case("todo-in-yaml", [TODO_WARNING, f"warning: {A}/exit.yaml:7: TODO marker: confirm with the Board"], code=0),
    Case("todo-final", [FINAL_TODO], args=["--final"], layers=["complete"]),
    Case("final-missing-response",
         [f"{A}/controls.yaml:1: controls.responses: no response to applicable requirement "
          "SA2-1.2.2-controls-not-weakened: add one (see `regpack coverage`)", FINAL_TODO],
         args=["--final"], layers=["complete", "errors/final-missing-response"]),
    Case("unknown-arrangement", [f"sources: no arrangement 'hmb-nope' (known: {ARR})"],
         args=["--arrangement", "hmb-nope"], layers=[]),

    # -- every error at once
    Case("three-files-at-once",
         ["sources/institution.yaml:5: institution.type: expected one of 'licensed_bank', "
          "'restricted_licence_bank' or 'deposit_taking_company', got 'bank'",
          f"{A}/risk.yaml:15: risk.risks[1].id: 'Risk2' does not match the required pattern ^R[0-9]{{1,3}}$",
          f"{A}/vendor.yaml:6: vendor.intra_group: expected true or false, got 'perhaps'"],
         layers=["errors/text-for-bool", "errors/bad-id-pattern", "errors/three-files-at-once"]),
    Case("include-and-field-in-one-file",
         [f"{A}/arrangement.yaml:6: arrangement.banking_related: expected true or false, got 'maybe'",
          f"{A}/arrangement.yaml:9: arrangement.description: Markdown file 'nope.md' not found "
          f"(looked for {A}/nope.md)"]),
    Case("yaml-and-validation-in-two-files",
         [f"{A}/board.yaml: file is empty",
          f"{A}/exit.yaml:17: exit.duration_months: expected a number, got 'four'"],
         layers=["errors/empty-file", "errors/yaml-and-validation-in-two-files"]),

    # -- text that looks like markup is just text
    Case("template-characters-are-text", [TODO_WARNING], code=0),
]


assert len({c.id for c in CASES}) == len(CASES)


# ---- runners -------------------------------------------------------------------------------------

_LINT: dict = {}


def _cached_lint(original):
    """Linting the Word templates takes most of a check; every case here uses the same templates. Only
    the lint that depends on the templates alone is cached: with sound sources (`gathered`) it also
    checks the templates against their data, so it runs afresh."""
    def lint(project, names, gathered=None):
        if gathered is not None:
            return original(project, names, gathered)
        key = (tuple((p.name, p.read_bytes()) for p in sorted(project.templates.glob("*"))), frozenset(names))
        if key not in _LINT:
            problems = original(project, names)
            if problems:  # template problems are reported afresh, never cached
                return problems
            _LINT[key] = problems
        return _LINT[key]
    return lint


def check(project: Path, *args: str, monkeypatch, capsys) -> tuple[int, list[str]]:
    """`regpack -C project check ARGS` in-process; returns the exit code and the stderr lines."""
    import pipeline.gather as gather_module
    monkeypatch.setattr(gather_module, "lint_templates", _cached_lint(gather_module.lint_templates))
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


def test_every_overlay_belongs_to_a_case():
    """Every folder under tests/projects/errors/ is a layer of some case, and every layer named exists."""
    named = {layer for case in CASES for layer in (case.layers if case.layers is not None else [f"errors/{case.id}"])}
    missing = sorted(layer for layer in named if not (PROJECTS / layer).is_dir())
    assert not missing
    assert {f"errors/{p.name}" for p in (PROJECTS / "errors").iterdir()} <= named


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_project(case: Case, tmp_path: Path, monkeypatch, capsys):
    project = case.make(tmp_path / "project")
    code, lines = check(project, *case.args, monkeypatch=monkeypatch, capsys=capsys)
    assert lines == expected_stderr(case)
    assert code == case.code


SUBPROCESS_CASES = ["bad-date-last-year", "error-on-line-100", "alias-bomb", "stale-attestation-strict",
                    "todo-is-a-warning", "three-files-at-once"]


@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_broken_project_subprocess(case_id: str, tmp_path: Path):
    """The real command line: exact stderr, exit code, and never a traceback."""
    case = next(c for c in CASES if c.id == case_id)
    project = case.make(tmp_path / "project")
    result = regpack(project, "check", *case.args)
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == expected_stderr(case)
    assert result.returncode == case.code
    if case.code == 0:
        assert result.stdout.startswith("ok: 1 arrangement(s)")


def test_the_example_checks_without_a_warning(tmp_path: Path, monkeypatch, capsys):
    """The shipped example is what a bank would send: no problem, no warning, even under --final --strict."""
    project = copy_project(tmp_path / "example")
    code, lines = check(project, "--final", "--strict", monkeypatch=monkeypatch, capsys=capsys)
    assert lines == []
    assert code == 0


def test_no_traceback_without_verbose(tmp_path: Path, monkeypatch, capsys):
    """Source errors never show a traceback, even with -v; an internal error shows one only with -v."""
    project = sample_project(tmp_path / "project", "errors/top-level-list")
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


def test_check_writes_nothing(tmp_path: Path, monkeypatch, capsys):
    project = sample_project(tmp_path / "project")
    with_previous_build(project)
    before = snapshot(project)
    code, _ = check(project, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0
    assert snapshot(project) == before
    shutil.copytree(PROJECTS / "errors" / "unknown-key-did-you-mean", project, dirs_exist_ok=True)
    broken = snapshot(project)
    assert broken != before
    code, _ = check(project, "--strict", "--final", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2
    assert snapshot(project) == broken


def test_failed_build_writes_nothing(tmp_path: Path):
    """A build that fails in the gather stage leaves every byte of the project, build/ included, as it was."""
    project = sample_project(tmp_path / "project", "errors/unknown-key-did-you-mean")
    (project / A / "risk.yaml").unlink()
    with_previous_build(project)
    before = snapshot(project)
    result = regpack(project, "build")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{A}/risk.yaml: file not found: every arrangement needs a risk.yaml (see `regpack schema` for its fields)",
        f"{A}/vendor.yaml:6: vendor.intra_grup: unknown key; did you mean 'intra_group'?",
        "2 problems found; nothing was written."]
    assert snapshot(project) == before


# ---- JSON Schema for editors ---------------------------------------------------------------------

SCHEMA_LINE = re.compile(r"# yaml-language-server: \$schema=(\S+)$")
EXAMPLE = "hmb-payments-hub-aws"


def yaml_files(sources: Path, arrangement: str) -> list[tuple[str, Path]]:
    return [("institution", sources / "institution.yaml"),
            *((kind, sources / arrangement / f"{kind}.yaml") for kind in SOURCE_KINDS)]


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


def test_example_sources_point_at_their_schema(tmp_path: Path, monkeypatch, capsys):
    project = copy_project(tmp_path / "example")
    shutil.rmtree(project / "sources" / "schema", ignore_errors=True)
    monkeypatch.chdir(project)
    assert main(["schema", "sources/schema"]) == 0
    for kind, path in yaml_files(project / "sources", EXAMPLE):
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


@pytest.mark.parametrize("sources, arrangement", [(ROOT / "sources", EXAMPLE),
                                                  (PROJECTS / "minimal" / "sources", ARR)],
                         ids=["example", "minimal"])
def test_sources_validate_against_their_schema(tmp_path, sources: Path, arrangement: str):
    import jsonschema  # a test dependency (pyproject.toml, [test]): this test never skips
    assert main(["schema", str(tmp_path / "schema")]) == 0
    for kind, path in yaml_files(sources, arrangement):
        data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
        schema = json.loads((tmp_path / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator(schema).validate(data)

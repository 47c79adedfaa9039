"""Source checks of issue 17 (items 3, 8 and 9): recovery targets and test results, what a final build
refuses, hostile characters and Markdown the documents cannot carry, symlinked sources, `schema` and
`scaffold` / `init`.

Each case copies the example project, changes it in one way and asserts the exact lines `regpack check`
prints (in-process for speed; a few as a subprocess for the real exit code)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ARR, ROOT, copy_project, regpack

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.catalog.loader import load_catalog  # noqa: E402
from pipeline.cli import main  # noqa: E402
from pipeline.gather import gather  # noqa: E402
from pipeline.project import BuildOptions, Project  # noqa: E402
from pipeline.sources.yamlreader import load_yaml  # noqa: E402

A = f"sources/{ARR}"
FINAL_BREACH = " (a final build allows no breach of the recovery targets or the tolerance)"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("sample"))


@pytest.fixture
def project(sample, tmp_path) -> Path:
    dest = tmp_path / "project"
    shutil.copytree(sample, dest, symlinks=True)
    return dest


_LINT: dict = {}


@pytest.fixture(autouse=True)
def _cached_template_lint(monkeypatch):
    """Template lint takes most of a check and the templates are the example's in every case here."""
    import pipeline.gather as gather_module
    original = gather_module.lint_templates

    def lint(project, names, gathered=None):  # gathered: sources whose paths templates are checked against
        key = (tuple((p.name, p.read_bytes()) for p in sorted(project.templates.glob("*"))), gathered is None)
        if key not in _LINT:
            _LINT[key] = original(project, names, gathered)
        return _LINT[key]
    monkeypatch.setattr(gather_module, "lint_templates", lint)


def edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {rel}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line(project: Path, rel: str, needle: str) -> int:
    """The 1-based line of the one line of `rel` that contains `needle` (the example changes; tests follow)."""
    lines = (project / rel).read_text(encoding="utf-8").splitlines()
    hits = [number for number, text in enumerate(lines, start=1) if needle in text]
    assert len(hits) == 1, f"{needle!r} is on lines {hits} of {rel}"
    return hits[0]


def set_value(project: Path, rel: str, loc: tuple, value: str) -> int:
    """Set the scalar at `loc` (a key already in the file) to `value`; returns its line."""
    path = project / rel
    at = load_yaml(path).line_of(loc)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    key = f"{loc[-1]}:"
    assert key in lines[at - 1], f"{key} is not on line {at} of {rel}"
    lines[at - 1] = lines[at - 1][: lines[at - 1].index(key) + len(key)] + f" {value}\n"
    path.write_text("".join(lines), encoding="utf-8")
    return at


def restore_test(project: Path) -> dict:
    """The example's ransomware restore test (contingency.tests[2]), as the file has it."""
    test = load_yaml(project / A / "contingency.yaml").data["tests"][2]
    assert "ransomware" in test["type"]
    return test


def response_index(project: Path, requirement: str) -> int:
    data = yaml.safe_load((project / A / "controls.yaml").read_text(encoding="utf-8"))
    return [r["requirement"] for r in data["responses"]].index(requirement)


def check(project: Path, *args: str, monkeypatch, capsys) -> tuple[int, list[str]]:
    monkeypatch.chdir(project)
    capsys.readouterr()
    code = main(["-C", str(project), "check", *args])
    return code, capsys.readouterr().err.splitlines()


def ours(lines: list[str]) -> list[str]:
    """The lines of a check other than the example's own TODO marker, its ransomware test and the
    checks of other issues (stated facts, inapplicable responses), so each case sees only its change."""
    theirs = ("stated", "states", "does not apply to this arrangement")
    return sorted(text for text in lines if "cost-benefit.md:14:" not in text
                  and not any(t in text for t in theirs) and not text.endswith("nothing was written."))


# ---- 1. recovery targets against the tolerance, test results against the targets ------------------

def test_a_restore_test_that_missed_the_rto_warns(project, monkeypatch, capsys):
    """The example's ransomware restore took 3 h 10 min against a 2-hour RTO (issue 13)."""
    at = set_value(project, f"{A}/contingency.yaml", ("tests", 2, "achieved_recovery_minutes"), "190")
    test = restore_test(project)
    code, lines = check(project, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0
    assert ours(lines) == [
        f"warning: {A}/contingency.yaml:{at}: contingency.tests[2].achieved_recovery_minutes: test {test['type']!r} "
        f"on {test['last_date']} recovered in 3 h 10 min, missing the RTO of 2 h (contingency.rto_hours): report "
        "the miss, fix the recovery and test again"]
    code, lines = check(project, "--final", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and any(text.startswith(f"{A}/contingency.yaml:{at}: ") and text.endswith(FINAL_BREACH)
                             for text in lines)


def test_rto_beyond_the_tolerance_warns_in_a_draft(project, monkeypatch, capsys):
    edit(project, f"{A}/contingency.yaml", "rto_hours: 2\n", "rto_hours: 48\n")
    at = line(project, f"{A}/contingency.yaml", "rto_hours: 48")
    code, lines = check(project, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0
    assert ours(lines) == [
        f"warning: {A}/contingency.yaml:{at}: contingency.rto_hours: the RTO of 48 h is beyond the 4 h tolerance for "
        "disruption of Retail payments (arrangement.critical_operations[0].tolerance_hours): the operation could not "
        "be recovered in time; shorten the RTO (and the recovery it needs) or review the tolerance",
        f"warning: {A}/contingency.yaml:{at}: contingency.rto_hours: the RTO of 48 h is longer than the maximum "
        "tolerable outage of 4 h (contingency.mto_hours): recovery must come before the outage becomes "
        "intolerable; correct one of them"]


def test_rto_beyond_the_tolerance_fails_a_final_strict_check(project):
    edit(project, f"{A}/contingency.yaml", "rto_hours: 2\n", "rto_hours: 48\n")
    result = regpack(project, "check", "--final", "--strict")
    assert result.returncode == 2, result.stderr
    at = line(project, f"{A}/contingency.yaml", "rto_hours: 48")
    assert (f"{A}/contingency.yaml:{at}: contingency.rto_hours: the RTO of 48 h is beyond the 4 h tolerance for "
            "disruption of Retail payments (arrangement.critical_operations[0].tolerance_hours): the operation could "
            "not be recovered in time; shorten the RTO (and the recovery it needs) or review the tolerance"
            + FINAL_BREACH) in result.stderr.splitlines()
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("old, new, expected", [
    ("mto_hours: 4\n", "mto_hours: 6\n",
     f"{A}/contingency.yaml:{{at}}: contingency.mto_hours: the maximum tolerable outage of 6 h is beyond the 4 h "
     "tolerance for disruption of Retail payments (arrangement.critical_operations[0].tolerance_hours): an outage the "
     "plan tolerates would breach it; set mto_hours within the tolerance"),
    ("rto_hours: 2\n", "rto_hours: 3\n", None),  # within the tolerance and the MTO: nothing to say
    ("    recovery_hours: 4\n", "    recovery_hours: 4.5\n",
     f"{A}/contingency.yaml:{{at}}: contingency.scenarios[3].recovery_hours: scenario S4 (Ransomware or destructive "
     "cyber attack) plans recovery in 4 h 30 min, beyond the 4 h tolerance for disruption of Retail payments "
     "(arrangement.critical_operations[0].tolerance_hours): plan a faster recovery for it"),
], ids=["mto-beyond-tolerance", "rto-within", "scenario-beyond-tolerance"])
def test_recovery_relations(old, new, expected, project, monkeypatch, capsys):
    edit(project, f"{A}/contingency.yaml", old, new)
    at = line(project, f"{A}/contingency.yaml", new.strip())
    code, lines = check(project, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0
    assert ours(lines) == ([f"warning: {expected.format(at=at)}"] if expected else [])


def test_a_restore_test_that_missed_the_rpo_warns(project, monkeypatch, capsys):
    at = set_value(project, f"{A}/contingency.yaml", ("tests", 2, "achieved_data_loss_minutes"), "20")
    test = restore_test(project)
    assert ours(check(project, monkeypatch=monkeypatch, capsys=capsys)[1]) == [
        f"warning: {A}/contingency.yaml:{at}: contingency.tests[2].achieved_data_loss_minutes: test {test['type']!r} "
        f"on {test['last_date']} lost 20 min of data, missing the RPO of 15 min (contingency.rpo_minutes): report "
        "the miss, fix the backup or replication and test again"]


def test_a_breach_carries_its_code_and_fields(project, monkeypatch):
    set_value(project, f"{A}/contingency.yaml", ("tests", 2, "achieved_recovery_minutes"), "190")
    monkeypatch.chdir(project)
    warnings = gather(Project.at(project), BuildOptions(), lint=False).warnings
    breach = next(p for p in warnings if p.code == "continuity-breach")
    assert breach.data == {"field": "contingency.tests.2.achieved_recovery_minutes", "value": 190,
                           "limit_field": "contingency.rto_hours", "limit": 120, "unit": "minutes"}


# ---- 2. what a final build refuses ---------------------------------------------------------------------

REQ = "SA2-2.9.1c-customer-location-notice"  # the example's open item due 2027-02-12


def test_past_due_action_warns_and_a_final_build_refuses_it(project, monkeypatch, capsys):
    edit(project, f"{A}/controls.yaml", "      due: 2027-02-12\n", "      due: 2020-01-31\n")
    at, index = line(project, f"{A}/controls.yaml", "due: 2020-01-31"), response_index(project, REQ)
    expected = (f"{A}/controls.yaml:{at}: controls.responses[{index}].action.due: {REQ}: the action is due "
            "2020-01-31, before the HKMA notification date 2027-01-08 (arrangement.dates.hkma_notification), so it is "
            "past due in the pack: complete it and update the status, or set a new due date")
    assert ours(check(project, monkeypatch=monkeypatch, capsys=capsys)[1]) == [f"warning: {expected}"]
    code, lines = check(project, "--final", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and f"{expected} (a final build allows no past-due actions)" in lines


def test_lower_case_todo_tbd_and_tbc_are_markers(project, monkeypatch, capsys):
    edit(project, f"{A}/exit.yaml", "target_state: alternative_provider",
         "target_state: alternative_provider  # todo: confirm with the Board")
    edit(project, f"{A}/recovery-strategy.md", "for longer than the 4-hour tolerance.",
         "for longer than the 4-hour tolerance (TBC).\nOwner: TBD")
    edit(project, f"{A}/vendor.yaml", "short_name: AWS", 'short_name: "AWS tbd"')
    at = line(project, f"{A}/exit.yaml", "# todo: confirm")
    expected = [f"warning: {A}/exit.yaml:{at}: TODO marker: confirm with the Board",
                f"warning: {A}/recovery-strategy.md:2: TBC marker: for longer than the 4-hour tolerance (TBC).",
                f"warning: {A}/recovery-strategy.md:3: TBD marker: Owner: TBD",
                f'warning: {A}/vendor.yaml:5: TBD marker: short_name: "AWS tbd"']
    assert ours(check(project, monkeypatch=monkeypatch, capsys=capsys)[1]) == expected
    code, lines = check(project, "--final", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2
    assert f"{A}/recovery-strategy.md:3: TBD marker: Owner: TBD (a final build allows no TBD markers)" in lines
    assert f"{A}/exit.yaml:{at}: TODO marker: confirm with the Board (a final build allows no TODO markers)" in lines


def test_words_containing_the_letters_are_not_markers(project, monkeypatch, capsys):
    edit(project, f"{A}/vendor.yaml", "short_name: AWS", 'short_name: "AWS todos TBDX"')
    assert ours(check(project, monkeypatch=monkeypatch, capsys=capsys)[1]) == []


@pytest.mark.parametrize("response, refused", [("N/A", True), ("Not applicable.", True),
                                               ("Not applicable: HMB holds no such data.", False)])
def test_not_applicable_needs_a_reason(response, refused, project, monkeypatch, capsys):
    edit(project, f"{A}/controls.yaml", "  - requirement: SA2-2.3.1-financial-soundness\n    responsibility: customer\n"
         "    status: met\n    response: >-\n",  # the old response text becomes the provider's
         f"  - requirement: SA2-2.3.1-financial-soundness\n    responsibility: customer\n"
         f"    status: not_applicable\n    response: {json.dumps(response)}\n    provider_response: >-\n")
    at = line(project, f"{A}/controls.yaml", f"response: {json.dumps(response)}")
    index = response_index(project, "SA2-2.3.1-financial-soundness")
    expected = (f"{A}/controls.yaml:{at}: controls.responses[{index}].response: SA2-2.3.1-financial-soundness applies to this "
            "arrangement but is marked not_applicable without a reason: say in `response` why it does not apply "
            "(a sentence, not just 'N/A')")
    assert ours(check(project, monkeypatch=monkeypatch, capsys=capsys)[1]) == ([f"warning: {expected}"] if refused else [])
    code, lines = check(project, "--final", monkeypatch=monkeypatch, capsys=capsys)
    assert (f"{expected} (a final build needs the reason why a requirement does not apply)" in lines) == refused


# ---- 3. an attestation period that ends before it starts ---------------------------------------------

def test_attestation_period_ending_before_it_starts(project, monkeypatch, capsys):
    edit(project, f"{A}/vendor.yaml", "    period_start: 2026-04-01\n    period_end: 2026-09-30\n  - id: SOC2-T2",
         "    period_start: 2026-10-01\n    period_end: 2026-09-30\n  - id: SOC2-T2")
    at = line(project, f"{A}/vendor.yaml", "period_start: 2026-10-01") + 1
    code, lines = check(project, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2
    assert lines == [f"{A}/vendor.yaml:{at}: vendor.attestations[3].period_end: the period ends (2026-09-30) before it "
                     "starts (period_start 2026-10-01): swap the dates or correct one",
                     "1 problem found; nothing was written."]


# ---- 4. characters the PDF would not show as written -------------------------------------------------

def test_bidi_controls_are_errors_naming_the_character(project, monkeypatch, capsys):
    edit(project, f"{A}/vendor.yaml", "short_name: AWS", "short_name: AWS \u202eSBA\u202c")
    edit(project, f"{A}/recovery-strategy.md", "for longer than the 4-hour tolerance.",
         "for longer than the \u2067four\u2069-hour tolerance.")
    edit(project, f"{A}/risk.yaml", "approved_by: Chief Risk Officer;",
         'approved_by: "\\u202dChief Risk Officer"\nnotes_:')  # an escape in YAML; the rest an unknown key
    edit(project, f"{A}/risk.yaml", "notes_:", "#")
    code, lines = check(project, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2
    why = ("a bidirectional control character: it reorders the text around it, so the PDF could show other words "
           "than the source; remove it")
    assert ours(lines) == [
        f"{A}/recovery-strategy.md:2: U+2067 RIGHT-TO-LEFT ISOLATE, {why}",
        f"{A}/recovery-strategy.md:2: U+2069 POP DIRECTIONAL ISOLATE, {why}",
        f"{A}/risk.yaml:5: risk.approved_by: U+202D LEFT-TO-RIGHT OVERRIDE, {why}",
        f"{A}/vendor.yaml:5: vendor.short_name: U+202C POP DIRECTIONAL FORMATTING, {why}",
        f"{A}/vendor.yaml:5: vendor.short_name: U+202E RIGHT-TO-LEFT OVERRIDE, {why}"]


def test_characters_no_font_has_are_warnings(project, monkeypatch, capsys):
    from pipeline.sources import text_checks
    monkeypatch.setattr(text_checks, "font_covers", lambda codepoint: codepoint not in (0x1F600, 0x20000))
    edit(project, f"{A}/vendor.yaml", "short_name: AWS", "short_name: AWS \U0001F600")
    edit(project, f"{A}/recovery-strategy.md", "The hub is designed", "The \U00020000 hub is designed")
    edit(project, f"{A}/risk.yaml", "approved_by: Chief", "approved_by: \u00a9 Chief")  # a font has it: silent
    lines = ours(check(project, monkeypatch=monkeypatch, capsys=capsys)[1])
    why = "no installed font has this character, so the PDF would show a blank or a box; write it out in words, " \
          "or install a font that has it"
    assert lines == [f"warning: {A}/recovery-strategy.md:1: U+20000 CJK UNIFIED IDEOGRAPH-20000: {why}",
                     f"warning: {A}/vendor.yaml:5: vendor.short_name: U+1F600 GRINNING FACE: {why}"]


def test_font_coverage_asks_fontconfig():
    from pipeline.sources import text_checks
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig is not installed")
    assert text_checks.font_covers(ord("A"))
    assert not text_checks.font_covers(0x10FFFD)  # a private-use character no font has


def test_a_word_longer_than_a_line_can_hold(project, monkeypatch, capsys):
    edit(project, f"{A}/recovery-strategy.md", "The hub is designed", "The " + "x" * 5000 + " hub is designed")
    code, lines = check(project, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2
    assert ours(lines) == [f"{A}/recovery-strategy.md:1: a word of 5,000 characters with no space ('xxxxxxxxxxxxxxxxxxxx'"
                           "...): LibreOffice cannot lay it out on a page; break it up (at most 1,000 characters)"]


# ---- 5. sources from outside, Markdown the documents cannot carry ------------------------------------------

def test_a_yaml_source_linked_from_outside_is_refused(project, tmp_path, monkeypatch, capsys):
    outside = tmp_path / "risk.yaml"
    (project / A / "risk.yaml").rename(outside)
    (project / A / "risk.yaml").symlink_to(outside)
    code, lines = check(project, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2
    assert lines == [f"{A}/risk.yaml: is a link to {outside}, outside the sources folder (sources/): copy the file "
                     "into the sources folder instead", "1 problem found; nothing was written."]


def test_a_yaml_source_linked_inside_the_sources_is_read(project, monkeypatch, capsys):
    (project / A / "risk.yaml").rename(project / "sources" / "shared-risk.yaml")
    (project / A / "risk.yaml").symlink_to(project / "sources" / "shared-risk.yaml")
    assert check(project, monkeypatch=monkeypatch, capsys=capsys)[0] == 0


def test_markdown_images_and_relative_links_warn(project, monkeypatch, capsys):
    edit(project, f"{A}/recovery-strategy.md", "The hub is designed",
         "![Network diagram](diagram.png) See [the runbook](runbook.md), [AWS](https://aws.amazon.com) "
         "and `![code](x.png)`. The hub is designed")
    edit(project, f"{A}/vendor.yaml", "short_name: AWS", 'short_name: "AWS ![](logo.png)"')
    assert ours(check(project, monkeypatch=monkeypatch, capsys=capsys)[1]) == [
        f"warning: {A}/recovery-strategy.md:1: Markdown image 'diagram.png': the documents do not embed images, "
        "only its alt text 'Network diagram' is shown; describe the picture in words, or ask for it to be added "
        "to the template",
        f"warning: {A}/recovery-strategy.md:1: link to 'runbook.md': the documents keep only its text 'the "
        "runbook' (only http(s) and mailto links are kept); write the full address, or drop the link",
        f"warning: {A}/vendor.yaml:5: vendor.short_name: Markdown image 'logo.png': the documents do not embed "
        "images, nothing of it is shown (no alt text); describe the picture in words, or ask for it to be added "
        "to the template"]


@pytest.mark.parametrize("depth", [400, 700])
def test_a_deeply_nested_markdown_list_is_an_error_at_its_line(depth, project, monkeypatch, capsys):
    nested = "\n".join("    " * level + f"- level {level + 1}" for level in range(depth))
    edit(project, f"{A}/recovery-strategy.md", "The hub is designed", nested + "\n\nThe hub is designed")
    code, lines = check(project, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2
    assert ours(lines) == [f"{A}/recovery-strategy.md:10: Markdown list nested {depth} levels deep from this line "
                           "on; the documents number lists and indent quotes at most 9 levels deep: flatten it"]


def test_nine_levels_of_list_are_fine(project, monkeypatch, capsys):
    nested = "\n".join("    " * level + f"- level {level + 1}" for level in range(9))
    edit(project, f"{A}/recovery-strategy.md", "The hub is designed", nested + "\n\nThe hub is designed")
    assert ours(check(project, monkeypatch=monkeypatch, capsys=capsys)[1]) == []


# ---- 6. `regpack schema DIR` ----------------------------------------------------------------------------

def test_schema_onto_an_existing_file_is_refused_clearly(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schemas").write_text("not a folder")
    capsys.readouterr()
    assert main(["schema", "schemas"]) == 1
    assert capsys.readouterr().err.strip() == ("error: schemas is a file, not a folder: name the folder the schemas "
                                               "go in (e.g. `regpack schema sources/schema`)")
    (tmp_path / "out" / "controls.schema.json").mkdir(parents=True)
    assert main(["schema", "out"]) == 1
    assert capsys.readouterr().err.strip() == ("error: out/controls.schema.json exists and is not a file: move it "
                                               "away and run again")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["controls.schema.json"]  # nothing written


def test_schema_overwrites_its_own_files(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["schema", "out"]) == 0
    (tmp_path / "out" / "risk.schema.json").write_text("{}")
    assert main(["schema", "out"]) == 0
    assert json.loads((tmp_path / "out" / "risk.schema.json").read_text())["title"] == "regpack risk source"


def test_the_controls_schema_lists_the_requirement_ids(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["schema", "out"]) == 0
    schema = json.loads((tmp_path / "out" / "controls.schema.json").read_text())
    field = schema["$defs"]["ControlResponse"]["properties"]["requirement"]
    assert field["enum"] == [r.id for r in load_catalog().requirements] and len(field["enum"]) > 100
    committed = json.loads((ROOT / "sources" / "schema" / "controls.schema.json").read_text())
    assert committed["$defs"]["ControlResponse"]["properties"]["requirement"] == field


# ---- 7. `regpack init` and `regpack scaffold` -----------------------------------------------------------

def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_init_writes_a_project_that_checks_with_todo_warnings_only(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--arrangement", "acme-core-banking-gcp"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "wrote sources/acme-core-banking-gcp/controls.yaml (144 TODO responses)" in out
    assert "wrote templates/board-paper.docx" in out
    code, lines = check(tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0 and len(lines) > 144
    assert all(" marker: " in line and line.startswith("warning: sources/") for line in lines), \
        [line for line in lines if " marker: " not in line]
    cov = json.loads(regpack(tmp_path, "coverage", "--json").stdout)["arrangements"]["acme-core-banking-gcp"]
    assert cov["gaps"] == [] and cov["answered"] == cov["applicable"] == 144
    code, lines = check(tmp_path, "--final", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and lines[-1].endswith("nothing was written.")


def test_scaffold_never_overwrites_and_adds_only_missing_responses(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--arrangement", "acme-core-banking-gcp"]) == 0
    before = _digest(tmp_path)
    capsys.readouterr()
    assert main(["scaffold", "--arrangement", "acme-core-banking-gcp"]) == 0
    assert _digest(tmp_path) == before
    assert "kept sources/acme-core-banking-gcp/controls.yaml (every applicable requirement has a response)" \
        in capsys.readouterr().out.splitlines()
    controls = tmp_path / "sources" / "acme-core-banking-gcp" / "controls.yaml"
    text = controls.read_text()
    start = text.index("  # SA-2")
    end = text.index("\n\n", start) + 2
    kept = text[:start] + text[end:].replace("TODO: how the institution meets this requirement",
                                             "our own words on this one", 1)
    controls.write_text(kept)
    assert main(["scaffold", "--arrangement", "acme-core-banking-gcp"]) == 0
    assert capsys.readouterr().out.splitlines()[-2] == (
        "added sources/acme-core-banking-gcp/controls.yaml (1 TODO responses to requirements it lacked; nothing "
        "else changed)")
    after = controls.read_text()
    assert after.startswith(kept) and "our own words on this one" in after
    assert after[len(kept):].lstrip("\n").startswith("  # SA-2 §1.2.1: ")
    assert check(tmp_path, monkeypatch=monkeypatch, capsys=capsys)[0] == 0


def test_scaffold_adds_an_arrangement_beside_the_example(project, monkeypatch, capsys):
    before = _digest(project)
    monkeypatch.chdir(project)
    assert main(["scaffold", "--arrangement", "hmb-cards-gcp"]) == 0
    after = _digest(project)
    assert {k: v for k, v in after.items() if k in before} == before
    assert sorted(set(after) - set(before)) == [f"sources/hmb-cards-gcp/{k}.yaml" for k in
                                                ("arrangement", "board", "contingency", "controls", "exit", "risk",
                                                 "vendor")]
    code, lines = check(project, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0
    assert all(" marker: " in line for line in ours(lines) if "hmb-cards-gcp" in line)


def test_scaffold_refuses_a_bad_id(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["scaffold", "--arrangement", "Bad_Id"]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: arrangement id 'Bad_Id' must be 3-63 characters of lower-case letters, digits and hyphens, "
        "starting with a letter or digit (e.g. hmb-payments-hub-aws)")
    assert not any(tmp_path.iterdir())

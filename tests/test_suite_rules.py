"""Rules of the test suite itself: the `libreoffice` marker (the rule that sets it, and the guard that
fails an unmarked test starting LibreOffice in a run without LibreOffice tests, `make test-fast`), and
ooxml-check, which only a run outside CI may skip."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import tests.conftest as conftest
from libreoffice_marker import starts_libreoffice

TESTS = Path(__file__).resolve().parent


# The rule reads source code: nothing below runs (regpack and Converter are not even defined here).

def builds(project):
    regpack(project, "build", "--final")  # noqa: F821


def checks(project):
    regpack(project, "check")  # noqa: F821


def builds_among_other_commands(project):
    for command in (("check",), ("build",)):
        regpack(project, *command)  # noqa: F821


def checks_and_reads_the_build_folder(project):
    regpack(project, "check")  # noqa: F821
    return project / "build" / "manifest.json"


def builds_through_a_helper(project):
    checks(project)
    builds(project)


def converts_with_a_fake_soffice(script):
    Converter(workers=1, soffice=str(script))  # noqa: F821


def converts_with_libreoffice():
    Converter(workers=1, timeout=60)  # noqa: F821


def test_the_rule_sees_what_starts_libreoffice():
    assert starts_libreoffice(builds)
    assert starts_libreoffice(builds_through_a_helper)
    assert starts_libreoffice(builds_among_other_commands)
    assert starts_libreoffice(converts_with_libreoffice)
    assert not starts_libreoffice(checks)
    assert not starts_libreoffice(checks_and_reads_the_build_folder)
    assert not starts_libreoffice(converts_with_a_fake_soffice)


def test_the_suite_marks_builds_and_leaves_checks_out():
    listed = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "libreoffice",
                             "-p", "no:cacheprovider", str(TESTS / "test_source_errors.py")],
                            capture_output=True, text=True, cwd=TESTS.parent, timeout=120)
    marked = [line for line in listed.stdout.splitlines() if "::" in line]
    assert marked == ["tests/test_source_errors.py::test_failed_build_writes_nothing"], listed.stdout


UNMARKED = '''
import os, subprocess, pytest

def regpack(*args):
    raise AssertionError("deselected: never runs")

def test_starts_libreoffice_unmarked():
    subprocess.run([os.environ.get("REGPACK_SOFFICE", "soffice"), "--version"], capture_output=True)

def test_builds():  # marked by the rule
    regpack("project", "build")

@pytest.mark.libreoffice
def test_marked():
    raise AssertionError("deselected: never runs")

def test_plain():
    pass
'''


def test_a_fast_run_fails_an_unmarked_test_that_starts_libreoffice(tmp_path):
    (tmp_path / "conftest.py").write_text(
        "import importlib.util, sys\n"
        f"sys.path.insert(0, {str(TESTS)!r})\n"
        f"spec = importlib.util.spec_from_file_location('regpack_conftest', {str(TESTS / 'conftest.py')!r})\n"
        "regpack_conftest = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(regpack_conftest)\n"
        "pytest_collection_modifyitems = regpack_conftest.pytest_collection_modifyitems\n"
        "pytest_collection_finish = regpack_conftest.pytest_collection_finish\n"
        "pytest_runtest_makereport = regpack_conftest.pytest_runtest_makereport\n"
        "pytest_unconfigure = regpack_conftest.pytest_unconfigure\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    libreoffice: starts LibreOffice\n")
    (tmp_path / "test_sample.py").write_text(UNMARKED)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "not libreoffice", "-p", "no:cacheprovider",
                             "-W", "ignore::pytest.PytestAssertRewriteWarning", str(tmp_path)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "1 failed, 1 passed, 2 deselected" in out, out
    assert ("test_sample.py::test_starts_libreoffice_unmarked started LibreOffice in a run without LibreOffice "
            "tests (test_sample.py::test_starts_libreoffice_unmarked (call)): mark it @pytest.mark.libreoffice") in out


def test_a_missing_ooxml_check_skips_locally_and_fails_under_ci(monkeypatch, tmp_path):
    missing = tmp_path / "tools" / "ooxml-check"
    monkeypatch.setattr(conftest, "OOXML_CHECK", missing)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=f"looked for {missing} \\(skipped outside CI"):
        conftest.ooxml_check([])
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=f"looked for {missing}; CI must validate every .docx"):
        conftest.ooxml_check([])

"""Shared fixtures: real sample projects built in temporary folders with the real LibreOffice.

Sample projects live in tests/projects/ (see its README): `sample_project(dest, *layers)` copies the
minimal project and the templates, then each layer over it. Tests that start LibreOffice carry the
`libreoffice` marker (set here by rule, see tests/libreoffice_marker.py); `make test-fast` leaves them out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import libreoffice_marker

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = ROOT / "tests" / "projects"
OOXML_CHECK = ROOT.parent / "shared" / "tools" / "ooxml-check"
ARR = "hmb-payments-hub-aws"
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z


def copy_project(dest: Path) -> Path:
    """A fresh sample project: the example sources and the templates."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "sources", dest / "sources")
    shutil.copytree(ROOT / "templates", dest / "templates")
    return dest


def sample_project(dest: Path, *layers: str) -> Path:
    """tests/projects/minimal/ and the templates in `dest`, then each layer (a folder under
    tests/projects/ holding only the files that differ, e.g. "errors/text-for-bool") copied over it."""
    shutil.copytree(PROJECTS / "minimal", dest, dirs_exist_ok=True)
    shutil.copytree(ROOT / "templates", dest / "templates")
    for layer in layers:
        if not (PROJECTS / layer).is_dir():
            raise FileNotFoundError(f"no sample project layer {PROJECTS / layer}")
        shutil.copytree(PROJECTS / layer, dest, dirs_exist_ok=True)
    return dest


def add_arrangement(project: Path, new_id: str) -> str:
    """A second arrangement in `project`: a copy of the example under `new_id`."""
    shutil.copytree(project / "sources" / ARR, project / "sources" / new_id)
    arrangement = project / "sources" / new_id / "arrangement.yaml"
    arrangement.write_text(arrangement.read_text().replace(f"id: {ARR}", f"id: {new_id}"))
    return new_id


def regpack(project: Path, *args: str, env: dict | None = None, timeout: float = 600,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "CI": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "pipeline", "-C", str(project), *args], cwd=cwd or project,
                          capture_output=True, text=True, timeout=timeout, env=full_env)


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Path:
    """The example project, built once for the whole session (draft build)."""
    project = copy_project(tmp_path_factory.mktemp("example"))
    result = regpack(project, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    return project


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def ooxml_check(paths: list[Path]) -> subprocess.CompletedProcess:
    """../shared/tools/ooxml-check on `paths`. Missing: the test is skipped, except under CI (the CI
    environment variable set), where every .docx must be validated and the test fails."""
    if not OOXML_CHECK.exists():
        where = f"ooxml-check not found: looked for {OOXML_CHECK}"
        if in_ci():
            pytest.fail(f"{where}; CI must validate every .docx, so put the checker there", pytrace=False)
        pytest.skip(f"{where} (skipped outside CI; with CI set this fails)")
    return subprocess.run([sys.executable, str(OOXML_CHECK), *map(str, paths)], capture_output=True, text=True)


# ---- the `libreoffice` marker (rule and guard in libreoffice_marker.py) ------------------------------

@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config, items):
    for item in items:
        if libreoffice_marker.needs_libreoffice(item) and not item.get_closest_marker("libreoffice"):
            item.add_marker(pytest.mark.libreoffice)


def pytest_collection_finish(session):
    if libreoffice_marker.fast_run(session.config):
        session.config.stash[GUARD] = libreoffice_marker.Guard()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    guard = item.config.stash.get(GUARD, None)
    if guard is not None and (started := guard.new_starts()):
        report.outcome = "failed"
        report.longrepr = libreoffice_marker.unmarked_start_message(item.nodeid, started)
    return report


def pytest_unconfigure(config):
    if (guard := config.stash.get(GUARD, None)) is not None:
        guard.close()


GUARD = pytest.StashKey["libreoffice_marker.Guard"]()

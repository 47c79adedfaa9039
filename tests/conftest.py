"""Shared fixtures: real sample projects built in temporary folders with the real LibreOffice."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OOXML_CHECK = ROOT.parent / "shared" / "tools" / "ooxml-check"
ARR = "hmb-payments-hub-aws"
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z


def copy_project(dest: Path) -> Path:
    """A fresh sample project: the example sources and the templates."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "sources", dest / "sources")
    shutil.copytree(ROOT / "templates", dest / "templates")
    return dest


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


def ooxml_check(paths: list[Path]) -> subprocess.CompletedProcess | None:
    if not OOXML_CHECK.exists():
        return None
    return subprocess.run([sys.executable, str(OOXML_CHECK), *map(str, paths)], capture_output=True, text=True)

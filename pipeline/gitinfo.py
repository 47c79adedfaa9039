"""The one git helper: which commit the sources are at, and the build date that follows from it.

Build dates come from SOURCE_DATE_EPOCH, else the sources' last commit, never the clock alone, so the
same sources give the same dates in every document and manifest.
"""

from __future__ import annotations

import os
import subprocess
from datetime import date, datetime, time, timezone
from pathlib import Path


def git(args: list[str], cwd: Path, timeout: float = 30) -> str | None:
    """git's output, stripped; None when git is missing, fails, times out or prints nothing."""
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


def head(folder: Path) -> str:
    """The commit `folder` is at, or "no git"."""
    return git(["rev-parse", "HEAD"], folder) or "no git"


def git_state(paths: list[Path], cwd: Path) -> dict[str, object]:
    """The commit the sources were last committed in, and whether they differ from it."""
    rel = [str(p) for p in paths]
    commit = git(["log", "-1", "--format=%H", "--", *rel], cwd)
    if commit is None:
        return {"commit": None, "dirty": None}
    dirty = git(["status", "--porcelain", "--", *rel], cwd)
    return {"commit": commit, "dirty": bool(dirty)}


def build_date(paths: list[Path], cwd: Path, fallback: date) -> datetime:
    """SOURCE_DATE_EPOCH, else the last commit time of the sources, else `fallback` at midnight UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    stamp = git(["log", "-1", "--format=%ct", "--", *[str(p) for p in paths]], cwd)
    if stamp and stamp.isdigit():
        return datetime.fromtimestamp(int(stamp), tz=timezone.utc)
    return datetime.combine(fallback, time(0, 0), tzinfo=timezone.utc)

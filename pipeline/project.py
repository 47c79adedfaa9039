"""Where a project's folders are, and the options of one build."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Project:
    root: Path
    sources: Path
    templates: Path
    build: Path
    archive: Path

    @classmethod
    def at(cls, root: Path | str = ".", archive: Path | str | None = None) -> "Project":
        """The standard layout under `root`; the archive location may be set by REGPACK_ARCHIVE."""
        root = Path(root).resolve()
        archive = archive or os.environ.get("REGPACK_ARCHIVE") or root / "archive"
        return cls(root, root / "sources", root / "templates", root / "build", Path(archive).resolve())


@dataclass(frozen=True)
class BuildOptions:
    arrangement: str | None = None
    final: bool = False
    strict: bool = False
    keep_edited: bool = False
    workers: int | None = None
    timeout: float = 180.0
    force: bool = False
    """Rebuild every document even when its inputs are unchanged."""


@dataclass(frozen=True)
class BuildMeta:
    build_date: datetime
    """From SOURCE_DATE_EPOCH or the sources' git commit: never the clock alone."""
    final: bool

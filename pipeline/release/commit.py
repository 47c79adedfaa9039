"""The last stage of a build: staged outputs moved into build/, for every arrangement or for none.

Every file that will be replaced is first moved aside into build/.previous/; if any move fails, what
was moved in is taken out again and everything set aside is put back, so a failed commit leaves the
previous build as it was. Word drafts that legal edited are kept as numbered copies, never replaced.
Staged files are written without an fsync each; one flush of the file system makes them all durable
before the first is moved in.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import RegpackError, relpath
from pipeline.files import sync_filesystem
from pipeline.release.manifest import MANIFEST

ASIDE = ".previous"


class CommitFailed(RegpackError):
    """The finished outputs could not be moved into build/ (the previous build is left as it was)."""

    exit_code = 8


def kept_copy(draft: Path) -> Path:
    """The next free `<name>.edited-N.docx` beside `draft` (earlier kept copies are never reused)."""
    pattern = re.compile(rf"^{re.escape(draft.stem)}\.edited(?:-(\d+))?\.docx$")
    taken = [int(m.group(1) or 1) for p in draft.parent.iterdir() if (m := pattern.match(p.name))]
    return draft.with_name(f"{draft.stem}.edited-{max(taken, default=0) + 1}.docx")


@dataclass
class _Transaction:
    build: Path
    aside: Path
    moved_in: list[tuple[Path, Path | None]] = field(default_factory=list)  # (target, its old file aside)
    kept: list[tuple[Path, Path]] = field(default_factory=list)  # (edited draft, its kept copy)

    def keep(self, draft: Path) -> None:
        copy = kept_copy(draft)
        try:
            os.link(draft, copy)
        except OSError:  # a file system without hard links
            shutil.copy2(draft, copy)
        self.kept.append((draft, copy))

    def place(self, staged: Path, target: Path) -> None:
        old = None
        if target.exists():
            old = self.aside / target.relative_to(self.build)
            old.parent.mkdir(parents=True, exist_ok=True)
            os.replace(target, old)
        self.moved_in.append((target, old))
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)

    def roll_back(self) -> None:
        for target, old in reversed(self.moved_in):
            if old is None:
                target.unlink(missing_ok=True)
            elif old.exists():
                os.replace(old, target)
        for _, copy in self.kept:
            copy.unlink(missing_ok=True)


def commit(staging: Path, build: Path, arrangements: list[str], keep: list[Path]) -> list[tuple[Path, Path]]:
    """Move every staged arrangement into build/ (manifests last); `keep` lists edited drafts to keep as
    numbered copies first. Returns (draft, kept copy) pairs. All or nothing: raises CommitFailed."""
    aside = build / ASIDE
    shutil.rmtree(aside, ignore_errors=True)
    if staging.is_dir():  # staged files (LibreOffice's PDFs too) on disk before any of them is moved in
        sync_filesystem(staging)
    tx = _Transaction(build, aside)
    try:
        for draft in keep:
            tx.keep(draft)
        for arr in arrangements:
            staged = staging / arr
            if not staged.is_dir():
                continue
            files = sorted(p for p in staged.rglob("*") if p.is_file() and p.name != MANIFEST)
            for path in files + ([staged / MANIFEST] if (staged / MANIFEST).is_file() else []):
                tx.place(path, build / arr / path.relative_to(staged))
    except OSError as exc:
        tx.roll_back()
        where = relpath(Path(exc.filename)) if getattr(exc, "filename", None) else "build/"
        raise CommitFailed(f"could not write {where} ({exc.strerror or exc}); the previous build is left as "
                           "it was: close the file or fix the folder's permissions, then build again") from None
    finally:
        shutil.rmtree(aside, ignore_errors=True)
    return tx.kept

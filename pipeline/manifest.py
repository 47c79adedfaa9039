"""The manifest: what went into a build and what came out, each file with its sha256.

Also the small file utilities every stage shares: hashing, atomic writes, the build date and the
git commit of the sources.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import __version__

if TYPE_CHECKING:
    from pipeline.build import DocWork
    from pipeline.gather import ArrangementPlan, Gathered
    from pipeline.project import Project

MANIFEST = "manifest.json"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: dict) -> None:
    write_atomic(path, (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8"))


def read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


def git_state(paths: list[Path], cwd: Path) -> dict[str, object]:
    """The commit the sources were last committed in, and whether they differ from it."""
    rel = [str(p) for p in paths]
    commit = _git(["log", "-1", "--format=%H", "--", *rel], cwd)
    if commit is None:
        return {"commit": None, "dirty": None}
    dirty = _git(["status", "--porcelain", "--", *rel], cwd)
    return {"commit": commit, "dirty": bool(dirty)}


def build_date(paths: list[Path], cwd: Path, fallback: date) -> datetime:
    """SOURCE_DATE_EPOCH, else the last commit time of the sources, else `fallback` at midnight UTC.

    Never the clock alone: the same sources give the same dates in every document and manifest."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    stamp = _git(["log", "-1", "--format=%ct", "--", *[str(p) for p in paths]], cwd)
    if stamp and stamp.isdigit():
        return datetime.fromtimestamp(int(stamp), tz=timezone.utc)
    return datetime.combine(fallback, time(0, 0), tzinfo=timezone.utc)


def file_entries(paths: list[Path], base: Path) -> list[dict[str, str]]:
    """[{path, sha256}] with paths relative to `base`, sorted by path."""
    entries = []
    for path in paths:
        try:
            shown = str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            shown = str(path)
        entries.append({"path": shown, "sha256": sha256_file(path)})
    return sorted(entries, key=lambda e: e["path"])


def compose_manifest(project: "Project", gathered: "Gathered", plan: "ArrangementPlan", docs: list["DocWork"],
                     staged: Path, lo_version: str | None) -> dict:
    """Everything that went in and came out, with sha256; identical for identical builds."""
    src = plan.loaded.sources
    final_dir = project.build / plan.id
    old = plan.previous

    previous = {e["path"]: e["sha256"] for e in old.get("outputs", [])}

    def entry(rel: Path) -> dict:
        """A new output is hashed; one this build did not touch keeps the hash the last build recorded
        (`regpack seal` checks every file against the manifest, so a file changed since is caught)."""
        if (staged / rel).is_file():
            return {"path": str(rel), "sha256": sha256_file(staged / rel)}
        if str(rel) in previous:
            return {"path": str(rel), "sha256": previous[str(rel)]}
        return {"path": str(rel), "sha256": sha256_file(final_dir / rel)}

    documents = []
    for w in docs:
        pdf = entry(Path("pdf") / f"{w.spec.slug}.pdf")
        documents.append({"key": w.spec.key, "title": w.spec.title, "inputs": w.inputs,
                          "docx": entry(Path("word") / f"{w.spec.slug}.docx"), "pdf": {**pdf, "pages": w.pages}})
    pack = entry(Path(f"{plan.id}-submission-pack.pdf"))
    templates = [project.templates / name for name in sorted(gathered.template_sha)]
    return {
        "regpack": __version__,
        "arrangement": plan.id,
        "version": src.arrangement.version,
        "final": plan.meta.final,
        "build_date": plan.meta.build_date.isoformat(),
        "sources_git": git_state([src.folder, project.sources / "institution.yaml"], project.root),
        "libreoffice": lo_version or old.get("libreoffice"),
        "catalog": {"version": gathered.catalog.version, "sha256": gathered.catalog.sha256,
                    "form_sha256": gathered.form.sha256},
        "coverage": {"applicable": plan.coverage.applicable, "answered": plan.coverage.answered,
                     "gaps": plan.coverage.gaps},
        "sources": file_entries(list(src.files), project.root),
        "templates": file_entries(templates, project.root),
        "documents": documents,
        "pack": pack,
        "outputs": sorted([d["docx"] for d in documents] + [{k: d["pdf"][k] for k in ("path", "sha256")}
                                                            for d in documents] + [pack], key=lambda e: e["path"]),
    }

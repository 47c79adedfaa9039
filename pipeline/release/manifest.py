"""The manifest: what went into a build and what came out, each file with its sha256."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import __version__
from pipeline.files import read_json, sha256_file
from pipeline.gitinfo import git_state

if TYPE_CHECKING:
    from pipeline.gathered import ArrangementPlan, Gathered
    from pipeline.project import Project

MANIFEST = "manifest.json"


def read_manifest(folder: Path) -> dict | None:
    return read_json(folder / MANIFEST)


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


def compose_manifest(project: "Project", gathered: "Gathered", plan: "ArrangementPlan", docs: list,
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

    def kept(rel: Path) -> dict | None:
        """An output that an earlier regpack did not write: None when it is nowhere."""
        there = (staged / rel).is_file() or str(rel) in previous or (final_dir / rel).is_file()
        return entry(rel) if there else None

    from pipeline.review.marks import pristine_paths
    documents = []
    for w in docs:
        pdf = entry(Path("pdf") / f"{w.spec.slug}.pdf")
        pristine, marks = pristine_paths(Path("word"), w.spec.slug)  # for `regpack review import`
        review = {"pristine": kept(pristine), "marks": kept(marks)}
        documents.append({"key": w.spec.key, "title": w.spec.title, "inputs": w.inputs,
                          "docx": entry(Path("word") / f"{w.spec.slug}.docx"), "pdf": {**pdf, "pages": w.pages},
                          **({"review": review} if all(review.values()) else {})})
    from pipeline.documents.registry import PACKS
    from pipeline.sources.enclosures import enclosure_entries
    from pipeline.pdf.merge import is_declared_pdfa
    packs = []
    for spec in PACKS:
        pack = {**entry(spec.path(plan.id)), "role": spec.slug, "audience": spec.audience}
        where = staged if (staged / pack["path"]).is_file() else final_dir
        pack["pdfa"] = ("PDF/A-2b, declared because every part is (not checked by a PDF/A validator)"
                        if is_declared_pdfa(where / pack["path"]) else "not PDF/A: a part (an enclosure) is not")
        packs.append(pack)
    enclosures = []
    for e in enclosure_entries(src):
        converted = entry(Path(e["pdf"])) if e["pdf"] else None
        enclosures.append({**e, "pdf_sha256": converted["sha256"] if converted else None})
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
        "sources": file_entries(list(src.files) + ([plan.loaded.review.path] if plan.loaded.review else []),
                                project.root),
        "templates": file_entries(templates, project.root),
        "documents": documents,
        "pack": next(p for p in packs if p["role"] == "submission-pack"),
        "packs": packs,
        "enclosures": enclosures,
        "outputs": sorted([d["docx"] for d in documents] + [{k: d["pdf"][k] for k in ("path", "sha256")} for d in documents]
                          + [e for d in documents for e in d.get("review", {}).values()]
                          + [{"path": p["path"], "sha256": p["sha256"]} for p in packs]
                          + [{"path": e["pdf"], "sha256": e["pdf_sha256"]} for e in enclosures if e["pdf"]],
                          key=lambda e: e["path"]),
    }

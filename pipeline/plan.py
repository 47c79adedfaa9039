"""Stage 2 of a build: what is out of date. A document is redone only when the hash of everything it
is made from (the sources it uses, its template, the catalog and form, the options, the build date,
its review comments, regpack's version) differs from what the last build recorded, or its outputs
are gone."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipeline import __version__
from pipeline.documents.registry import DOCUMENTS, PACKS
from pipeline.documents.spec import DocumentSpec, PackSpec
from pipeline.documents.review import review_comments
from pipeline.errors import Problem, SourceErrors, relpath
from pipeline.files import sha256_file, sha256_text
from pipeline.gathered import ArrangementPlan, Gathered
from pipeline.project import BuildOptions, Project
from pipeline.release.manifest import read_manifest
from pipeline.sources.enclosures import enclosure_entries


@dataclass
class DocWork:
    spec: DocumentSpec
    plan: ArrangementPlan
    inputs: dict[str, str]
    """Hash of each part of what the document is made from; equal hashes mean nothing to redo."""
    rebuild: bool
    reason: str
    """Why the document is redone, or why not (logged with -v)."""
    pages: int | None = None
    context: dict | None = None
    """The template's context, once built (the template lint checks it, then the render uses it)."""

    @property
    def name(self) -> str:
        return f"{self.plan.id}/{self.spec.slug}"

    @property
    def inputs_hash(self) -> str:
        return sha256_text(json.dumps(self.inputs, sort_keys=True))


def edited_drafts(folder: Path, manifest: dict) -> list[Path]:
    """Word drafts in `folder` whose bytes differ from what its manifest recorded (edited in Word)."""
    edited = []
    for doc in manifest.get("documents", []):
        path = folder / doc["docx"]["path"]
        if path.is_file() and sha256_file(path) != doc["docx"]["sha256"]:
            edited.append(path)
    return edited


def read_previous_builds(gathered: Gathered, project: Project, options: BuildOptions) -> None:
    """Each arrangement's last manifest and its drafts edited since; edited drafts stop the build unless
    they are to be kept (`--keep-edited`): nothing has been written yet."""
    problems = []
    for plan_ in gathered.arrangements:
        folder = project.build / plan_.id
        plan_.previous = read_manifest(folder) or {}
        plan_.edited = edited_drafts(folder, plan_.previous)
        review = plan_.loaded.review  # a draft imported with `regpack review import` is kept in the register
        imported = {e.get("sha256") for e in review.imported} if review is not None else set()
        problems += [Problem(relpath(path), 0, "", "this Word draft was changed after regpack wrote it (edited in "
                             "Word?); its edits would be lost. Import them (`regpack review import`), or "
                             "build with --keep-edited to keep it beside the new draft as a numbered "
                             "*.edited-N.docx", code="edited-draft", data={"path": str(path)})
                     for path in plan_.edited if not options.keep_edited and sha256_file(path) not in imported]
    if problems:
        raise SourceErrors(problems)


def plan(gathered: Gathered, project: Project, options: BuildOptions) -> list[DocWork]:
    """One DocWork per document; `rebuild` is False only when inputs and outputs are as last built."""
    work = []
    for plan_ in gathered.arrangements:
        old_docs = {d["key"]: d for d in plan_.previous.get("documents", [])}
        for spec in DOCUMENTS:
            inputs = _inputs(spec, plan_, gathered)
            prev = old_docs.get(spec.key)
            reason = _why_redo(prev, inputs, project.build / plan_.id, options, bool(plan_.edited))
            work.append(DocWork(spec, plan_, inputs, reason is not None, reason or "up to date",
                                None if reason else prev["pdf"]["pages"]))
    return work


def _why_redo(prev: dict | None, inputs: dict[str, str], folder: Path, options: BuildOptions,
              edited: bool) -> str | None:
    """Why a document must be redone, or None when its inputs and outputs are as last built."""
    if options.force:
        return "every document is redone (--force)"
    if prev is None:
        return "not built before"
    if edited:
        return "a Word draft of this arrangement was edited (kept aside, the drafts are redone)"
    old = prev.get("inputs")
    if old != inputs:
        changed = sorted(k for k in set(inputs) | set(old or {}) if (old or {}).get(k) != inputs.get(k))
        return f"changed since the last build: {', '.join(changed)}" if isinstance(old, dict) else \
            "built by an earlier regpack"
    if "review" not in prev:
        return "built without the marks legal's review is read through (an earlier regpack)"
    for kind in ("docx", "pdf"):
        path = folder / prev[kind]["path"]
        if not path.is_file():
            return f"{prev[kind]['path']} is missing"
        if kind == "pdf" and sha256_file(path) != prev["pdf"]["sha256"]:
            return f"{prev['pdf']['path']} was changed after regpack wrote it"
    for kept in prev["review"].values():  # the draft as written and its marks, for `regpack review import`
        if not (folder / kept["path"]).is_file():
            return f"{kept['path']} is missing"
    return None


def _inputs(spec: DocumentSpec, plan_: ArrangementPlan, gathered: Gathered) -> dict[str, str]:
    """Hash of each part of what `spec` is made from for this arrangement."""
    src = plan_.loaded.sources

    def digest(value) -> str:
        return sha256_text(json.dumps(value, sort_keys=True, default=str))[:16]

    parts = {f"sources:{kind}": digest(getattr(src, kind).model_dump(mode="json")) for kind in spec.uses}
    parts.update({
        "regpack": __version__, "template": gathered.template_sha[spec.template][:16],
        "catalog": gathered.catalog.sha256[:16], "form": gathered.form.sha256[:16],
        "final": str(plan_.meta.final), "build date": plan_.meta.build_date.isoformat(),
        "review comments": digest([c.text for c in review_comments(plan_, spec)]),
    })
    return parts


def packs_needed(project: Project, gathered: Gathered, work: list[DocWork]) -> list[tuple[ArrangementPlan, PackSpec]]:
    """The packs to assemble: missing, or holding a document or an enclosure that changed."""
    needed = []
    for plan_ in gathered.arrangements:
        folder = project.build / plan_.id
        old = [{k: v for k, v in e.items() if k != "pdf_sha256"} for e in plan_.previous.get("enclosures", [])]
        now = enclosure_entries(plan_.loaded.sources)
        enclosures_changed = old != now or any(e["pdf"] and not (folder / e["pdf"]).is_file() for e in now)
        for spec in PACKS:
            if (not (folder / spec.path(plan_.id)).is_file()
                    or any(w.rebuild for w in work if w.plan is plan_ and w.spec.key in spec.documents)
                    or (spec.enclosures and enclosures_changed)):
                needed.append((plan_, spec))
    return needed

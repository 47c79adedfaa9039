"""Stage 2 of a build: what is out of date. A document is redone only when the hash of everything it
is made from (the sources it uses, its template, the catalog and form, the options, the build date,
its review comments, regpack's version) differs from what the last build recorded, or its outputs
are gone."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pipeline import __version__
from pipeline.documents.registry import DOCUMENTS
from pipeline.documents.spec import DocumentSpec
from pipeline.documents.review import review_comments
from pipeline.files import sha256_text
from pipeline.gathered import ArrangementPlan, Gathered
from pipeline.project import BuildOptions, Project


@dataclass
class DocWork:
    spec: DocumentSpec
    plan: ArrangementPlan
    inputs: str
    """Hash of everything the document is made from; equal hashes mean nothing to redo."""
    rebuild: bool
    pages: int | None = None

    @property
    def name(self) -> str:
        return f"{self.plan.id}/{self.spec.slug}"


def plan(gathered: Gathered, project: Project, options: BuildOptions) -> list[DocWork]:
    """One DocWork per document; `rebuild` is False only when inputs and outputs are as last built."""
    work = []
    for plan_ in gathered.arrangements:
        old_docs = {d["key"]: d for d in plan_.previous.get("documents", [])}
        edited = bool(plan_.edited)
        for spec in DOCUMENTS:
            inputs = _inputs_hash(spec, plan_, gathered)
            prev = old_docs.get(spec.key)
            folder = project.build / plan_.id
            fresh = (prev is not None and prev.get("inputs") == inputs and not options.force and not edited
                     and (folder / prev["docx"]["path"]).is_file() and (folder / prev["pdf"]["path"]).is_file())
            work.append(DocWork(spec, plan_, inputs, not fresh, prev["pdf"]["pages"] if fresh else None))
    return work


def _inputs_hash(spec: DocumentSpec, plan_: ArrangementPlan, gathered: Gathered) -> str:
    src = plan_.loaded.sources
    used = {kind: getattr(src, kind).model_dump(mode="json") for kind in spec.uses}
    return sha256_text(json.dumps({
        "regpack": __version__, "template": gathered.template_sha[spec.template], "sources": used,
        "catalog": gathered.catalog.sha256, "form": gathered.form.sha256, "final": plan_.meta.final,
        "date": plan_.meta.build_date.isoformat(), "comments": [c.text for c in review_comments(plan_, spec)],
    }, sort_keys=True, default=str))


def packs_needed(project: Project, gathered: Gathered, work: list[DocWork]) -> list[ArrangementPlan]:
    needed = []
    for plan_ in gathered.arrangements:
        pack = project.build / plan_.id / f"{plan_.id}-submission-pack.pdf"
        if not pack.is_file() or any(w.rebuild for w in work if w.plan is plan_):
            needed.append(plan_)
    return needed



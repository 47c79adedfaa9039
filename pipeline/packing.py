"""Stages 5 and 6: the submission pack (cover, index, documents) and the manifest of a build.

Also what every rendered document carries besides its text: core properties and review comments.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import __version__
from pipeline.text import fmt_date, plain_summary
from pipeline.convert import ConvertJob, Converter
from pipeline.docxpost import CoreProps, ReviewComment
from pipeline.documents import PACK_COVER, DocumentSpec
from pipeline.manifest import file_entries, git_state, read_manifest, sha256_file
from pipeline.pack import PackDocument, PackMetadata, assemble_pack, page_ranges
from pipeline.render import RenderRequest, render_document

if TYPE_CHECKING:
    from pipeline.build import DocWork
    from pipeline.gather import ArrangementPlan, Gathered
    from pipeline.project import Project

STALE = "report period ended"


def document_props(plan: "ArrangementPlan", spec: DocumentSpec) -> CoreProps:
    src = plan.loaded.sources
    return CoreProps(title=spec.title, subject=src.arrangement.title, author=src.institution.name_en,
                     keywords=f"{src.arrangement.id}; version {src.arrangement.version}; HKMA; SA-2; TM-G-1",
                     category="Regulatory submission", comments=f"{src.arrangement.reference}/{spec.label}",
                     created=plan.meta.build_date)


def review_comments(plan: "ArrangementPlan", spec: DocumentSpec) -> list[ReviewComment]:
    """Open items as Word comments for legal: TODO markers, partial/gap responses, missing responses,
    stale evidence. A final build carries none (gather refuses TODOs and gaps in a final build)."""
    if plan.meta.final:
        return []
    comments = []
    for p in plan.warnings:
        if p.message.startswith("TODO marker: "):
            note = p.message.removeprefix("TODO marker: ")
            comments.append(ReviewComment(anchor=plain_summary(note, 400)[:40], text=f"Open TODO in {p.file}:{p.line}: {note}"))
        elif STALE in p.message:
            att = plan.loaded.sources.vendor.attestations[int(p.path.split("[")[1].split("]")[0])]
            comments.append(ReviewComment(anchor=att.type, text=f"Stale evidence ({p.file}:{p.line}): {p.message}"))
    for row in plan.coverage.open_items:
        action = row.response.action
        comments.append(ReviewComment(anchor=plain_summary(action.description, 60)[:40],
                                      text=f"{row.requirement.id} is {row.response.status}: {action.description} "
                                           f"Owner {action.owner}, due {fmt_date(action.due)}."))
    for req_id in plan.coverage.gaps:
        req = next(r.requirement for r in plan.coverage.rows if r.requirement.id == req_id)
        comments.append(ReviewComment(anchor=req.citation, text=f"No response to {req_id} in the sources: "
                                      "the final build will refuse this gap."))
    return comments


def _doc_pdf(project: "Project", staged: Path, w: "DocWork") -> Path:
    rel = Path("pdf") / f"{w.spec.slug}.pdf"
    return staged / rel if w.rebuild else project.build / w.plan.id / rel


def make_packs(project: "Project", plans: list["ArrangementPlan"], work: list["DocWork"], staging: Path,
               converter: Converter) -> None:
    """Every pack's cover with its index of documents (converted together), then the merged packs."""
    covers = {p.id: _Cover(p, [w for w in work if w.plan is p], staging) for p in plans}
    pending = list(covers.values())
    for _ in range(3):  # the index's page ranges depend on the cover's own length
        for cover in pending:
            cover.render(project)
        results = converter.convert_all([c.job for c in pending])
        pending = [c for c, r in zip(pending, results) if not c.settle(r.pages)]
        if not pending:
            break
    for plan in plans:
        covers[plan.id].assemble(project)


class _Cover:
    def __init__(self, plan: "ArrangementPlan", docs: list["DocWork"], staging: Path):
        self.plan, self.docs, self.staged = plan, docs, staging / plan.id
        scratch = staging / f".cover-{plan.id}"
        scratch.mkdir(parents=True, exist_ok=True)
        self.job = ConvertJob(scratch / "cover.docx", scratch / "cover.pdf", f"{plan.id}/pack-cover")
        self.front_pages = 1

    def documents(self, project: "Project") -> list[PackDocument]:
        return [PackDocument(w.spec.title, _doc_pdf(project, self.staged, w), w.spec.label, w.pages)
                for w in self.docs]

    def render(self, project: "Project") -> None:
        src, meta = self.plan.loaded.sources, self.plan.meta
        ranges = page_ranges(self.front_pages, self.documents(project))
        context = {"inst": src.institution, "arr": src.arrangement,
                   "doc": {"version": src.arrangement.version, "date": fmt_date(meta.build_date.date()),
                           "classification": src.institution.classification,
                           "status": "Final" if meta.final else "Draft for review"},
                   "documents": [{"label": w.spec.label, "title": w.spec.title, "pages": w.pages,
                                  "range": f"{a} to {b}"} for w, (a, b) in zip(self.docs, ranges)]}
        render_document(RenderRequest(project.templates / PACK_COVER, context, self.job.docx,
                                      _cover_props(self.plan), (), meta.build_date))

    def settle(self, pages: int) -> bool:
        """True when the cover has the length its index assumed; else remember the real length."""
        settled = pages == self.front_pages
        self.front_pages = pages
        return settled

    def assemble(self, project: "Project") -> int:
        src = self.plan.loaded.sources
        meta = PackMetadata(title=f"Submission pack: {src.arrangement.title}", subject=src.arrangement.title,
                            author=src.institution.name_en,
                            keywords=f"{src.arrangement.id}; version {src.arrangement.version}; HKMA submission",
                            creation_date=self.plan.meta.build_date)
        return assemble_pack(self.job.pdf, self.documents(project),
                             self.staged / f"{self.plan.id}-submission-pack.pdf", meta)


def _cover_props(plan: "ArrangementPlan") -> CoreProps:
    src = plan.loaded.sources
    return CoreProps(title=f"Submission pack: {src.arrangement.title}", subject=src.arrangement.title,
                     author=src.institution.name_en, keywords=src.arrangement.id, category="Regulatory submission",
                     comments="", created=plan.meta.build_date)


def compose_manifest(project: "Project", gathered: "Gathered", plan: "ArrangementPlan", docs: list["DocWork"],
                     staged: Path, lo_version: str | None) -> dict:
    """Everything that went in and came out, with sha256; identical for identical builds."""
    src = plan.loaded.sources
    final_dir = project.build / plan.id
    old = read_manifest(final_dir) or {}

    def entry(rel: Path) -> dict:
        path = staged / rel if (staged / rel).is_file() else final_dir / rel
        return {"path": str(rel), "sha256": sha256_file(path)}

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


"""Stages 5 and 6: the submission pack (cover, index, documents) and the manifest of a build.

Also what every rendered document carries besides its text: core properties and review comments.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.text import fmt_date
from pipeline.convert import ConvertJob, Converter
from pipeline.review import CoreProps
from pipeline.documents import PACK_COVER
from pipeline.manifest import sha256_file
from pipeline.pack import PackDocument, PackMetadata, assemble_pack, page_ranges
from pipeline.pdfnormalize import normalize_pdf
from pipeline.render import RenderRequest, render_document

if TYPE_CHECKING:
    from pipeline.build import DocWork
    from pipeline.gather import ArrangementPlan, Gathered
    from pipeline.project import Project


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
        for cover in pending:  # its clock stamps would otherwise reach the pack's /ID
            normalize_pdf(cover.job.pdf, cover.plan.meta.build_date, sha256_file(cover.job.docx))
        pending = [c for c, r in zip(pending, results) if not c.settle(r.pages)]
        if not pending:
            break
    merges = [covers[plan.id].merge_arguments(project) for plan in plans]
    if len(merges) < 2 or (os.cpu_count() or 1) < 2:
        for args in merges:
            assemble_pack(*args)
        return
    # merging is pure Python (pypdf) and LibreOffice is idle by now: use every core
    with ProcessPoolExecutor(max_workers=os.cpu_count(), mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(_assemble, merges))


def _assemble(args: tuple) -> int:
    return assemble_pack(*args)


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

    def merge_arguments(self, project: "Project") -> tuple:
        """The arguments of `assemble_pack` for this pack (plain data, so a worker process can merge)."""
        src = self.plan.loaded.sources
        meta = PackMetadata(title=f"Submission pack: {src.arrangement.title}", subject=src.arrangement.title,
                            author=src.institution.name_en,
                            keywords=f"{src.arrangement.id}; version {src.arrangement.version}; HKMA submission",
                            creation_date=self.plan.meta.build_date)
        return (self.job.pdf, self.documents(project), self.staged / f"{self.plan.id}-submission-pack.pdf", meta)


def _cover_props(plan: "ArrangementPlan") -> CoreProps:
    src = plan.loaded.sources
    return CoreProps(title=f"Submission pack: {src.arrangement.title}", subject=src.arrangement.title,
                     author=src.institution.name_en, keywords=src.arrangement.id, category="Regulatory submission",
                     comments="", created=plan.meta.build_date)

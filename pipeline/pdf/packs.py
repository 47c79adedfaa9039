"""Stage 5: each submission pack (cover with the index of its documents and their page ranges, then
the documents), assembled while LibreOffice is still converting other arrangements' documents."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.libreoffice.converter import ConvertJob
from pipeline.word.props import CoreProps
from pipeline.documents import pack_cover
from pipeline.files import sha256_file
from pipeline.pdf.merge import PackDocument, PackMetadata, assemble_pack, page_ranges
from pipeline.pdf.normalize import normalize_pdf
from pipeline.word.render import RenderRequest, render_document

if TYPE_CHECKING:
    from pipeline.plan import DocWork
    from pipeline.gathered import ArrangementPlan
    from pipeline.project import Project


def _doc_pdf(project: "Project", staged: Path, w: "DocWork") -> Path:
    rel = Path("pdf") / f"{w.spec.slug}.pdf"
    return staged / rel if w.rebuild else project.build / w.plan.id / rel


class PackAssembler:
    """Stage 5, interleaved with conversion: a pack's cover is rendered as soon as the last of its
    documents is converted, converted ahead of the documents still waiting, and the pack merged as
    soon as its cover is ready, so no pack work is left once LibreOffice's last document is done."""

    MAX_COVER_RENDERS = 3  # the index's page ranges depend on the cover's own length

    def __init__(self, project: "Project", plans: list["ArrangementPlan"], work: list["DocWork"], staging: Path):
        self.project = project
        self.covers = {p.id: _Cover(p, [w for w in work if w.plan is p], staging) for p in plans}
        self.waiting = {p.id: {w.name for w in work if w.plan is p and w.rebuild} for p in plans}
        self.by_job = {cover.job.name: cover for cover in self.covers.values()}

    def ready_covers(self) -> list[ConvertJob]:
        """Covers of packs whose documents are all up to date (nothing to wait for)."""
        return [self._cover_job(self.covers[arr]) for arr, names in self.waiting.items() if not names]

    def document_converted(self, w: "DocWork") -> list[ConvertJob]:
        names = self.waiting.get(w.plan.id)
        if names is None or w.name not in names:
            return []
        names.discard(w.name)
        return [] if names else [self._cover_job(self.covers[w.plan.id])]

    def cover_converted(self, name: str, pages: int) -> list[ConvertJob]:
        cover = self.by_job[name]
        # LibreOffice's clock stamps in the cover would otherwise reach the pack's /ID
        normalize_pdf(cover.job.pdf, cover.plan.meta.build_date, sha256_file(cover.job.docx))
        if not cover.settle(pages) and cover.renders < self.MAX_COVER_RENDERS:
            return [self._cover_job(cover)]
        assemble_pack(*cover.merge_arguments(self.project))
        return []

    def is_cover(self, name: str) -> bool:
        return name in self.by_job

    def _cover_job(self, cover: "_Cover") -> ConvertJob:
        cover.render(self.project)
        return cover.job


class _Cover:
    def __init__(self, plan: "ArrangementPlan", docs: list["DocWork"], staging: Path):
        self.plan, self.docs, self.staged = plan, docs, staging / plan.id
        scratch = staging / f".cover-{plan.id}"
        scratch.mkdir(parents=True, exist_ok=True)
        self.job = ConvertJob(scratch / "cover.docx", scratch / "cover.pdf", f"{plan.id}/pack-cover")
        self.front_pages = 1
        self.renders = 0

    def documents(self, project: "Project") -> list[PackDocument]:
        return [PackDocument(w.spec.title, _doc_pdf(project, self.staged, w), w.spec.label, w.pages)
                for w in self.docs]

    def render(self, project: "Project") -> None:
        self.renders += 1
        src, meta = self.plan.loaded.sources, self.plan.meta
        ranges = page_ranges(self.front_pages, self.documents(project))
        entries = [pack_cover.IndexEntry(w.spec.label, w.spec.title, w.pages, a, b)
                   for w, (a, b) in zip(self.docs, ranges)]
        render_document(RenderRequest(project.templates / pack_cover.TEMPLATE, pack_cover.context(src, meta, entries),
                                      self.job.docx,
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

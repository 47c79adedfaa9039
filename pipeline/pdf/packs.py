"""Stage 5: the packs of each arrangement, assembled while LibreOffice is still converting other documents.

A pack (see `documents.registry.PACKS`) is a cover with the index of what follows and its page ranges,
then its documents and, for the submission pack, the enclosures. The HKMA's pack holds only documents
written for the regulator; the board's holds the board paper and its appendices.

A pack's cover is rendered as soon as the last of its documents (and enclosures to convert) is ready,
converted ahead of the documents still waiting, and the pack merged as soon as its cover is ready, so
no pack work is left once LibreOffice's last document is done. An enclosure file that several
arrangements hold (the same bytes) is converted once and its PDF copied.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.documents import pack_cover
from pipeline.documents.registry import pack_problems
from pipeline.documents.spec import PackSpec
from pipeline.errors import RegpackError
from pipeline.files import sha256_file
from pipeline.libreoffice.converter import ConvertJob
from pipeline.pdf.merge import PackDocument, PackMetadata, assemble_pack, page_ranges
from pipeline.pdf.normalize import normalize_pdf
from pipeline.sources.enclosures import enclosure_pdf
from pipeline.word.props import CoreProps
from pipeline.word.render import RenderRequest, render_document

if TYPE_CHECKING:
    from pipeline.gathered import ArrangementPlan
    from pipeline.plan import DocWork
    from pipeline.project import Project


class PackAudienceError(RegpackError):
    """A pack would give a reader a document not written for them (a board paper to the HKMA)."""

    exit_code = 2


class _Enclosure:
    def __init__(self, plan: "ArrangementPlan", number: int, staging: Path):
        enc = plan.loaded.sources.arrangement.enclosures[number - 1]
        self.title, self.label = enc.title, f"Encl. {number}"
        self.source = (plan.loaded.sources.folder / enc.file).resolve()
        self.job = None
        if self.source.suffix.lower() == ".pdf":
            self.pdf = self.source
        else:  # converted, into the staged build like any document
            self.pdf = staging / plan.id / enclosure_pdf(number, self.source)
            self.pdf.parent.mkdir(parents=True, exist_ok=True)
            docx = staging / f".enclosures-{plan.id}" / f"{number:02d}.docx"
            docx.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.source, docx)
            self.job = ConvertJob(docx, self.pdf, f"{plan.id}/enclosure-{number}")
            self.sha256 = sha256_file(self.source)  # the PDF's identity; equal files are converted once
        self.pages: int | None = None


class _Pack:
    def __init__(self, plan: "ArrangementPlan", spec: PackSpec, docs: list["DocWork"], staging: Path,
                 enclosures: list[_Enclosure]):
        self.plan, self.spec, self.staged = plan, spec, staging / plan.id
        by_key = {w.spec.key: w for w in docs}
        self.docs = [by_key[key] for key in spec.documents]
        self.enclosures = enclosures if spec.enclosures else []
        self.waiting = {w.name for w in self.docs if w.rebuild} | {e.job.name for e in self.enclosures if e.job}
        scratch = staging / f".cover-{plan.id}-{spec.slug}"
        scratch.mkdir(parents=True, exist_ok=True)
        self.job = ConvertJob(scratch / "cover.docx", scratch / "cover.pdf", f"{plan.id}/{spec.slug}-cover")
        self.front_pages = 1
        self.renders = 0

    def parts(self, project: "Project") -> list[PackDocument]:
        docs = [PackDocument(w.spec.title, _doc_pdf(project, self.staged, w), w.spec.label, w.pages) for w in self.docs]
        return docs + [PackDocument(e.title, e.pdf, e.label, e.pages) for e in self.enclosures]

    def render(self, project: "Project") -> None:
        self.renders += 1
        src, meta = self.plan.loaded.sources, self.plan.meta
        parts = self.parts(project)
        entries = [pack_cover.IndexEntry(p.label, p.title, p.pages, a, b)
                   for p, (a, b) in zip(parts, page_ranges(self.front_pages, parts))]
        context = pack_cover.context(src, meta, entries, self.spec)
        render_document(RenderRequest(project.templates / pack_cover.TEMPLATE, context, self.job.docx,
                                      _cover_props(self.plan, self.spec), (), meta.build_date))

    def settle(self, pages: int) -> bool:
        """True when the cover has the length its index assumed; else remember the real length."""
        settled = pages == self.front_pages
        self.front_pages = pages
        return settled

    def merge(self, project: "Project") -> None:
        src = self.plan.loaded.sources
        meta = PackMetadata(title=f"{self.spec.title}: {src.arrangement.title}", subject=src.arrangement.title,
                            author=src.institution.name_en,
                            keywords=f"{src.arrangement.id}; version {src.arrangement.version}; {self.spec.title}",
                            creation_date=self.plan.meta.build_date)
        assemble_pack(self.job.pdf, self.parts(project), self.staged / self.spec.path(self.plan.id), meta)


def _doc_pdf(project: "Project", staged: Path, w: "DocWork") -> Path:
    rel = Path("pdf") / f"{w.spec.slug}.pdf"
    return staged / rel if w.rebuild else project.build / w.plan.id / rel


def _cover_props(plan: "ArrangementPlan", spec: PackSpec) -> CoreProps:
    src = plan.loaded.sources
    return CoreProps(title=f"{spec.title}: {src.arrangement.title}", subject=src.arrangement.title,
                     author=src.institution.name_en, keywords=src.arrangement.id, category="Regulatory submission",
                     comments="", created=plan.meta.build_date)


class PackAssembler:
    """Stage 5, interleaved with conversion (see the module's docstring)."""

    MAX_COVER_RENDERS = 3  # the index's page ranges depend on the cover's own length

    def __init__(self, project: "Project", wanted: list[tuple["ArrangementPlan", PackSpec]], work: list["DocWork"],
                 staging: Path):
        if problems := pack_problems(tuple(spec for _, spec in wanted)):
            raise PackAudienceError("; ".join(problems))
        self.project = project
        enclosures = {plan.id: [_Enclosure(plan, n, staging)
                                for n in range(1, len(plan.loaded.sources.arrangement.enclosures) + 1)]
                      for plan, spec in wanted if spec.enclosures}
        self.packs = [_Pack(plan, spec, [w for w in work if w.plan is plan], staging, enclosures.get(plan.id, []))
                      for plan, spec in wanted]
        self.by_cover = {p.job.name: p for p in self.packs}
        plans = {plan.id: plan for plan, _ in wanted}
        # an enclosure file that several arrangements hold (the same bytes) is converted once
        self.by_enclosure: dict[str, list[tuple["ArrangementPlan", _Enclosure]]] = {}
        leaders: dict[str, str] = {}  # sha256 of the source -> the job that converts it
        for plan_id, encs in enclosures.items():
            for e in (e for e in encs if e.job):
                leader = leaders.setdefault(e.sha256, e.job.name)
                self.by_enclosure.setdefault(leader, []).append((plans[plan_id], e))

    def ready_jobs(self) -> list[ConvertJob]:
        """Enclosures to convert, and the covers of packs with nothing to wait for."""
        return [same[0][1].job for same in self.by_enclosure.values()] + [self._cover_job(p) for p in self.packs
                                                                           if not p.waiting]

    @property
    def expected(self) -> int:
        return len(self.by_enclosure) + len(self.packs)

    def converted(self, name: str, pages: int) -> list[ConvertJob] | None:
        """Follow-up jobs for a converted cover or enclosure; None when `name` is neither."""
        if name in self.by_cover:
            return self._cover_converted(self.by_cover[name], pages)
        if name in self.by_enclosure:
            jobs = []
            (_, first), *twins = self.by_enclosure[name]
            for _, twin in twins:  # the same file in another arrangement: the same PDF
                shutil.copyfile(first.pdf, twin.pdf)
            for plan, enclosure in self.by_enclosure[name]:
                enclosure.pages = pages
                # the same enclosure gives the same PDF bytes: LibreOffice's clock stamps replaced
                normalize_pdf(enclosure.pdf, plan.meta.build_date, enclosure.sha256)
                jobs += self._ready(plan.id, enclosure.job.name)
            return jobs
        return None

    def document_converted(self, w: "DocWork") -> list[ConvertJob]:
        return self._ready(w.plan.id, w.name)

    def _ready(self, plan_id: str, name: str) -> list[ConvertJob]:
        jobs = []
        for pack in self.packs:
            if pack.plan.id == plan_id and name in pack.waiting:
                pack.waiting.discard(name)
                if not pack.waiting:
                    jobs.append(self._cover_job(pack))
        return jobs

    def _cover_converted(self, pack: _Pack, pages: int) -> list[ConvertJob]:
        # LibreOffice's clock stamps in the cover would otherwise reach the pack's /ID
        normalize_pdf(pack.job.pdf, pack.plan.meta.build_date, sha256_file(pack.job.docx))
        if not pack.settle(pages) and pack.renders < self.MAX_COVER_RENDERS:
            return [self._cover_job(pack)]
        pack.merge(self.project)
        return []

    def _cover_job(self, pack: _Pack) -> ConvertJob:
        pack.render(self.project)
        return pack.job

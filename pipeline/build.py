"""The build orchestrator: the order of stages in one place.

    gather (read + check everything)  ->  plan (what changed)  ->  render Word  ->  convert to PDF
    ->  assemble the submission pack  ->  write manifests  ->  commit (move staged files into build/)

Stages 3-5 overlap: LibreOffice converts while the next document renders, and a pack is assembled
as soon as its own documents are converted.

Nothing under build/<arrangement>/ changes until every stage has succeeded: outputs are staged in
build/.staging/ and moved into place at the end, so a failed build leaves the previous one intact.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from pipeline import __version__, uptodate
from pipeline.documents import DOCUMENTS, PACK_COVER, DocumentSpec
from pipeline.errors import SourceErrors
from pipeline.manifest import MANIFEST, compose_manifest, sha256_file, sha256_text, write_json
from pipeline.project import BuildOptions, Project
from pipeline.review import review_comments

if TYPE_CHECKING:
    from pipeline.gather import ArrangementPlan, Gathered

# The source models, the Word, LibreOffice and PDF machinery are imported where they are used: a
# build with nothing to redo never loads them (they are most of a no-op build's start-up time).


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


@dataclass
class BuildReport:
    arrangements: list[str]
    rendered: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    pages: int = 0
    seconds: float = 0.0
    warnings: list = field(default_factory=list)
    missing_anchors: list[str] = field(default_factory=list)
    libreoffice_starts: int = 0
    coverage: list[str] = field(default_factory=list)
    """The coverage report of each arrangement built, as printed (gaps are allowed in a draft)."""

    def summary(self) -> dict:
        """What a later build with nothing to do prints again (see pipeline/uptodate.py)."""
        return {"arrangements": self.arrangements, "documents": self.rendered + self.skipped, "pages": self.pages,
                "warnings": [str(w) for w in self.warnings], "coverage": self.coverage}

    @classmethod
    def replayed(cls, summary: dict, seconds: float) -> "BuildReport":
        return cls(summary["arrangements"], skipped=summary["documents"], pages=summary["pages"],
                   seconds=seconds, warnings=summary["warnings"], coverage=summary["coverage"])


Progress = Callable[[str], None]


def build(project: Project, options: BuildOptions, progress: Progress = lambda msg: None,
          on_converted: Callable[[object], None] | None = None) -> BuildReport:
    started = time.monotonic()
    stamp = uptodate.fingerprint(project, options)            # 0. what this build is made from ...
    if (previous := uptodate.replay(project, options, stamp)) is not None:  # ... as last time: done
        return BuildReport.replayed(previous, time.monotonic() - started)
    with contextlib.ExitStack() as stack:  # LibreOffice starts now, while the sources are read:
        early = _start_libreoffice(options, on_converted, stack)  # something changed since the last build
        report = _build(project, options, progress, on_converted, early)
    uptodate.record(project, stamp, report.summary())         # 8. what the next build can skip
    report.seconds = time.monotonic() - started
    return report


def _build(project: Project, options: BuildOptions, progress: Progress, on_converted, early) -> BuildReport:
    from pipeline.coverage import coverage_lines
    from pipeline.gather import gather, lint_templates
    gathered = gather(project, options, lint=False)           # 1. read + check; raises on errors
    work = plan(gathered, project, options)                   # 2. what is out of date
    packs_needed = _packs_needed(project, gathered, work)
    todo = [w for w in work if w.rebuild]
    needed = {w.spec.template for w in todo} | ({PACK_COVER} if packs_needed else set())
    if problems := lint_templates(project, needed):           # ... and the templates about to be used
        raise SourceErrors(problems)
    report = BuildReport([p.id for p in gathered.arrangements], warnings=gathered.warnings,
                         coverage=[line for p in gathered.arrangements for line in coverage_lines(p.coverage)])
    staging = project.build / ".staging"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        unplaced: dict[str, list[set[str]]] = {}

        def rendered():                                       # 3. render Word drafts, one by one ...
            for w in todo:
                progress(f"render {w.name}")
                unplaced.setdefault(w.plan.id, []).append(set(render(w, gathered, project, staging)))
                yield _job(w, staging)

        if todo or packs_needed:
            from pipeline.convert import Converter
            from pipeline.packing import PackAssembler
            from pipeline.pdfnormalize import normalize_pdf
            by_name = {w.name: w for w in todo}
            packs = PackAssembler(project, packs_needed, work, staging)

            def converted(result) -> list:                    # 4. ... as each PDF is made:
                if packs.is_cover(result.job.name):
                    return packs.cover_converted(result.job.name, result.pages)  # 5. ... merge its pack
                w = by_name[result.job.name]
                w.pages = result.pages
                # the PDF's identity is its Word file's: the same draft gives the same bytes
                normalize_pdf(result.job.pdf, w.plan.meta.build_date, sha256_file(result.job.docx))
                return packs.document_converted(w)            # 5. a pack's last document: its cover

            with early or Converter(workers=options.workers, timeout=options.timeout, progress=on_converted) as conv:
                conv.warm_up(len(todo) or len(packs_needed))  # the other workers, when there is work for them
                conv.convert_stream(itertools.chain(packs.ready_covers(), rendered()),
                                    expected=len(todo) or len(packs_needed), follow_up=converted)
        if early is not None or todo or packs_needed:
            report.libreoffice_starts = (early or conv).starts
        report.missing_anchors = [f"{arr}: {a}" for arr, sets in unplaced.items()
                                  for a in sorted(set.intersection(*sets))]
        lo_version = None
        if todo or packs_needed:
            from pipeline.convert import libreoffice_version
            lo_version = libreoffice_version()
        for plan_ in gathered.arrangements:                   # 6. manifests
            docs = [w for w in work if w.plan is plan_]
            manifest = compose_manifest(project, gathered, plan_, docs, staging / plan_.id, lo_version)
            if manifest != plan_.previous:                    # unchanged: leave the file as it is
                write_json(staging / plan_.id / MANIFEST, manifest)
        for plan_ in gathered.arrangements:                   # 7. commit
            _commit(staging / plan_.id, project.build / plan_.id, plan_.edited if options.keep_edited else [])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.rendered = [w.name for w in todo]
    report.skipped = [w.name for w in work if not w.rebuild]
    report.pages = sum(w.pages or 0 for w in work)
    return report


def _start_libreoffice(options: BuildOptions, on_converted, stack: contextlib.ExitStack):
    """A Converter whose first LibreOffice worker starts in the background now (the others start once
    the plan says how many documents there are: a one-document rebuild needs one), or None when
    LibreOffice is missing (reported only if something needs converting: source errors come first)."""
    from pipeline.convert import Converter
    from pipeline.errors import ToolMissing
    try:
        converter = stack.enter_context(Converter(workers=options.workers, timeout=options.timeout,
                                                  progress=on_converted))
    except ToolMissing:
        return None
    converter.warm_up(1)
    return converter


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


def render(w: DocWork, gathered: Gathered, project: Project, staging: Path) -> list[str]:
    from pipeline.context import document_context
    from pipeline.render import RenderRequest, render_document
    from pipeline.review import document_props
    out = staging / w.plan.id / "word" / f"{w.spec.slug}.docx"
    out.parent.mkdir(parents=True, exist_ok=True)
    context = document_context(w.spec, w.plan.loaded.sources, w.plan.coverage, gathered.catalog, gathered.form,
                               w.plan.meta)
    request = RenderRequest(template=project.templates / w.spec.template, context=context, out=out,
                            props=document_props(w.plan, w.spec), comments=tuple(review_comments(w.plan, w.spec)),
                            when=w.plan.meta.build_date)
    return render_document(request)


def _job(w: DocWork, staging: Path):
    from pipeline.convert import ConvertJob
    base = staging / w.plan.id
    (base / "pdf").mkdir(parents=True, exist_ok=True)
    return ConvertJob(base / "word" / f"{w.spec.slug}.docx", base / "pdf" / f"{w.spec.slug}.pdf", w.name)


def _packs_needed(project: Project, gathered: Gathered, work: list[DocWork]) -> list[ArrangementPlan]:
    needed = []
    for plan_ in gathered.arrangements:
        pack = project.build / plan_.id / f"{plan_.id}-submission-pack.pdf"
        if not pack.is_file() or any(w.rebuild for w in work if w.plan is plan_):
            needed.append(plan_)
    return needed


def _commit(staged: Path, target: Path, keep: list[Path]) -> None:
    """Move staged files into place; edited drafts in `keep` are first set aside as *.edited.docx."""
    if not staged.is_dir():
        return
    for path in keep:
        os.replace(path, path.with_name(path.stem + ".edited.docx"))
    for path in sorted(p for p in staged.rglob("*") if p.is_file() and p.name != MANIFEST):
        dest = target / path.relative_to(staged)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, dest)
    if (staged / MANIFEST).is_file():  # last: the manifest describes files that are all in place
        os.replace(staged / MANIFEST, target / MANIFEST)

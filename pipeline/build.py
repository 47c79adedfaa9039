"""The build orchestrator: the order of stages in one place.

    up to date?  ->  gather (read + check everything, but arrangements unchanged since their last build)
    ->  plan (what changed, drafts edited since)  ->  lint the templates against their contexts
    ->  render Word  ->  convert to PDF  ->  assemble the packs  ->  write manifests
    ->  commit (move staged files into build/, all arrangements or none)  ->  record (for "up to date?")

Stages 3-5 overlap: LibreOffice converts while the next document renders, and a pack is assembled
as soon as its own documents are converted.

Nothing under build/<arrangement>/ changes until every stage has succeeded: outputs are staged in
build/.staging/ and moved into place at the end, so a failed build leaves the previous one intact.
One build runs at a time per project (build/.lock).
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from typing import TYPE_CHECKING

from pipeline.errors import SourceErrors, relpath
from pipeline.files import sync_later
from pipeline.project import BuildOptions, Project
from pipeline.release import uptodate
from pipeline.release.lock import build_lock
from pipeline.release.manifest import MANIFEST

if TYPE_CHECKING:
    from pipeline.gathered import Gathered
    from pipeline.plan import DocWork

# The source models, the Word, LibreOffice and PDF machinery are imported where they are used: a
# build with nothing to redo never loads them (they are most of a no-op build's start-up time).


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
    decisions: list[str] = field(default_factory=list)
    """Why each document was or was not redone (or why the whole build was replayed), for -v."""
    kept: list[str] = field(default_factory=list)
    """Where each edited Word draft was kept (`--keep-edited`)."""
    coverage: list[str] = field(default_factory=list)
    """The coverage report of each arrangement built, as printed (gaps are allowed in a draft)."""
    per_arrangement: dict[str, dict] = field(default_factory=dict)
    """What was printed for each arrangement, for a later build that need not read it again."""

    def summary(self) -> dict:
        """What a later build with nothing to do prints again (see pipeline/uptodate.py)."""
        return {"arrangements": self.arrangements, "documents": self.rendered + self.skipped, "pages": self.pages,
                "warnings": [str(w) for w in self.warnings], "coverage": self.coverage}

    @classmethod
    def replayed(cls, summary: dict, seconds: float, reason: str) -> "BuildReport":
        return cls(summary["arrangements"], skipped=summary["documents"], pages=summary["pages"],
                   seconds=seconds, warnings=summary["warnings"], coverage=summary["coverage"], decisions=[reason])


Progress = Callable[[str], None]


def build(project: Project, options: BuildOptions, progress: Progress = lambda msg: None,
          on_converted: Callable[[object], None] | None = None) -> BuildReport:
    started = time.monotonic()
    with build_lock(project.build, "build"):
        stamp, stamps = uptodate.fingerprints(project, options)  # 0. what this build is made from ...
        previous, why = uptodate.replay(project, options, stamp)
        if previous is not None:                              # ... as last time: done
            return BuildReport.replayed(previous, time.monotonic() - started, why)
        with contextlib.ExitStack() as stack:  # LibreOffice starts now, while the sources are read:
            early = _start_libreoffice(project, options, on_converted, stack)  # something changed since the last build
            unchanged, verified = uptodate.unchanged_arrangements(project, options, stamps)  # ... not for all
            with sync_later():  # every file _build writes is staged: commit flushes them all at once
                report = _build(project, options, progress, on_converted, early, unchanged)
        report.decisions.insert(0, why)
        uptodate.record(project, stamp, report.summary(), stamps, report.per_arrangement, verified)  # 9. next time
    report.seconds = time.monotonic() - started
    return report


def _build(project: Project, options: BuildOptions, progress: Progress, on_converted, early,
           unchanged: dict[str, dict]) -> BuildReport:
    from pipeline.documents.registry import PACK_COVER
    from pipeline.files import sha256_file, write_json
    from pipeline.gather import gather
    from pipeline.plan import packs_needed, plan, read_previous_builds
    from pipeline.release.commit import commit
    from pipeline.release.manifest import compose_manifest
    from pipeline.word.template_lint import cover_contexts
    gathered = gather(project, options, lint=False, skip=frozenset(unchanged))  # 1. read + check; raises
    read_previous_builds(gathered, project, options)          # 2. the last build, drafts edited since ...
    work = plan(gathered, project, options)                   # ... and what is out of date
    packs_wanted = packs_needed(project, gathered, work)
    todo = [w for w in work if w.rebuild]
    needed = {w.spec.template for w in todo} | ({PACK_COVER} if packs_wanted else set())
    # ... and the templates about to be used, against the contexts they get: the first arrangement's now,
    # the others' just before their first render (LibreOffice has work sooner; all pass before a commit)
    head = [w for w in todo if w.plan is todo[0].plan]
    rest = todo[len(head):]
    if problems := _lint(project, gathered, head, needed, cover_contexts(packs_wanted)):
        raise SourceErrors(_once(problems + _lint(project, gathered, rest, needed)))
    report = _report(project, gathered, work, unchanged)
    staging = project.build / ".staging"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        unplaced: dict[str, list[set[str]]] = {}

        def rendered():                                       # 3. render Word drafts, one by one ...
            for w in todo:
                if rest and w is rest[0] and (problems := _lint(project, gathered, rest,
                                                                 {r.spec.template for r in rest})):
                    raise SourceErrors(problems)              # the other arrangements' lint (see above)
                progress(f"render {w.name}")
                unplaced.setdefault(w.plan.id, []).append(set(render(w, gathered, project, staging)))
                w.context = None                              # rendered: its memory can go
                yield _job(w, staging)

        if todo or packs_wanted:
            from pipeline.libreoffice.converter import Converter
            from pipeline.pdf.packs import PackAssembler
            from pipeline.pdf.normalize import normalize_pdf
            from pipeline.pdf.textcheck import TextLost, text_losses
            lost: list[str] = []                              # Word text missing from the PDFs
            by_name = {w.name: w for w in todo}
            packs = PackAssembler(project, packs_wanted, work, staging)

            def converted(result) -> list:                    # 4. ... as each PDF is made:
                if (follow := packs.converted(result.job.name, result.pages)) is not None:
                    return follow                             # 5. ... a cover: merge its pack
                w = by_name[result.job.name]
                w.pages = result.pages
                lost.extend(text_losses(result.job.docx, result.job.pdf, w.name))  # Word and PDF say the same
                # the PDF's identity is its Word file's: the same draft gives the same bytes
                normalize_pdf(result.job.pdf, w.plan.meta.build_date, sha256_file(result.job.docx))
                return packs.document_converted(w)            # 5. a pack's last document: its cover

            with early or Converter(workers=options.workers, timeout=options.timeout, progress=on_converted) as conv:
                conv.warm_up(len(todo) or packs.expected)  # the other workers, when there is work for them
                conv.convert_stream(itertools.chain(packs.ready_jobs(), rendered()),
                                    expected=len(todo) or packs.expected, follow_up=converted)
            if lost:
                raise TextLost(lost)
        if early is not None or todo or packs_wanted:
            report.libreoffice_starts = (early or conv).starts
        report.missing_anchors = [f"{arr}: {a}" for arr, sets in unplaced.items()
                                  for a in sorted(set.intersection(*sets))]
        lo_version = None
        if todo or packs_wanted:
            from pipeline.libreoffice.converter import libreoffice_version
            lo_version = libreoffice_version()
        for plan_ in gathered.arrangements:                   # 6. manifests
            docs = [w for w in work if w.plan is plan_]
            manifest = compose_manifest(project, gathered, plan_, docs, staging / plan_.id, lo_version)
            if manifest != plan_.previous:                    # unchanged: leave the file as it is
                write_json(staging / plan_.id / MANIFEST, manifest)
        kept = commit(staging, project.build, report.arrangements,  # 7. commit, all or nothing
                      [d for p in gathered.arrangements for d in p.edited] if options.keep_edited else [])
        report.kept = [f"{relpath(draft)} -> {relpath(copy)}" for draft, copy in kept]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for plan_ in gathered.arrangements:
        report.per_arrangement[plan_.id]["pages"] = sum(w.pages or 0 for w in work if w.plan is plan_)
    report.rendered = [w.name for w in todo]
    report.skipped = [w.name for w in work if not w.rebuild] + [d for rec in unchanged.values() for d in rec["documents"]]
    report.pages = sum(rec["pages"] for rec in report.per_arrangement.values())
    return report


def _report(project: Project, gathered: Gathered, work: list[DocWork], unchanged: dict[str, dict]) -> BuildReport:
    """The report so far: every arrangement, read now or (unchanged) printed from the last build's record."""
    from pipeline.catalog.coverage import coverage_lines
    report = BuildReport(sorted({p.id for p in gathered.arrangements} | set(unchanged)),
                         warnings=gathered.warnings + [w for rec in unchanged.values() for w in rec["warnings"]],
                         decisions=[f"{w.name}: {w.reason}" for w in work])
    for plan_ in gathered.arrangements:
        src = plan_.loaded.sources
        report.per_arrangement[plan_.id] = {
            "documents": [w.name for w in work if w.plan is plan_], "warnings": [str(p) for p in plan_.printed],
            "coverage": coverage_lines(plan_.coverage),
            "outside": uptodate.borrowed_files(project, src.folder, src.files)}
    for arr, rec in unchanged.items():
        report.per_arrangement[arr] = rec
        report.decisions.append(f"{arr}: not read again: its sources, what it shares with the others and its "
                                "outputs are as its last build left them")
    report.coverage = [line for arr in report.arrangements for line in report.per_arrangement[arr]["coverage"]]
    return report


def _start_libreoffice(project: Project, options: BuildOptions, on_converted, stack: contextlib.ExitStack):
    """A Converter whose LibreOffice workers start in the background now: all of them for a first or
    forced build (every document is converted), else one (the others start once the plan says how many
    documents there are: a one-document rebuild needs one); None when LibreOffice is missing (reported
    only if something needs converting: source errors come first)."""
    from pipeline.libreoffice.converter import Converter
    from pipeline.errors import ToolMissing
    try:
        converter = stack.enter_context(Converter(workers=options.workers, timeout=options.timeout,
                                                  progress=on_converted))
    except ToolMissing:
        return None
    everything = options.force or not uptodate.built_before(project)
    converter.warm_up(sys.maxsize if everything else 1)  # as many workers as it may run
    return converter


def _lint(project: Project, gathered: Gathered, works: list[DocWork], names: set[str],
          contexts: dict[str, list[dict]] | None = None) -> list:
    """Template lint (see gather.lint_templates) against the contexts of `works`, which keep them for
    their render."""
    from pipeline.gather import lint_templates
    contexts = dict(contexts or {})
    for w in works:
        w.context = document_context(w, gathered)
        contexts.setdefault(w.spec.template, []).append(w.context)
    return lint_templates(project, names, gathered, contexts) if works or contexts else []


def _once(problems: list) -> list:
    return list({str(p): p for p in problems}.values())


def document_context(w: DocWork, gathered: Gathered) -> dict:
    from pipeline.documents.registry import document_inputs
    return w.spec.context(document_inputs(w.plan, gathered))


def render(w: DocWork, gathered: Gathered, project: Project, staging: Path) -> list[str]:
    from pipeline.documents.review import document_props, review_comments
    from pipeline.review.marks import DraftMarks
    from pipeline.word.render import RenderRequest, render_document
    out = staging / w.plan.id / "word" / f"{w.spec.slug}.docx"
    out.parent.mkdir(parents=True, exist_ok=True)
    context = w.context if w.context is not None else document_context(w, gathered)
    request = RenderRequest(template=project.templates / w.spec.template, context=context, out=out,
                            props=document_props(w.plan, w.spec), comments=tuple(review_comments(w.plan, w.spec)),
                            when=w.plan.meta.build_date,
                            marks=DraftMarks.for_document(w.plan.loaded, project.root, w.plan.id, w.spec.slug,
                                                          w.spec.key, w.inputs_hash))
    return render_document(request)


def _job(w: DocWork, staging: Path):
    from pipeline.libreoffice.converter import ConvertJob
    base = staging / w.plan.id
    (base / "pdf").mkdir(parents=True, exist_ok=True)
    return ConvertJob(base / "word" / f"{w.spec.slug}.docx", base / "pdf" / f"{w.spec.slug}.pdf", w.name)

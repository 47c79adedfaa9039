"""Stage 1 of a build: read and check everything, write nothing.

Catalog, form, sources, cross-checks, the coverage gate, template lint and the edited-draft check
all run here. Every problem is collected; errors (or warnings under --strict) stop the build
before a single output is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.catalog.loader import Catalog, RiskAssessmentForm, load_catalog, load_form
from pipeline.catalog.coverage import Coverage, compute_coverage
from pipeline.sources.crosscheck import check_arrangement, todo_markers
from pipeline.documents.registry import TEMPLATE_NAMES
from pipeline.errors import Problem, SourceErrors, relpath
from pipeline.files import sha256_file
from pipeline.gitinfo import build_date
from pipeline.release.manifest import read_manifest
from pipeline.project import BuildMeta, BuildOptions, Project
from pipeline.gathered import ArrangementPlan, Gathered
from pipeline.sources.loader import load_sources

def _template_shas(project: Project) -> tuple[dict[str, str], list[Problem]]:
    problems, shas = [], {}
    for name in TEMPLATE_NAMES:
        path = project.templates / name
        if path.is_file():
            shas[name] = sha256_file(path)
        else:
            problems.append(Problem(relpath(path), 0, "", "template missing"))
    return shas, problems


def lint_templates(project: Project, names: set[str]) -> list[Problem]:
    """Template lint: every name a template uses exists in its context (checked before any output)."""
    if not names:
        return []
    from pipeline.word.render import template_problems  # docxtpl: loaded only when templates are linted
    return [p for name in sorted(names) if (project.templates / name).is_file()
            for p in template_problems(project.templates / name, set(TEMPLATE_NAMES[name]))]


def edited_drafts(folder: Path, manifest: dict) -> list[Path]:
    """Word drafts in `folder` whose bytes differ from what its manifest recorded (edited in Word)."""
    edited = []
    for doc in manifest.get("documents", []):
        path = folder / doc["docx"]["path"]
        if path.is_file() and sha256_file(path) != doc["docx"]["sha256"]:
            edited.append(path)
    return edited


def gather(project: Project, options: BuildOptions, lint: bool = True) -> Gathered:
    """Everything read and checked. With `lint=False` the caller lints just the templates it renders."""
    problems: list[Problem] = []
    try:
        catalog = load_catalog()
        form = load_form(catalog=catalog)
    except SourceErrors as exc:  # the shipped catalog is data too: report it the same way
        raise SourceErrors(exc.problems) from None
    template_sha, template_issues = _template_shas(project)
    problems += template_issues
    if lint:
        problems += lint_templates(project, set(template_sha))
    loaded, source_problems = load_sources(project.sources, options.arrangement)
    problems += source_problems
    plans = []
    for item in loaded:
        src = item.sources
        issues = check_arrangement(item, catalog, project.sources) + todo_markers(list(src.files))
        coverage = compute_coverage(src, catalog)
        if options.final:
            issues = [Problem(p.file, p.line, p.path, p.message + " (a final build allows no TODO markers)")
                      if p.message.startswith("TODO") else p for p in issues]  # severity: error
            controls = item.files["controls"]
            line = controls.doc.line_of(("responses",)) if controls.doc else 0
            issues += [Problem(controls.display, line, "controls.responses", f"no response to applicable "
                               f"requirement {gap}: add one (see `regpack coverage`)") for gap in coverage.gaps]
        previous = read_manifest(project.build / src.arrangement.id) or {}
        edited = edited_drafts(project.build / src.arrangement.id, previous)
        for path in edited:
            if not options.keep_edited:
                issues.append(Problem(relpath(path), 0, "", "this Word draft was changed after regpack wrote it "
                                      "(edited in Word?); its edits would be lost. Carry them into the sources "
                                      "and delete the file, or build with --keep-edited to keep it beside the "
                                      "new draft as *.edited.docx"))
        when = build_date([src.folder, project.sources / "institution.yaml"], project.root,
                          src.arrangement.dates.hkma_notification)
        # the documents quote warnings' files relative to the project, never to where regpack was started
        quoted = [replace(p, file=relpath(p.file, project.root)) for p in issues if p.severity == "warning"]
        plans.append(ArrangementPlan(item, coverage, BuildMeta(when, options.final), quoted, edited, previous))
        problems += issues
    errors = [p for p in problems if p.severity == "error" or options.strict]
    if errors:
        raise SourceErrors(errors)
    return Gathered(catalog, form, plans, template_sha, [p for p in problems if p.severity == "warning"])

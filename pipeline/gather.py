"""Stage 1 of a build: read and check everything, write nothing.

Catalog, form, sources, cross-checks, the coverage gate and template lint all run here; nothing
under build/ is read, so `check` and `coverage` work whatever state the last build left. Every problem is collected; errors (or warnings under --strict) stop the build
before a single output is written.
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.catalog.loader import load_catalog, load_form
from pipeline.catalog.coverage import CONDITIONS, compute_coverage, inapplicable_responses
from pipeline.sources.crosscheck import check_arrangement, todo_markers
from pipeline.documents.registry import CODES, TEMPLATE_NAMES
from pipeline.errors import Problem, SourceErrors, relpath
from pipeline.files import sha256_file
from pipeline.gitinfo import build_date
from pipeline.project import BuildMeta, BuildOptions, Project
from pipeline.gathered import ArrangementPlan, Gathered
from pipeline.review.register import open_item_problems
from pipeline.sources.loader import load_sources
from pipeline.sources.enclosures import enclosure_problems
from pipeline.sources.stated_facts import internal_text_problems, stated_fact_problems

FINAL_REFUSES = {
    "todo-marker": "a final build allows no {marker} markers",
    "continuity-breach": "a final build allows no breach of the recovery targets or the tolerance",
    "past-due-action": "a final build allows no past-due actions",
    "na-without-reason": "a final build needs the reason why a requirement does not apply",
    "internal-text": "a final build sends the regulator no internal ids or tool wording",
    "stated-count": "a final build states no count that disagrees with the computed one",
    "stated-duration": "a final build states no duration that disagrees with the plan",
    "inapplicable-response": "a final build carries no response to a requirement that does not apply",
    "stale-attestation": "a final build relies on no attestation over 12 months old",
}
"""Warnings a draft build comments on and a final build refuses, by code."""


def final_refusal(problem: Problem) -> str:
    return FINAL_REFUSES[problem.code].format(marker=problem.data.get("marker", "TODO"))


def _template_shas(project: Project) -> tuple[dict[str, str], list[Problem]]:
    problems, shas = [], {}
    for name in TEMPLATE_NAMES:
        path = project.templates / name
        if path.is_file():
            shas[name] = sha256_file(path)
        else:
            problems.append(Problem(relpath(path), 0, "", "template missing"))
    return shas, problems


def lint_templates(project: Project, names: set[str], gathered: Gathered | None = None,
                   contexts: dict[str, list[dict]] | None = None) -> list[Problem]:
    """Template lint, before any output (errors only): Jinja syntax, names, what the sandbox refuses,
    styles; with `gathered`, every attribute path too, against each document's real context (or against
    `contexts`, template -> the contexts about to be rendered)."""
    if not names:
        return []
    from pipeline.word.template_lint import document_contexts, lint_environment, lint_template  # docxtpl
    if contexts is None:
        contexts = document_contexts(gathered) if gathered else {}
    env = lint_environment()
    return [p for name in sorted(names) if (project.templates / name).is_file()
            for p in lint_template(project.templates / name, TEMPLATE_NAMES[name], contexts.get(name, []),
                                   env).problems if not p.is_warning]


def gather(project: Project, options: BuildOptions, lint: bool = True, skip: frozenset[str] = frozenset()) -> Gathered:
    """Everything read and checked (but the arrangements in `skip`, unchanged since their last build).
    With `lint=False` the caller lints just the templates it renders."""
    problems: list[Problem] = []
    try:
        catalog = load_catalog(doc_codes=CODES)
        form = load_form(catalog=catalog)
    except SourceErrors as exc:  # the shipped catalog is data too: report it the same way
        raise SourceErrors(exc.problems) from None
    template_sha, template_issues = _template_shas(project)
    problems += template_issues
    loaded, source_problems = load_sources(project.sources, options.arrangement, skip)
    problems += source_problems
    plans = []
    for item in loaded:
        src = item.sources
        issues = check_arrangement(item, catalog, project.sources) + todo_markers(list(src.files))
        coverage = compute_coverage(src, catalog)
        issues += stated_fact_problems(list(src.files), project.root, coverage.applicable, src.exit.duration_months)
        issues += enclosure_problems(item, project.sources, options.final)
        issues += internal_text_problems(item, project.root, catalog.ids)
        controls = item.files["controls"]
        issues += [Problem(controls.display, controls.doc.line_of(("responses", i)), f"controls.responses[{i}]",
                           f"response to {req}, which does not apply to this arrangement (it applies only "
                           f"{CONDITIONS[catalog.by_id(req).applies_if]}): no document shows it; remove it, "
                           "or correct the arrangement if the condition does hold", "warning", "inapplicable-response",
                           {"requirement": req}) for i, req in inapplicable_responses(src, catalog, coverage)]
        if options.final:  # what a draft comments on, a final build refuses
            issues = [replace(p, message=f"{p.message} ({final_refusal(p)})", severity="error")
                      if p.code in FINAL_REFUSES else p for p in issues]
            controls = item.files["controls"]
            line = controls.doc.line_of(("responses",)) if controls.doc else 0
            issues += [Problem(controls.display, line, "controls.responses", f"no response to applicable "
                               f"requirement {gap}: add one (see `regpack coverage`)", code="missing-response",
                               data={"requirement": gap}) for gap in coverage.gaps]
            issues += open_item_problems(item.review)  # legal's review items still open
        when = build_date([src.folder, project.sources / "institution.yaml"], project.root,
                          src.arrangement.dates.hkma_notification)
        # the documents quote warnings' files relative to the project, never to where regpack was started
        quoted = [replace(p, file=relpath(p.file, project.root)) for p in issues if p.is_warning]
        inside = relpath(src.folder) + "/"
        printed = [p for p in source_problems if p.is_warning and str(p.file).startswith(inside)]
        plans.append(ArrangementPlan(item, coverage, BuildMeta(when, options.final), quoted,
                                     printed=printed + [p for p in issues if p.is_warning]))
        problems += issues
    if lint:  # with sound sources, the templates are checked against the data they will get
        sound = all(p.is_warning for p in problems)
        problems += lint_templates(project, set(template_sha),
                                   Gathered(catalog, form, plans, template_sha, []) if sound else None)
    errors = [p for p in problems if not p.is_warning or options.strict]
    if errors:
        raise SourceErrors(errors)
    return Gathered(catalog, form, plans, template_sha, [p for p in problems if p.is_warning])

"""`regpack templates check`: every template against its document type, with the project's real data.

The project is gathered as `regpack check` gathers it; then each document's context is built from each
arrangement's sources exactly as a build builds it (spec.context(DocumentInputs(...))), and every tag of
the template is resolved against those values (template_lint.py, tagwalk.py). Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.errors import Problem
from pipeline.project import BuildOptions, Project


@dataclass
class TemplateReport:
    templates: list[str]
    arrangements: list[str]
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    unchecked: int = 0
    """Attribute paths no arrangement had data for (an item of a list empty in every arrangement)."""

    def summary(self) -> str:
        against = (f"against {len(self.arrangements)} arrangement(s)" if self.arrangements
                   else "by name only (no arrangement under sources/ to take data from)")
        note = f"; {self.unchecked} attribute path(s) had no data to check against" if self.unchecked else ""
        return f"ok: {len(self.templates)} template(s) checked {against}, {len(self.warnings)} warning(s){note}"


def check_templates(project: Project) -> TemplateReport:
    """Every template's problems; source problems (which leave no data to check against) raise."""
    from pipeline.documents.registry import TEMPLATE_NAMES
    from pipeline.gather import gather
    from pipeline.word.template_lint import document_contexts, lint_environment, lint_template
    gathered = gather(project, BuildOptions(), lint=False)
    contexts = document_contexts(gathered)
    report = TemplateReport(sorted(TEMPLATE_NAMES), [p.id for p in gathered.arrangements])
    env = lint_environment()
    for name in report.templates:
        result = lint_template(project.templates / name, TEMPLATE_NAMES[name], contexts.get(name, []), env)
        report.errors += [p for p in result.problems if not p.is_warning]
        report.warnings += [p for p in result.problems if p.is_warning]
        report.unchecked += result.unchecked
    return report

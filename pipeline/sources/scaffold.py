"""`regpack scaffold --arrangement ID` and `regpack init --arrangement ID`: a new arrangement's sources.

Writes every source file the arrangement lacks, each with every required field as a TODO placeholder
(see placeholders.py), and `controls.yaml` with one TODO response (status `gap`, with an action) to
every catalog requirement that applies. Nothing that exists is overwritten: an existing file is kept
as it is, except that requirements missing from an existing `controls.yaml` are appended to it. The
result passes `regpack check` with TODO warnings only; a final build refuses it until every TODO is
replaced. `init` also copies regpack's own templates into a project that has none.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from pipeline.catalog.coverage import applicability_flags
from pipeline.catalog.loader import load_catalog
from pipeline.catalog.model import Requirement
from pipeline.errors import Problem, RegpackError, relpath
from pipeline.files import write_atomic
from pipeline.models import INSTITUTION_KIND, SOURCE_KINDS
from pipeline.sources.loader import read_source
from pipeline.sources.placeholders import Placeholders, quote, values
from pipeline.sources.schema import write_schemas
from pipeline.sources.yamlreader import YamlProblem, load_yaml

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,62}$")
REGPACK_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
HEADERS = {
    "institution": "The authorized institution, shared by every arrangement under sources/.",
    "arrangement": "What is outsourced, why, when, and where the data lives.",
    "vendor": "The provider, due diligence (SA-2 2.3.1), attestations, independent assessment and contract.",
    "controls": "One response per applicable catalog requirement: say how the institution meets it, then set\n"
                "# status (met, partial, gap, not_applicable) and responsibility (customer, shared, provider).\n"
                "# A partial or gap response keeps an action with owner and due date.",
    "risk": "Risk assessment (SA-2 2.2) and ongoing monitoring (SA-2 2.6).",
    "contingency": "Contingency plan: SA-2 2.7, TM-G-1 5.4.1 and 7.1.1(f), OR-1 8.3.",
    "exit": "Exit strategy: SA-2 2.7.3, OR-1 8.3.",
    "board": "The board meeting, the decision asked for, governance and sign-offs.",
}


class ScaffoldError(RegpackError):
    """The arrangement id is unusable, or an existing controls.yaml cannot be extended."""


@dataclass
class ScaffoldReport:
    lines: list[str] = field(default_factory=list)

    def note(self, verb: str, path: Path, detail: str = "") -> None:
        self.lines.append(f"{verb} {relpath(path)}{f' ({detail})' if detail else ''}")


def scaffold(root: Path, arrangement_id: str, *, templates: bool = False, today: dt.date | None = None
             ) -> ScaffoldReport:
    """Write what arrangement `arrangement_id` under `root` (the project) lacks."""
    if not ID_PATTERN.match(arrangement_id):
        raise ScaffoldError(f"arrangement id {arrangement_id!r} must be 3-63 characters of lower-case letters, "
                            "digits and hyphens, starting with a letter or digit (e.g. hmb-payments-hub-aws)")
    today = today or dt.date.today()
    sources, folder, report = root / "sources", root / "sources" / arrangement_id, ScaffoldReport()
    emit = Placeholders(values(arrangement_id, today), today)
    if templates:
        _copy_templates(root / "templates", report)
    if not (sources / "schema").exists():
        write_schemas(sources / "schema")
        report.note("wrote", sources / "schema", "JSON Schemas for editor completion")
    kinds = {INSTITUTION_KIND[0]: INSTITUTION_KIND[1], **SOURCE_KINDS}
    for kind, model in kinds.items():
        if kind == "controls":
            continue
        path = sources / "institution.yaml" if kind == "institution" else folder / f"{kind}.yaml"
        if path.exists():
            report.note("kept", path, "exists")
            continue
        schema = "./schema" if kind == "institution" else "../schema"
        _write(path, kind, schema, emit.model(model, kind))
        report.note("wrote", path)
    _controls(folder / "controls.yaml", sources, today, report)
    return report


def _write(path: Path, kind: str, schema: str, lines: list[str]) -> None:
    head = [f"# yaml-language-server: $schema={schema}/{kind}.schema.json", f"# {HEADERS[kind]}",
            "# Written by `regpack scaffold`: replace every TODO; `regpack check` lists those left.", ""]
    write_atomic(path, ("\n".join(head + lines) + "\n").encode("utf-8"))


def _applicable(sources: Path, folder: Path) -> tuple[list[Requirement], str]:
    """The catalog requirements that apply, judged from the arrangement's own files when they validate."""
    catalog = load_catalog()
    problems: list[Problem] = []
    models = {kind: read_source(path, kind, model, sources, problems).model for kind, model, path in (
        ("institution", INSTITUTION_KIND[1], sources / "institution.yaml"),
        ("arrangement", SOURCE_KINDS["arrangement"], folder / "arrangement.yaml"),
        ("vendor", SOURCE_KINDS["vendor"], folder / "vendor.yaml"))}
    if any(m is None for m in models.values()):
        return list(catalog.requirements), ("institution.yaml, arrangement.yaml or vendor.yaml does not validate, "
                                            "so every conditional requirement is included")
    flags = applicability_flags(SimpleNamespace(**models))
    return [r for r in catalog.requirements if r.applicable(flags)], ""


def _response(req: Requirement, due: str) -> list[str]:
    return [f"# {req.citation}: {req.title}",
            f"- requirement: {req.id}",
            f"  responsibility: {req.responsibility or 'customer'}",
            "  status: gap",
            f"  response: {quote('TODO: how the institution meets this requirement')}",  # no ids in text
            f"  action: {{description: {quote('TODO: write the response and gather the evidence')}, "
            f"owner: TODO, due: {due}}}"]


def _due(folder: Path, today: dt.date) -> str:
    """The notification date (so no scaffolded action is past due), from arrangement.yaml when it has one."""
    try:
        data = load_yaml(folder / "arrangement.yaml").data
        return str(dt.date.fromisoformat(str(data["dates"]["hkma_notification"])))
    except (OSError, YamlProblem, KeyError, TypeError, ValueError):
        return str(values("x", today)["arrangement.dates.hkma_notification"])


def _controls(path: Path, sources: Path, today: dt.date, report: ScaffoldReport) -> None:
    requirements, caveat = _applicable(sources, path.parent)
    due = _due(path.parent, today)
    if not path.exists():
        lines = ["responses:"] + [f"  {line}" if line else "" for req in requirements
                                  for line in ["", *_response(req, due)]]
        _write(path, "controls", "../schema", lines)
        report.note("wrote", path, f"{len(requirements)} TODO responses" + (f"; {caveat}" if caveat else ""))
        return
    try:
        doc = load_yaml(path)
    except YamlProblem as exc:
        raise ScaffoldError(f"{relpath(path)}:{exc.line}: {exc.message}; fix it, then run scaffold again") from None
    responses = doc.data.get("responses") if isinstance(doc.data, dict) else None
    if not isinstance(responses, list):
        raise ScaffoldError(f"{relpath(path)}: has no `responses:` list to add to; fix it or move it away")
    have = {r.get("requirement") for r in responses if isinstance(r, dict)}
    missing = [r for r in requirements if r.id not in have]
    if not missing:
        report.note("kept", path, "every applicable requirement has a response")
        return
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    key_line = doc.line_of(("responses",))
    last_key = list(doc.data)[-1] == "responses"
    if not responses or not last_key or not re.match(r"^responses:\s*(#.*)?$", lines[key_line - 1]):
        raise ScaffoldError(f"{relpath(path)}:{key_line}: cannot append to `responses:` (it must be the last key, "
                            f"a block list with at least one item); add these by hand: "
                            f"{', '.join(r.id for r in missing)}")
    first = lines[doc.line_of(("responses", 0)) - 1]
    indent = " " * (len(first) - len(first.lstrip()))
    added = [indent + line if line else "" for req in missing for line in ["", *_response(req, due)]]
    write_atomic(path, (text.rstrip("\n") + "\n" + "\n".join(added) + "\n").encode("utf-8"))
    report.note("added", path, f"{len(missing)} TODO responses to requirements it lacked; nothing else changed"
                + (f"; {caveat}" if caveat else ""))


def _copy_templates(target: Path, report: ScaffoldReport) -> None:
    shipped = sorted(REGPACK_TEMPLATES.glob("*.docx")) if REGPACK_TEMPLATES.is_dir() else []
    if not shipped:
        raise ScaffoldError(f"regpack's own templates are not at {REGPACK_TEMPLATES}: copy templates/*.docx from "
                            "the regpack repository into the project, then run `regpack scaffold`")
    for src in shipped:
        dst = target / src.name
        if dst.exists():
            report.note("kept", dst, "exists")
            continue
        write_atomic(dst, src.read_bytes())  # never a half-copied template
        report.note("wrote", dst)

"""The requirement catalog (one YAML file per framework in `pipeline/catalog/`) and the Risk Assessment
Form (`raf-form.yaml`): loaded, checked, and every problem in every file raised together as SourceErrors."""

from __future__ import annotations

import difflib
import hashlib
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.errors import Problem, SourceErrors, relpath

CATALOG_DIR = Path(__file__).parent
FORM_FILE = "raf-form.yaml"
Doc = Literal["NOTIF", "RAF", "BOARD"]
Condition = Literal["overseas", "local_and_overseas", "intra_group", "critical"]
Responsibility = Literal["customer", "shared", "provider"]
DOCS, APPLIES_IF, RESPONSIBILITIES = get_args(Doc), get_args(Condition), get_args(Responsibility)
RESPONSIBILITY_FRAMEWORKS = frozenset({"TMG1", "HKCLD"})  # default "customer"; other frameworks: not allowed
FRAMEWORK_ORDER = {"SA2": 0, "TMG1": 1, "OR1": 2, "HKCLD": 3}  # presentation order; others follow by name
FORM_ANSWER_KEYS = frozenset(f"{group}.{name}" for group, names in {  # what a form question may ask for
    "institution": "names type incorporation contact", "submission": "date change_type reference",
    "arrangement": "title service business_area banking_related service_model deployment_model systems "
                   "criticality customer_data data_categories data_volume contract_dates go_live annual_cost",
    "vendor": "legal_name parent incorporation regulated_status intra_group subcontractors attestations "
              "independent_assessment",
    "data": "storage_locations processing_locations backup_locations admin_access_locations",
    "risk": "criticality reasons inherent concentration country_risk residual approved_by",
    "declaration": "signatory board_approval statement"}.items() for name in names.split())
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FROZEN = ConfigDict(extra="forbid", frozen=True)


class Requirement(BaseModel):
    model_config = _FROZEN
    id: str = Field(pattern=r"^[A-Z][A-Z0-9]*-[A-Za-z0-9][A-Za-z0-9.-]*$")
    framework: str  # set by the loader from the file header
    citation: str = Field(min_length=1)
    section: str = Field(min_length=1)
    title: str = Field(min_length=1, max_length=120)
    docs: tuple[Doc, ...] = Field(min_length=1)
    applies_if: Condition | None = None
    responsibility: Responsibility | None = None

    def applicable(self, flags: set[str] | frozenset[str]) -> bool:  # unconditional, or condition in flags
        return self.applies_if is None or self.applies_if in flags


class Framework(BaseModel):
    model_config = _FROZEN
    framework: str = Field(pattern=r"^[A-Z][A-Z0-9]*$")
    title: str
    module: str
    version: str
    issuer: str
    requirements: tuple[Requirement, ...] = Field(min_length=1)


class Catalog(BaseModel):
    model_config = _FROZEN
    frameworks: tuple[Framework, ...]
    sha256: str  # of the framework files' bytes, concatenated in sorted filename order

    @cached_property
    def requirements(self) -> tuple[Requirement, ...]:  # all, in file order
        return tuple(r for fw in self.frameworks for r in fw.requirements)

    @cached_property
    def ids(self) -> frozenset[str]:
        return frozenset(r.id for r in self.requirements)

    @cached_property
    def version(self) -> str:  # e.g. "SA2 V.1 28.12.01; TMG1 V.1 24.06.03; ...", recorded in the manifest
        return "; ".join(f"{fw.framework} {' '.join(fw.version.replace('–', ' ').split())}"
                         for fw in self.frameworks)

    def by_id(self, req_id: str) -> Requirement:
        if found := next((r for r in self.requirements if r.id == req_id), None):
            return found
        raise KeyError(f"unknown requirement id {req_id!r}{_hint(req_id, self.ids)}")

    def for_document(self, doc: str, flags: set[str] | frozenset[str] | None = None) -> tuple[Requirement, ...]:
        """What `doc` (NOTIF, RAF, BOARD) must address; with `flags`, only the applicable requirements."""
        return tuple(r for r in self.requirements if doc in r.docs and (flags is None or r.applicable(flags)))


class FormQuestion(BaseModel):
    model_config = _FROZEN
    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    answer: str
    requirements: tuple[str, ...] = ()

    @field_validator("answer")
    @classmethod
    def _known_answer(cls, value: str) -> str:
        if value not in FORM_ANSWER_KEYS:
            raise ValueError(f"unknown answer key {value!r}{_hint(value, FORM_ANSWER_KEYS)}")
        return value


class FormPart(BaseModel):
    model_config = _FROZEN
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    from_catalog: bool = False  # rows = applicable catalog requirements whose docs include RAF
    questions: tuple[FormQuestion, ...] = ()


class RiskAssessmentForm(BaseModel):
    model_config = _FROZEN
    title: str
    form_version: str
    parts: tuple[FormPart, ...] = Field(min_length=1)
    sha256: str  # of the form file

    @property
    def questions(self) -> tuple[FormQuestion, ...]:
        return tuple(q for part in self.parts for q in part.questions)


def load_catalog(directory: Path | None = None) -> Catalog:
    """Load and check every framework file (`*.yaml` except the form) in `directory`."""
    directory = Path(directory) if directory else CATALOG_DIR
    files = sorted(p for p in directory.glob("*.yaml") if p.name != FORM_FILE)
    if not files:
        raise SourceErrors([Problem(relpath(directory), 0, "", "no framework files (*.yaml) found")])
    problems, digest, frameworks, first = [], hashlib.sha256(), [], {}  # first: id -> (where, loc) first seen
    for path in files:
        digest.update((where := _Where(path, problems)).data)
        if (raw := where.raw) is None:
            continue
        fw_key, reqs = (raw["framework"] if isinstance(raw.get("framework"), str) else "?"), []
        for i, item in enumerate(items := raw["requirements"] if isinstance(raw.get("requirements"), list) else []):
            loc: tuple = ("requirements", i)
            add = lambda sub, msg: problems.append(where.problem(loc + sub, msg))  # noqa: E731
            if not isinstance(item, dict) or "framework" in item:
                add((), "a requirement is a mapping without a 'framework' key (it comes from the header)")
                continue
            item = {**item, "framework": fw_key}
            if fw_key in RESPONSIBILITY_FRAMEWORKS:
                item.setdefault("responsibility", "customer")
            elif "responsibility" in item:
                add(("responsibility",), f"only {', '.join(sorted(RESPONSIBILITY_FRAMEWORKS))} use responsibility")
            try:
                req = Requirement.model_validate(item)
            except ValidationError as exc:
                problems += where.from_validation(exc, loc, label=item.get("id"))
                continue
            if fw_key != "?" and not req.id.startswith(f"{fw_key}-"):
                add(("id",), f"{req.id}: id must start with '{fw_key}-'")
            if req.id in first:
                other, other_loc = first[req.id]
                add(("id",), f"duplicate id {req.id} (first in {other.path.name}:{other.line(other_loc)})")
            first.setdefault(req.id, (where, loc + ("id",)))
            reqs.append(req)
        try:
            frameworks.append(Framework.model_validate({**raw, **({"requirements": reqs} if items else {})}))
        except ValidationError as exc:  # requirement problems were reported one by one above
            problems += [p for p in where.from_validation(exc, ())
                         if not (items and p.path.startswith("requirements"))]
    keys = [fw.framework for fw in frameworks]
    problems += [Problem(relpath(directory), 0, "framework", f"framework {k} is defined in more than one file")
                 for k in sorted({k for k in keys if keys.count(k) > 1})]
    if problems:
        raise SourceErrors(problems)
    frameworks.sort(key=lambda fw: (FRAMEWORK_ORDER.get(fw.framework, len(FRAMEWORK_ORDER)), fw.framework))
    return Catalog(frameworks=tuple(frameworks), sha256=digest.hexdigest())


def load_form(path: Path | None = None, catalog: Catalog | None = None) -> RiskAssessmentForm:
    """Load the Risk Assessment Form; its requirement ids must exist in `catalog` (default: the package's)."""
    path = Path(path) if path else CATALOG_DIR / FORM_FILE
    catalog = catalog or load_catalog()
    where = _Where(path, problems := [])
    if where.raw is None:
        raise SourceErrors(problems)
    try:
        form = RiskAssessmentForm.model_validate({**where.raw, "sha256": hashlib.sha256(where.data).hexdigest()})
    except ValidationError as exc:
        raise SourceErrors(where.from_validation(exc, ())) from None
    add = lambda loc, msg: problems.append(where.problem(loc, msg))  # noqa: E731
    seen: set[tuple[str, str]] = set()
    for i, part in enumerate(form.parts):
        if ("part", part.id) in seen:
            add(("parts", i, "id"), f"duplicate part id {part.id}")
        seen.add(("part", part.id))
        if part.from_catalog == bool(part.questions):
            add(("parts", i), f"part {part.id} needs either questions or from_catalog: true, not both")
        for j, q in enumerate(part.questions):
            if ("question", q.id) in seen:
                add(("parts", i, "questions", j, "id"), f"duplicate question id {q.id}")
            seen.add(("question", q.id))
            for k, ref in enumerate(q.requirements):
                if ref not in catalog.ids:
                    add(("parts", i, "questions", j, "requirements", k),
                        f"unknown requirement id {ref!r}{_hint(ref, catalog.ids)}")
    if problems:
        raise SourceErrors(problems)
    return form


def _hint(value: Any, choices) -> str:
    close = difflib.get_close_matches(str(value), sorted(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Where:  # one parsed YAML file (`raw` is None if unusable); locations in it -> Problems with lines

    def __init__(self, path: Path, problems: list[Problem]):
        self.path, self.data, self._root, self.raw = path, path.read_bytes(), None, None
        try:
            self.raw = yaml.load(self.data, Loader=_Loader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problems.append(Problem(relpath(path), mark.line + 1 if mark else 0, "", f"invalid YAML: {exc}"))
            return
        if not isinstance(self.raw, dict):
            problems.append(Problem(relpath(path), 1, "", "expected a mapping at the top level"))
            self.raw = None

    def line(self, loc: tuple) -> int:
        node = self._root = self._root or yaml.compose(self.data, Loader=_Loader)
        for step in loc:  # walk down; stop at the deepest node that exists
            kids = ({k.value: v for k, v in node.value} if isinstance(node, yaml.MappingNode)
                    else dict(enumerate(node.value)) if isinstance(node, yaml.SequenceNode) else {})
            if step not in kids:
                break
            node = kids[step]
        return node.start_mark.line + 1

    def problem(self, loc: tuple, message: str) -> Problem:
        path = "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in loc).lstrip(".")
        return Problem(relpath(self.path), self.line(loc), path, message)

    def from_validation(self, exc: ValidationError, prefix: tuple, label: Any = None) -> list[Problem]:
        out = []
        for e in exc.errors():
            loc, kind = prefix + tuple(e["loc"]), e["type"]
            keys = {f for m in (Requirement, Framework, FormQuestion, FormPart) for f in m.model_fields}
            msg = (f"unknown key {loc[-1]!r}{_hint(loc[-1], keys)}" if kind == "extra_forbidden"
                   else "required key is missing" if kind == "missing" else str(e["ctx"]["error"])
                   if kind == "value_error" else f"{e['msg']} (got {e.get('input')!r})")
            out.append(self.problem(loc, f"{label}: {msg}" if isinstance(label, str) else msg))
        return out


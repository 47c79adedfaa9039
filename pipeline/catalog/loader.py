"""Loading the requirement catalog (one YAML file per framework in this folder) and the Risk Assessment
Form (`raf-form.yaml`) with the same safe YAML reader and messages as the sources: every problem in
every file, with its line, raised together as SourceErrors."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, ValidationError

from pipeline.catalog.model import (FORM_ANSWER_KEYS, Catalog, FormPart, FormQuestion, Framework,  # noqa: F401
                                    Requirement, RiskAssessmentForm, hint)
from pipeline.errors import Problem, SourceErrors, relpath
from pipeline.sources.messages import problems_from
from pipeline.sources.yamlreader import Loc, YamlDocument, YamlProblem, load_yaml

CATALOG_DIR = Path(__file__).parent
FORM_FILE = "raf-form.yaml"
RESPONSIBILITY_FRAMEWORKS = frozenset({"TMG1", "HKCLD"})  # default "customer"; other frameworks: not allowed
FRAMEWORK_ORDER = {"SA2": 0, "TMG1": 1, "OR1": 2, "HKCLD": 3}  # presentation order; others follow by name


class _File:
    """One catalog file: its bytes, its parsed document (None if unusable), and problems at its lines."""

    def __init__(self, path: Path, problems: list[Problem]):
        self.path, self.display, self.problems = path, relpath(path), problems
        self.data, self.doc = path.read_bytes(), None
        try:
            self.doc = load_yaml(path)
        except YamlProblem as exc:
            problems.append(Problem(self.display, exc.line, "", f"invalid YAML: {exc.message}"))
            return
        if not isinstance(self.doc.data, dict):
            problems.append(Problem(self.display, 1, "", "expected a mapping at the top level"))
            self.doc = None

    @property
    def raw(self) -> dict | None:
        return self.doc.data if self.doc else None

    def add(self, loc: Loc, message: str) -> None:
        path = "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in loc).lstrip(".")
        self.problems.append(Problem(self.display, self.doc.line_of(loc), path, message))

    def validate(self, model: type[BaseModel], data: dict, prefix: Loc = (), label: str | None = None,
                 skip: str | None = None):
        """`model` validated from `data` (the value at `prefix`), or None with its problems added
        (except those under the field `skip`, reported elsewhere)."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            sub = YamlDocument(data, (self.doc.sub(prefix) if prefix else self.doc).lines)
            self.problems.extend(p for p in problems_from(exc, model, "", self.display, sub, prefix, label)
                                 if not (skip and p.path.startswith(skip)))
            return None


def load_catalog(directory: Path | None = None, doc_codes: frozenset[str] | None = None) -> Catalog:
    """Load and check every framework file (`*.yaml` except the form) in `directory`. With `doc_codes`
    (the document registry's), a requirement naming another document is an error at its line."""
    directory = Path(directory) if directory else CATALOG_DIR
    files = sorted(p for p in directory.glob("*.yaml") if p.name != FORM_FILE)
    if not files:
        raise SourceErrors([Problem(relpath(directory), 0, "", "no framework files (*.yaml) found")])
    problems: list[Problem] = []
    digest, frameworks, first = hashlib.sha256(), [], {}  # first: id -> (file, loc) first seen
    for path in files:
        digest.update((f := _File(path, problems)).data)
        if (raw := f.raw) is None:
            continue
        fw_key, reqs = (raw["framework"] if isinstance(raw.get("framework"), str) else "?"), []
        for i, item in enumerate(items := raw["requirements"] if isinstance(raw.get("requirements"), list) else []):
            loc: Loc = ("requirements", i)
            if not isinstance(item, dict) or "framework" in item:
                f.add(loc, "a requirement is a mapping without a 'framework' key (it comes from the header)")
                continue
            item = {**item, "framework": fw_key}
            if fw_key in RESPONSIBILITY_FRAMEWORKS:
                item.setdefault("responsibility", "customer")
            elif "responsibility" in item:
                f.add((*loc, "responsibility"), f"only {', '.join(sorted(RESPONSIBILITY_FRAMEWORKS))} use responsibility")
            label = item.get("id") if isinstance(item.get("id"), str) else None
            if (req := f.validate(Requirement, item, loc, label)) is None:
                continue
            if fw_key != "?" and not req.id.startswith(f"{fw_key}-"):
                f.add((*loc, "id"), f"{req.id}: id must start with '{fw_key}-'")
            for j, code in enumerate(req.docs):
                if doc_codes is not None and code not in doc_codes:
                    f.add((*loc, "docs", j), f"{req.id}: unknown document {code!r}; documents are "
                                             f"{', '.join(sorted(doc_codes))}")
            if req.id in first:
                other, other_loc = first[req.id]
                f.add((*loc, "id"), f"duplicate id {req.id} (first in {other.path.name}:{other.doc.line_of(other_loc)})")
            first.setdefault(req.id, (f, (*loc, "id")))
            reqs.append(req)
        # requirement problems were reported one by one above
        fw = f.validate(Framework, {**raw, **({"requirements": reqs} if items else {})},
                        skip="requirements" if items else None)
        if fw is not None:
            frameworks.append(fw)
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
    f = _File(path, problems := [])
    if f.raw is None:
        raise SourceErrors(problems)
    form = f.validate(RiskAssessmentForm, {**f.raw, "sha256": hashlib.sha256(f.data).hexdigest()})
    if form is None:
        raise SourceErrors(problems)
    seen: set[tuple[str, str]] = set()
    answered: dict[str, str] = {}  # answer key -> the question that uses it first
    for i, part in enumerate(form.parts):
        if ("part", part.id) in seen:
            f.add(("parts", i, "id"), f"duplicate part id {part.id}")
        seen.add(("part", part.id))
        if part.from_catalog == bool(part.questions):
            f.add(("parts", i), f"part {part.id} needs either questions or from_catalog: true, not both")
        for j, q in enumerate(part.questions):
            if ("question", q.id) in seen:
                f.add(("parts", i, "questions", j, "id"), f"duplicate question id {q.id}")
            seen.add(("question", q.id))
            first = answered.setdefault(q.answer, q.id)
            if first != q.id and q.same_answer_as != first:
                f.add(("parts", i, "questions", j, "answer"),
                      f"question {q.id} has the same answer as {first} ({q.answer}): give it its own answer key, or "
                      f"say `same_answer_as: {first}` if both questions really have one answer")
            for k, ref in enumerate(q.requirements):
                if ref not in catalog.ids:
                    f.add(("parts", i, "questions", j, "requirements", k),
                          f"unknown requirement id {ref!r}{hint(ref, catalog.ids)}")
    if problems:
        raise SourceErrors(problems)
    return form

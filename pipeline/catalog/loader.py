"""Loading the requirement catalog (one YAML file per framework in this folder) and the Risk Assessment
Form (`raf-form.yaml`) with the same safe YAML reader and messages as the sources: every problem in
every file, with its line, raised together as SourceErrors."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, ValidationError

from pipeline.catalog.model import (FORM_ANSWER_KEYS, PINPOINT, Catalog, FormPart, FormQuestion,  # noqa: F401
                                    Framework, Requirement, RiskAssessmentForm, hint)
from pipeline.errors import Problem, SourceErrors, relpath
from pipeline.sources.messages import problems_from
from pipeline.sources.yamlreader import Loc, YamlDocument, YamlProblem, load_yaml

CATALOG_DIR = Path(__file__).parent
FORM_FILE = "raf-form.yaml"
RESPONSIBILITY_FRAMEWORKS = frozenset({"TMG1", "HKCLD"})  # default "customer"; other frameworks: not allowed
FRAMEWORK_ORDER = {key: i for i, key in enumerate((  # presentation order; others follow by name
    "SA2", "TMG1", "OR1", "OR2", "HKCLD", "HKMA-TP-CYBER-2023", "HKMA-TP-IT-2024", "TMC1", "PCPD-XBORDER",
    "TME1", "HKMA-GENAI-2024", "CAP653"))}


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
    keys: list[tuple[str, _File]] = []  # every header's key, in file order
    for path in files:
        digest.update((f := _File(path, problems)).data)
        if (raw := f.raw) is None:
            continue
        fw_key, reqs = (raw["framework"] if isinstance(raw.get("framework"), str) else "?"), []
        instrument = raw["cited_as"] if isinstance(raw.get("cited_as"), str) else "?"
        if fw_key != "?":
            _collisions(fw_key, f, keys)
            keys.append((fw_key, f))
        for i, item in enumerate(items := raw["requirements"] if isinstance(raw.get("requirements"), list) else []):
            loc: Loc = ("requirements", i)
            if not isinstance(item, dict) or "framework" in item:
                f.add(loc, "a requirement is a mapping without a 'framework' key (it comes from the header)")
                continue
            item = {**item, "framework": fw_key, "instrument": instrument}
            if fw_key in RESPONSIBILITY_FRAMEWORKS:
                item.setdefault("responsibility", "customer")
            elif "responsibility" in item:
                f.add((*loc, "responsibility"), f"only {', '.join(sorted(RESPONSIBILITY_FRAMEWORKS))} use responsibility")
            label = item.get("id") if isinstance(item.get("id"), str) else None
            if (req := f.validate(Requirement, item, loc, label)) is None:
                continue
            if fw_key != "?" and not req.id.startswith(f"{fw_key}-"):
                f.add((*loc, "id"), f"{req.id}: id must start with '{fw_key}-'")
            if req.verified == "secondary" and (m := PINPOINT.search(req.section)):
                f.add((*loc, "section"), f"{req.id}: a secondary entry is cited by its section's title, so the "
                                         f"title may carry no paragraph or section number ({m.group(0).strip()!r}); "
                                         "keep the number in `citation` only")
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
    if problems:
        raise SourceErrors(problems)
    frameworks.sort(key=lambda fw: (FRAMEWORK_ORDER.get(fw.framework, len(FRAMEWORK_ORDER)), fw.framework))
    return Catalog(frameworks=tuple(frameworks), sha256=digest.hexdigest())


def _collisions(key: str, f: _File, seen: list[tuple[str, _File]]) -> None:
    """A framework key equal to an earlier file's, or one that is the other's prefix (so that an id such as
    `HKMA-TP-IT-2024-x` would start with both `HKMA-TP-` and `HKMA-TP-IT-2024-`), is an error at its line."""
    for other, g in seen:
        where = f"{g.path.name}:{g.doc.line_of(('framework',))}"
        if other == key:
            f.add(("framework",), f"framework {key} is already defined in {where}: give one of them another key")
        elif key.startswith(other + "-") or other.startswith(key + "-"):
            short, long = sorted((key, other), key=len)
            f.add(("framework",), f"framework key {key} collides with {other} ({where}): ids starting '{long}-' "
                                  f"also start with '{short}-'; choose keys neither of which begins the other")


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

"""Stage 1, gather: read every source file of the project and validate it into typed models.

Nothing is written here. Every problem in every file is collected; the caller gets either a
complete, validated project or one SourceErrors carrying all problems at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from pipeline.errors import Problem, SourceErrors, relpath
from pipeline.models.common import evidence_files
from pipeline.models import INSTITUTION_KIND, SOURCE_KINDS, ArrangementSources
from pipeline.review.register import Register, read_register
from pipeline.sources.messages import field_path, problems_from
from pipeline.sources.yamlreader import Loc, YamlDocument, YamlProblem, load_yaml, read_text

INCLUDE_KEY = "markdown_file"
_PLACEHOLDER = "(text of a Markdown file that could not be read)"


@dataclass
class SourceFile:
    """One YAML file, read and validated (model is None when it failed)."""

    path: Path
    display: str
    doc: YamlDocument | None
    model: BaseModel | None
    includes: list[Path]


def arrangement_folders(root: Path) -> list[Path]:
    """Every folder under `root` that holds an `arrangement.yaml`, sorted by name."""
    return sorted(p.parent for p in root.glob("*/arrangement.yaml"))


class _Includes:
    """Replaces every `{markdown_file: x.md}` in one file's data with the text of x.md."""

    def __init__(self, file: Path, kind: str, root: Path, doc: YamlDocument, display: str,
                 problems: list[Problem]):
        self.file, self.kind, self.root, self.doc, self.display = file, kind, root, doc, display
        self.problems, self.paths, self.failed = problems, [], []

    def fail(self, loc: Loc, message: str) -> str:
        self.problems.append(Problem(self.display, self.doc.line_of(loc), field_path(self.kind, loc), message))
        self.failed.append(loc)
        return _PLACEHOLDER

    def resolve(self, data: Any, loc: Loc = ()) -> Any:
        if isinstance(data, dict) and set(data) == {INCLUDE_KEY}:
            return self.include(data[INCLUDE_KEY], loc)
        if isinstance(data, dict):
            return {k: self.resolve(v, (*loc, k)) for k, v in data.items()}
        if isinstance(data, list):
            return [self.resolve(v, (*loc, i)) for i, v in enumerate(data)]
        return data

    def include(self, name: Any, loc: Loc) -> str:
        if not isinstance(name, str) or not name.strip():
            return self.fail(loc, f"{INCLUDE_KEY} must name a Markdown file, e.g. `{{{INCLUDE_KEY}: text.md}}`")
        target = (self.file.parent / name).resolve()
        if not target.is_relative_to(self.root.resolve()):
            return self.fail(loc, f"Markdown file {name!r} lies outside the sources folder "
                                  f"({relpath(self.root)}/); move it inside")
        if not target.is_file():
            return self.fail(loc, f"Markdown file {name!r} not found (looked for {relpath(target)})")
        try:
            text = read_text(target)
        except YamlProblem as exc:
            self.problems.append(Problem(relpath(target), exc.line, "", f"{exc.message} (included as "
                                         f"{field_path(self.kind, loc)} from {self.display}:{self.doc.line_of(loc)})"))
            self.failed.append(loc)
            return _PLACEHOLDER
        self.paths.append(target)
        return text


def read_source(path: Path, kind: str, model: type[BaseModel], root: Path,
                problems: list[Problem]) -> SourceFile:
    """Read, include and validate one source file; append its problems."""
    display = relpath(path)
    if not path.is_file():
        other = [p.name for p in (path.with_suffix(".yml"), path.with_suffix(".YAML")) if p.is_file()]
        hint = f"; rename {other[0]} to {path.name}" if other else " (see `regpack schema` for its fields)"
        problems.append(Problem(display, 0, "", f"file not found: every arrangement needs a {path.name}{hint}"
                                if kind != "institution" else f"file not found: the project needs a {path.name}{hint}"))
        return SourceFile(path, display, None, None, [])
    if not (target := path.resolve()).is_relative_to(root.resolve()):  # as for Markdown includes
        display = str(Path(relpath(path.parent)) / path.name)  # the link itself, not where it points
        problems.append(Problem(display, 0, "", f"is a link to {target}, outside the sources folder "
                                f"({relpath(root)}/): copy the file into the sources folder instead"))
        return SourceFile(path, display, None, None, [])
    try:
        doc = load_yaml(path)
    except YamlProblem as exc:
        problems.append(Problem(display, exc.line, field_path(kind, exc.loc) if exc.loc else "", exc.message))
        return SourceFile(path, display, None, None, [])
    if not isinstance(doc.data, dict):
        got = "a list" if isinstance(doc.data, list) else f"{doc.data!r}"[:40]
        problems.append(Problem(display, doc.line_of(()), kind,
                                f"expected a mapping of fields (`key: value` lines) at the top of the file, got {got}"))
        return SourceFile(path, display, doc, None, [])
    includes = _Includes(path, kind, root, doc, display, problems)
    data = includes.resolve(doc.data)
    try:
        validated = model.model_validate(data)
    except ValidationError as exc:  # errors at a failed include were reported already
        problems.extend(p for p in problems_from(exc, model, kind, display, doc)
                        if not any(p.path == field_path(kind, loc) for loc in includes.failed))
        return SourceFile(path, display, doc, None, includes.paths)
    return SourceFile(path, display, doc, None if includes.failed else validated, includes.paths)


@dataclass(frozen=True)
class LoadedArrangement:
    sources: ArrangementSources
    files: dict[str, SourceFile]
    """kind -> the file it came from (for line numbers in cross-checks)."""
    review: Register | None = None
    """Legal's review register (`review.yaml`), when the arrangement has one."""


def _evidence_paths(models, folder: Path, root: Path) -> set[Path]:
    """Evidence files kept with the sources (hashed into the manifest like any source)."""
    paths = {(folder / ev.file).resolve() for model in models for _, ev in evidence_files(model)}
    return {p for p in paths if p.is_file() and p.is_relative_to(root.resolve())}


def load_sources(root: Path, only: str | None = None,
                 skip: frozenset[str] = frozenset()) -> tuple[list[LoadedArrangement], list[Problem]]:
    """Read and validate the institution and every arrangement (or just `only`), but those in `skip`
    (unchanged since their last build: see release/uptodate.py).

    Returns the arrangements that validated completely, and all problems found.
    """
    problems: list[Problem] = []
    if not root.is_dir():
        return [], [Problem(relpath(root), 0, "", "sources folder not found")]
    kind, model = INSTITUTION_KIND
    institution = read_source(root / "institution.yaml", kind, model, root, problems)
    folders = arrangement_folders(root)
    if only is not None:
        folders = [f for f in folders if f.name == only]
        if not folders:
            known = ", ".join(f.name for f in arrangement_folders(root)) or "none"
            problems.append(Problem(relpath(root), 0, "", f"no arrangement {only!r} (known: {known})"))
    else:
        for stray in sorted(d for d in root.iterdir() if d.is_dir() and d not in folders):
            if any(stray.glob("*.yaml")) or any(stray.glob("*.yml")):
                problems.append(Problem(relpath(stray), 0, "", "folder has YAML files but no arrangement.yaml, "
                                        "so it is not checked: add one, or move the folder out of sources/"))
        if not folders:
            problems.append(Problem(relpath(root), 0, "", "no arrangement folders (each needs an arrangement.yaml)"))
    loaded = []
    for folder in (f for f in folders if f.name not in skip):
        files = {k: read_source(folder / f"{k}.yaml", k, m, root, problems) for k, m in SOURCE_KINDS.items()}
        review, review_problems = read_register(folder)
        problems += review_problems
        if institution.model is None or any(f.model is None for f in files.values()):
            continue
        all_files = {institution.path, *(f.path for f in files.values()),
                     *institution.includes, *(p for f in files.values() for p in f.includes)}
        models = {k: f.model for k, f in files.items()}
        all_files |= _evidence_paths(models.values(), folder, root)
        all_files |= {p for e in models["arrangement"].enclosures
                      if (p := (folder / e.file).resolve()).is_file() and p.is_relative_to(root.resolve())}
        sources = ArrangementSources(institution=institution.model, folder=folder,
                                     files=tuple(sorted(all_files)), **models)
        loaded.append(LoadedArrangement(sources, {"institution": institution, **files}, review))
    return loaded, problems


def load_or_raise(root: Path, only: str | None = None) -> list[LoadedArrangement]:
    loaded, problems = load_sources(root, only)
    if problems:
        raise SourceErrors(problems)
    return loaded

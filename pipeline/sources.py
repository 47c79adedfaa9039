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
from pipeline.models import INSTITUTION_KIND, SOURCE_KINDS, ArrangementSources
from pipeline.validation import problems_from
from pipeline.yamlsource import Loc, YamlDocument, YamlProblem, load_yaml, read_text

INCLUDE_KEY = "markdown_file"


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


def _resolve_includes(data: Any, loc: Loc, file: Path, root: Path, doc: YamlDocument,
                      display: str, includes: list[Path], problems: list[Problem]) -> Any:
    """Replace every `{markdown_file: x.md}` with the text of that file (kept inside `root`)."""
    if isinstance(data, dict):
        if set(data) == {INCLUDE_KEY}:
            target = (file.parent / str(data[INCLUDE_KEY])).resolve()
            line = doc.line_of(loc)
            if not target.is_relative_to(root.resolve()):
                problems.append(Problem(display, line, _dotted(loc), f"{data[INCLUDE_KEY]!r} lies outside "
                                        f"the sources folder {relpath(root)}; move it inside"))
                return None
            if not target.is_file():
                problems.append(Problem(display, line, _dotted(loc),
                                        f"Markdown file {data[INCLUDE_KEY]!r} not found (looked for {relpath(target)})"))
                return None
            try:
                text = read_text(target)
            except YamlProblem as exc:
                problems.append(Problem(relpath(target), exc.line, "", exc.message))
                return None
            includes.append(target)
            return text
        return {k: _resolve_includes(v, (*loc, k), file, root, doc, display, includes, problems)
                for k, v in data.items()}
    if isinstance(data, list):
        return [_resolve_includes(v, (*loc, i), file, root, doc, display, includes, problems)
                for i, v in enumerate(data)]
    return data


def _dotted(loc: Loc) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else p for p in loc).replace(".[", "[")


def read_source(path: Path, kind: str, model: type[BaseModel], root: Path,
                problems: list[Problem]) -> SourceFile:
    """Read, include and validate one source file; append its problems."""
    display = relpath(path)
    if not path.is_file():
        problems.append(Problem(display, 0, "", f"missing: every arrangement needs a {path.name} "
                                                "(see `regpack schema` for its fields)"))
        return SourceFile(path, display, None, None, [])
    try:
        doc = load_yaml(path)
    except YamlProblem as exc:
        problems.append(Problem(display, exc.line, "", exc.message))
        return SourceFile(path, display, None, None, [])
    if not isinstance(doc.data, dict):
        problems.append(Problem(display, 1, kind, "expected a mapping of fields at the top of the file"))
        return SourceFile(path, display, doc, None, [])
    includes: list[Path] = []
    before = len(problems)
    data = _resolve_includes(doc.data, (), path, root, doc, display, includes, problems)
    if len(problems) > before:
        return SourceFile(path, display, doc, None, includes)
    try:
        validated = model.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_from(exc, model, kind, display, doc))
        return SourceFile(path, display, doc, None, includes)
    return SourceFile(path, display, doc, validated, includes)


@dataclass(frozen=True)
class LoadedArrangement:
    sources: ArrangementSources
    files: dict[str, SourceFile]
    """kind -> the file it came from (for line numbers in cross-checks)."""


def load_sources(root: Path, only: str | None = None) -> tuple[list[LoadedArrangement], list[Problem]]:
    """Read and validate the institution and every arrangement (or just `only`).

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
    elif not folders:
        problems.append(Problem(relpath(root), 0, "", "no arrangement folders (each needs an arrangement.yaml)"))
    loaded = []
    for folder in folders:
        files = {k: read_source(folder / f"{k}.yaml", k, m, root, problems) for k, m in SOURCE_KINDS.items()}
        if institution.model is None or any(f.model is None for f in files.values()):
            continue
        all_files = {institution.path, *(f.path for f in files.values()),
                     *institution.includes, *(p for f in files.values() for p in f.includes)}
        models = {k: f.model for k, f in files.items()}
        sources = ArrangementSources(institution=institution.model, folder=folder,
                                     files=tuple(sorted(all_files)), **models)
        loaded.append(LoadedArrangement(sources, {"institution": institution, **files}))
    return loaded, problems


def load_or_raise(root: Path, only: str | None = None) -> list[LoadedArrangement]:
    loaded, problems = load_sources(root, only)
    if problems:
        raise SourceErrors(problems)
    return loaded

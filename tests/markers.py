"""A sample project in which every prose value of the example carries a unique marker (`zq0001` ...),
to prove that every source value reaches a document (and the PDF) or is declared internal."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from pipeline.models import INSTITUTION_KIND, SOURCE_KINDS
from pipeline.sources.loader import load_sources

MARKER = re.compile(r"zq\d{4}", re.IGNORECASE)


def _internal_paths() -> set[tuple[str, str]]:
    """(kind, field name path without list indexes) of fields the models declare internal."""
    found = set()

    def walk(model, kind, prefix):
        for name, info in model.model_fields.items():
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            if extra.get("internal"):
                found.add((kind, ".".join((*prefix, name))))
            for sub in _models_in(info.annotation):
                walk(sub, kind, (*prefix, name))

    for kind, model in [INSTITUTION_KIND, *SOURCE_KINDS.items()]:
        walk(model, kind, ())
    return found


def _models_in(annotation) -> list:
    import typing
    from pydantic import BaseModel
    out, stack = [], [annotation]
    while stack:
        a = stack.pop()
        if isinstance(a, type) and issubclass(a, BaseModel):
            out.append(a)
        stack.extend(typing.get_args(a))
    return out


def _mark(data, counter, where: list, path=()):
    """Prefix every string in `data` with a fresh marker; `where[i]` records marker i's path."""
    if isinstance(data, dict):
        if set(data) == {"markdown_file"}:
            return data
        return {k: v if k == "file" else _mark(v, counter, where, (*path, k)) for k, v in data.items()}
    if isinstance(data, list):
        return [_mark(v, counter, where, (*path, i)) for i, v in enumerate(data)]
    if isinstance(data, str):
        counter[0] += 1
        where.append(path)
        return f"zq{counter[0]:04d} {data}"
    return data


def _unmark(data, path):
    """`data` with the marker at `path` taken out again."""
    if not path:
        return MARKER.sub("", data, count=1).lstrip() if isinstance(data, str) else data
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        return {**data, head: _unmark(data[head], rest)}
    items = list(data)
    items[head] = _unmark(items[head], rest)
    return items


def marked_project(project: Path) -> dict[str, str]:
    """Mark every prose value under project/sources (YAML strings and Markdown files); values whose
    field does not accept a marker (ids, enumerations, patterns) are left as they were. Returns
    {marker: "file: field path"} for every marker that stays."""
    sources = project / "sources"
    counter, markers = [0], {}
    files = sorted(p for p in sources.rglob("*.yaml") if "schema" not in p.parts)
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        where: list = []
        marked = _mark(data, counter, where)
        first = counter[0] - len(where) + 1
        for i, loc in enumerate(where):
            markers[f"zq{first + i:04d}"] = (path, loc)
        path.write_text(yaml.safe_dump(marked, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for path in sorted(sources.rglob("*.md")):
        counter[0] += 1
        markers[f"zq{counter[0]:04d}"] = (path, ())
        path.write_text(f"zq{counter[0]:04d} " + path.read_text(encoding="utf-8"), encoding="utf-8")
    for _ in range(5):  # values a field refuses with a marker (ids, enumerations): take the marker out
        _, problems = load_sources(sources)
        refused = {(p.file, p.path) for p in problems}
        if not refused:
            break
        for marker, (path, loc) in list(markers.items()):
            if not loc:
                continue
            rel = str(path.relative_to(project)) if path.is_relative_to(project) else str(path)
            kind = path.stem
            dotted = kind + "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in loc)
            if any(f.endswith(rel) and (dotted == fp or dotted.startswith(fp + ".") or dotted.startswith(fp + "["))
                   for f, fp in refused):
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
                path.write_text(yaml.safe_dump(_unmark(data, loc), allow_unicode=True, sort_keys=False),
                                encoding="utf-8")
                del markers[marker]
    internal = _internal_paths()
    out = {}
    for marker, (path, loc) in markers.items():
        field = ".".join(str(x) for x in loc if not isinstance(x, int))
        if (path.stem, field) in internal:
            continue
        out[marker] = f"{path.relative_to(project)}: {field or '(Markdown file)'}"
    return out

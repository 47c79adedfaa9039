"""Where a piece of document text came from: every text value of the validated sources, by its exact text.

The Markdown filter looks up the text it is given. A value from `{markdown_file: x.md}` comes from that
Markdown file; any other from its YAML file, at the line of its key. Text a document computes (counts, dates,
labels, values joined or reworded) matches no source value and stays unmarked: it is template or computed
wording, which legal's edits cannot be written back into.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from pipeline.errors import relpath
from pipeline.sources.loader import INCLUDE_KEY, LoadedArrangement
from pipeline.sources.messages import field_path

SHORTEST = 4
"""Shorter values ("Yes", "N/A") are left unmarked: computed text would match them by chance."""
UNMARKED = ("Text without a mark is template wording or computed from the sources (counts, dates, labels, "
            "values combined or reworded): an edit to it is never written back; change the template or the "
            "source value it is computed from.")


@dataclass(frozen=True)
class Origin:
    field: str
    """Field path, e.g. `board.executive_summary`."""
    file: str
    """The file holding the text, relative to the project: the Markdown file of an include, else the YAML."""
    yaml: str
    """The YAML file of the field (the same as `file` unless the text is included from Markdown)."""
    line: int
    """Line of the field's key in the YAML file."""
    text: str
    """The value as validated (what the documents render)."""

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "file": self.file, "yaml": self.yaml, "line": self.line, "text": self.text}


def _literal_values(annotation: Any) -> set:
    """Every option of a Literal anywhere inside `annotation` (enumerations are labels, not prose)."""
    if typing.get_origin(annotation) is Literal:
        return set(typing.get_args(annotation))
    return {v for arg in typing.get_args(annotation) for v in _literal_values(arg)}


def _walk(value: Any, annotation: Any, loc: tuple, out: list[tuple[tuple, str]]) -> None:
    if isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            _walk(getattr(value, name), info.annotation, (*loc, name), out)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _walk(item, annotation, (*loc, i), out)
    elif isinstance(value, str) and len(value) >= SHORTEST and value not in _literal_values(annotation):
        out.append((loc, value))


def _raw(data: Any, loc: tuple) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


class OriginIndex:
    """Source text -> the fields it came from (usually one)."""

    def __init__(self, origins: list[Origin]):
        self._by_text: dict[str, list[Origin]] = {}
        for origin in origins:
            self._by_text.setdefault(origin.text, []).append(origin)

    def lookup(self, text: object) -> list[Origin]:
        return self._by_text.get(str(text), []) if text is not None else []


def value_origins(loaded: LoadedArrangement, root: Path) -> OriginIndex:
    """Every text value of one arrangement's validated sources (the institution's included)."""
    origins = []
    for kind, source in loaded.files.items():
        if source.model is None or source.doc is None:
            continue
        found: list[tuple[tuple, str]] = []
        _walk(source.model, None, (), found)
        yaml_file = relpath(source.path, root)
        for loc, text in found:
            raw = _raw(source.doc.data, loc)
            file = yaml_file
            if isinstance(raw, dict) and set(raw) == {INCLUDE_KEY} and isinstance(raw[INCLUDE_KEY], str):
                file = relpath((source.path.parent / raw[INCLUDE_KEY]).resolve(), root)
            origins.append(Origin(field_path(kind, loc), file, yaml_file, source.doc.line_of(loc), text))
    return OriginIndex(origins)

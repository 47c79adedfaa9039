"""Turns pydantic's validation errors into `file:line: field.path: message` problems people can act on."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from pipeline.errors import Problem
from pipeline.yamlsource import Loc, YamlDocument


def field_path(kind: str, loc: Loc) -> str:
    """`("attestations", 2, "period_end")` -> `vendor.attestations[2].period_end`."""
    out = kind
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional / Union / Annotated / list[...]."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    if origin in (list, tuple):
        return _unwrap(typing.get_args(annotation)[0])
    return [annotation]


def model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class that holds the field at `loc` (for "did you mean" hints)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part)
        if info is None:
            return None
        models = [t for t in _unwrap(info.annotation) if isinstance(t, type) and issubclass(t, BaseModel)]
        current = models[0] if models else None
    return current


def _clean_loc(loc: tuple) -> Loc:
    """Drop pydantic's union-branch markers such as `str` or `EvidenceFile` from a location."""
    return tuple(p for p in loc if isinstance(p, int)
                 or not (p[:1].isupper() or p == "str" or "-" in p or "[" in p))


def _message(model: type[BaseModel], loc: Loc, err: dict) -> str:
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        holder = model_at(model, loc[:-1])
        known = sorted(holder.model_fields) if holder else []
        hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
        tail = f"; did you mean {hint[0]!r}?" if hint else f"; allowed: {', '.join(known)}" if known else ""
        return f"unknown key{tail}"
    if kind == "missing":
        return "required field is missing"
    if kind.startswith("date"):
        return f"expected a date (YYYY-MM-DD), got {value!r}"
    if kind == "literal_error":
        return f"expected one of {err['ctx']['expected']}, got {value!r}"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, got {value!r}"
    if kind in ("int_type", "int_parsing", "float_type", "float_parsing"):
        return f"expected a number, got {value!r}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short":
        return f"needs at least {err['ctx']['min_length']} item(s)"
    if kind == "string_pattern_mismatch":
        return f"{value!r} does not match the required pattern {err['ctx']['pattern']}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of fields, got {type(value).__name__} {value!r}"[:160]
    if kind == "list_type":
        return f"expected a list, got {type(value).__name__}"
    if kind == "value_error":
        return str(err["ctx"]["error"])
    return err["msg"]


def problems_from(exc: ValidationError, model: type[BaseModel], kind: str,
                  display: str, doc: YamlDocument) -> list[Problem]:
    """One Problem per distinct error; union branches that fail alike are reported once."""
    seen: set[tuple] = set()
    problems = []
    for err in exc.errors(include_url=False):
        loc = _clean_loc(err["loc"])
        msg = _message(model, loc, err)
        key = (loc, msg)
        if key in seen:
            continue
        seen.add(key)
        problems.append(Problem(display, doc.line_of(loc), field_path(kind, loc), msg))
    return _drop_union_noise(problems)


def _drop_union_noise(problems: list[Problem]) -> list[Problem]:
    """When a value may be text or a mapping, pydantic reports both branches; keep the mapping's."""
    paths = {p.path for p in problems}
    return [p for p in problems
            if not (p.message.startswith("expected a mapping") and any(q.startswith(p.path + ".") for q in paths))]

"""Turns pydantic's validation errors into `file:line: field.path: message` problems people can act on."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from pipeline.errors import Problem
from pipeline.sources.yamlreader import Loc, YamlDocument

_MISSING = object()
_EXPECTED = {"string_type": "text", "bool_type": "true or false", "bool_parsing": "true or false",
             "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
             "float_type": "a number", "float_parsing": "a number", "list_type": "a list (one `- item` per line)"}
_BOUNDS = {"greater_than": ("greater than", "gt"), "greater_than_equal": ("at least", "ge"),
           "less_than": ("less than", "lt"), "less_than_equal": ("at most", "le")}


def field_path(kind: str, loc: Loc) -> str:
    """`("attestations", 2, "period_end")` -> `vendor.attestations[2].period_end`."""
    out = kind
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out.lstrip(".")


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


def _looks_like_branch(part: str) -> bool:
    return part[:1].isupper() or part in ("str", "date", "int", "float", "bool") or "-" in part or "[" in part


def _clean_loc(model: type[BaseModel], loc: tuple, data: Any = _MISSING) -> tuple[Loc, Loc | None]:
    """Drop pydantic's union-branch markers (`constrained-str`, `EvidenceFile`) from a location.

    A part is kept when it is a field of the model at that point or a key the user wrote (so
    `intra-group` or `Colour` stay); returns the cleaned location and, if a marker was dropped,
    the location of that union.
    """
    out: list[str | int] = []
    union: Loc | None = None
    for part in loc:
        present = isinstance(part, int) or (isinstance(data, dict) and part in data)
        if not present:
            holder = model_at(model, tuple(out))
            is_field = holder is not None and part in holder.model_fields
            if not is_field and (holder is not None or _looks_like_branch(part)):
                union = tuple(out)
                continue
        out.append(part)
        try:
            data = data[part] if present else _MISSING
        except (IndexError, KeyError, TypeError):
            data = _MISSING
    return tuple(out), union


def _got(value: Any) -> str:
    if value is None:
        return "nothing (the value is empty)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dt.datetime):
        return f"a date and time {value.isoformat(' ')!r}"
    if isinstance(value, dt.date):
        return repr(value.isoformat())
    if isinstance(value, dict) and len(value) == 1:
        return f"a mapping {{{_got(str(next(iter(value))))}: ...}}"
    if isinstance(value, dict):
        return f"a mapping with keys {', '.join(map(str, list(value)[:5]))}{', ...' if len(value) > 5 else ''}"
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, str) and len(value) > 50:
        value = value[:47].rstrip() + "..."
    return repr(value)


def _fields(model: type[BaseModel] | None) -> str:
    if model is None:
        return "a mapping of fields"
    required = [n for n, f in model.model_fields.items() if f.is_required()] or list(model.model_fields)
    return f"a mapping of fields ({', '.join(required[:6])}{', ...' if len(required) > 6 else ''})"


def _message(model: type[BaseModel], loc: Loc, err: dict) -> str:
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    if kind == "extra_forbidden":
        holder = model_at(model, loc[:-1])
        known = sorted(holder.model_fields) if holder else []
        hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
        tail = f"; did you mean {hint[0]!r}?" if hint else f"; allowed: {', '.join(known)}" if known else ""
        return f"unknown key{tail}"
    if kind == "missing":
        return "required field is missing"
    if kind.startswith("date"):
        why = f" ({ctx['error']})" if "error" in ctx and re.match(r"\d{4}-\d\d?-\d\d?$", str(value)) else ""
        return f"expected a date (YYYY-MM-DD), got {_got(value)}{why}"
    if kind == "literal_error":
        return f"expected one of {ctx['expected']}, got {_got(value)}"
    if kind == "string_type" and isinstance(value, dict) and len(value) == 1:
        key = str(next(iter(value)))
        if difflib.get_close_matches(key, ["markdown_file"], n=1):
            return f"unknown key {key!r} in a text field; did you mean 'markdown_file'?"
    if kind == "string_type" and isinstance(value, dict) and len(value) == 1:
        return f"expected text, got {_got(value)}; put text containing ': ' in quotes"
    if kind == "string_type" and isinstance(value, (int, float, dt.date)) and not isinstance(value, bool):
        return f"expected text, got {_got(value)}; put it in quotes"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {_got(value)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected {_fields(model_at(model, loc))}, got {_got(value)}"
    if kind in _BOUNDS:
        words, key = _BOUNDS[kind]
        bound = ctx[key]
        bound = int(bound) if isinstance(bound, float) and bound.is_integer() else bound
        return f"must be {words} {bound}, got {_got(value)}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']} characters, got {len(str(value))}"
    if kind == "too_short":
        n, got = ctx["min_length"], ctx.get("actual_length", 0)
        return f"needs at least {n} item{'s' if n != 1 else ''}, got {got or 'none'}"
    if kind == "string_pattern_mismatch":
        return f"{_got(value)} does not match the required pattern {ctx['pattern']}"
    if kind == "value_error":
        return str(ctx["error"])
    return err["msg"]


def _combine(messages: list[str]) -> str:
    """Failures of each branch of `text | mapping` for one value: `expected A or B, got V`."""
    parts = [m.split("; ")[0].split(", got ", 1) for m in messages]
    if all(len(p) == 2 and p[0].startswith("expected ") for p in parts) and len({p[1] for p in parts}) == 1:
        return " or ".join([parts[0][0], *(p[0].removeprefix("expected ") for p in parts[1:])]) + \
            f", got {parts[0][1]}"
    return messages[-1]


def _meant_text(model: type[BaseModel], union: Loc, data: Any) -> bool:
    """Where text or a mapping may go, a mapping with none of the mapping's fields was meant as text."""
    for part in union:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return False
    holder = model_at(model, union)
    return isinstance(data, dict) and holder is not None and not set(data) & set(holder.model_fields)


def problems_from(exc: ValidationError, model: type[BaseModel], kind: str, display: str, doc: YamlDocument,
                  prefix: Loc = (), label: str | None = None) -> list[Problem]:
    """One Problem per distinct error, in a form people can act on.

    Union branches that fail alike are reported once; a typo'd key is reported once as unknown
    (with its hint), not a second time as a missing field.
    """
    entries: list[tuple[Loc, Loc | None, str, dict]] = []
    for err in exc.errors(include_url=False):
        loc, union = _clean_loc(model, err["loc"], doc.data)
        entries.append((loc, union, _message(model, loc, err), err))
    deeper = {u for loc, u, _, _ in entries if u is not None and len(loc) > len(u)}
    meant_text = {u for u in deeper if _meant_text(model, u, doc.data)}
    deeper -= meant_text
    hinted = {(*loc[:-1], m.split("'")[1]) for loc, _, m, e in entries
              if e["type"] == "extra_forbidden" and "did you mean" in m}
    by_loc: dict[Loc, list[str]] = {}
    for loc, union, msg, err in entries:
        if union is not None and loc == union and union in deeper:
            continue  # a mapping was given: the mapping branch's errors say what is wrong
        if union in meant_text and len(loc) > len(union):
            continue  # `- Report: section 3`, text with `: ` in it: the text branch's error says it
        if err["type"] == "missing" and loc in hinted:
            continue  # `intra_grup` given for `intra_group`: the unknown key's hint says it all
        if msg not in by_loc.setdefault(loc, []):
            by_loc[loc].append(msg)
    return [Problem(display, doc.line_of(loc), field_path(kind, (*prefix, *loc)),
                    (f"{label}: " if label else "") + (_combine(msgs) if len(msgs) > 1 else msgs[0]))
            for loc, msgs in by_loc.items()]

"""What a value offers a template: its *shape*, a value from a real context and, where known, its declared
type (the pydantic field's annotation), so that an optional field empty in the sources, or an empty list,
is still known by type. Used by tagwalk.py to resolve attribute paths."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pydantic import BaseModel

MISSING = object()
"""No example value: the shape is known by its type only, or not at all."""
MACRO = "macro"
SAFE_VALUE_TYPES = (str, int, float, Decimal, date, bool)


@dataclass(frozen=True)
class Shape:
    value: object = MISSING
    hint: object = None
    """A type: a pydantic model class, list[X], X | None, str ..."""
    label: str = ""
    """How the message names it: `vendor`, `r (an item of risks)`."""


UNKNOWN = Shape()
REFUSED = Shape(label="refused")
"""What a reported tag resolves to: nothing further along it is reported again."""


def unwrap(hint):
    """X from X | None, Annotated[X, ...], Optional[X]."""
    while True:
        origin = typing.get_origin(hint)
        if origin is typing.Annotated:
            hint = typing.get_args(hint)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(hint) if a is not type(None)]
            if len(args) != 1:
                return None
            hint = args[0]
        else:
            return hint


def element_hint(hint):
    hint = unwrap(hint)
    if typing.get_origin(hint) in (list, tuple, set, frozenset) and typing.get_args(hint):
        return typing.get_args(hint)[0]
    return None


def model_class(shape: Shape):
    if isinstance(shape.value, BaseModel):
        return type(shape.value)
    hint = unwrap(shape.hint)
    return hint if isinstance(hint, type) and issubclass(hint, BaseModel) else None


def members(shape: Shape) -> list[str]:
    """What `shape` offers a template, for a did-you-mean."""
    if isinstance(shape.value, dict):
        return sorted(str(k) for k in shape.value)
    model = model_class(shape)
    if model is not None:
        props = [n for n, v in vars(model).items() if isinstance(v, property) and not n.startswith("_")]
        return sorted(set(model.model_fields) | set(props))
    return []


def attribute_hint(model, name: str):
    if name in model.model_fields:
        return model.model_fields[name].annotation
    prop = getattr(model, name, None)
    try:
        return typing.get_type_hints(prop.fget).get("return") if isinstance(prop, property) else None
    except Exception:  # an annotation that cannot be resolved here: known by value only
        return None

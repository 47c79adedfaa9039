"""Placeholder YAML for a kind of source: every required field of its model, with a value that validates
and passes the cross-checks, marked TODO so that a draft lists it and a final build refuses it.

Derived from the models themselves, so a new required field gets its placeholder without code here.
Text reads `"TODO: <what>"`; dates, numbers, booleans and choices carry a `# TODO: ...` comment on
their line (a final build refuses those too). Optional fields are left out.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import types
import typing
from typing import Any, Literal

from pydantic import BaseModel

HK = "Hong Kong"


def values(arrangement_id: str, today: dt.date) -> dict[str, Any]:
    """Values the cross-checks need consistent (dates in order, targets within the tolerance), by field
    path (`*` matches any part; a callable gets the list index). Other dates are `today`."""
    return {
        "arrangement.id": arrangement_id,
        "arrangement.dates.board_meeting": today + dt.timedelta(days=30),
        "arrangement.dates.hkma_notification": today + dt.timedelta(days=45),
        "arrangement.dates.contract_signing": today + dt.timedelta(days=60),
        "arrangement.dates.planned_go_live": today + dt.timedelta(days=180),
        "arrangement.dates.contract_term_years": 5,
        "arrangement.critical_operations.tolerance_hours": 24,
        "arrangement.data.locations.*.country": HK,
        "contingency.rto_hours": 4,
        "contingency.mto_hours": 8,
        "contingency.rpo_minutes": 15,
        "contingency.scenarios.recovery_hours": 4,
        "contingency.scenarios.id": lambda i: f"S{i + 1}",
        "risk.risks.id": lambda i: f"R{i + 1}",
        "exit.triggers.id": lambda i: f"T{i + 1}",
        "vendor.attestations.id": lambda i: f"REPORT-{i + 1}",
        "*.amount": 0,
    }


def quote(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escaping is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _words(path: str) -> str:
    return " ".join(path.split(".")[1:]).replace("_", " ")


class Placeholders:
    """Emits the YAML lines of one model, depth first, in field order."""

    def __init__(self, overrides: dict[str, Any], today: dt.date):
        self.overrides, self.today = overrides, today

    def override(self, path: str, index: int) -> Any:
        for pattern, value in self.overrides.items():
            if fnmatch.fnmatchcase(path, pattern):
                return value(index) if callable(value) else value
        return None

    def model(self, model: type[BaseModel], path: str, index: int = 0) -> list[str]:
        lines: list[str] = []
        for name, info in model.model_fields.items():
            if info.is_required():
                lines += self.field(name, info.annotation, info.metadata, f"{path}.{name}", index)
        return lines

    def field(self, name: str, annotation: Any, metadata: list, path: str, index: int) -> list[str]:
        inner = _concrete(annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return [f"{name}:", *("  " + line for line in self.model(inner, path, index))]
        if typing.get_origin(inner) is list:
            item = _concrete(typing.get_args(inner)[0])
            items: list[str] = []
            for i in range(max(_bound(metadata, "min_length") or 1, 1)):
                if isinstance(item, type) and issubclass(item, BaseModel):
                    sub = self.model(item, path, i)
                    items += ["- " + sub[0], *("  " + line for line in sub[1:])]
                else:
                    items.append("- " + self.scalar(item, _meta(typing.get_args(inner)[0]), path, i))
            return [f"{name}:", *("  " + line for line in items)]
        return [f"{name}: {self.scalar(inner, metadata, path, index)}"]

    def scalar(self, kind: Any, metadata: list, path: str, index: int) -> str:
        given = self.override(path, index)
        what = _words(path)
        if typing.get_origin(kind) is Literal:
            choices = typing.get_args(kind)
            return f"{choices[0]}  # TODO: {what}, one of {', '.join(map(str, choices))}"
        if kind is bool:
            return f"false  # TODO: {what}, true or false"
        if kind is dt.date:
            return f"{given or self.today}  # TODO: {what}"
        if kind in (int, float):
            if given is None:  # 1 where the bounds allow it, else the lowest allowed whole number
                ge, gt, le = (_bound(metadata, k) for k in ("ge", "gt", "le"))
                fits = (ge is None or ge <= 1) and (gt is None or gt < 1) and (le is None or le >= 1)
                given = 1 if fits else ge if ge is not None else int(gt) + 1
            return f"{int(given) if float(given).is_integer() else given}  # TODO: {what}"
        if given is not None:  # an id (valid as it is) or a value the checks need
            return quote(str(given)) + ("" if path.endswith(".id") else f"  # TODO: {what}")
        text = f"TODO: {what}"
        limit = _bound(metadata, "max_length")
        return quote(text if limit is None or len(text) <= limit else "TODO")


def _concrete(annotation: Any) -> Any:
    """`Annotated[X, ...]` -> X; `A | B` -> the model or list among them, else the first (text)."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _concrete(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        options = [_concrete(a) for a in typing.get_args(annotation) if a is not type(None)]
        return str if str in options else options[0]
    return annotation


def _meta(annotation: Any) -> list:
    return list(typing.get_args(annotation)[1:]) if typing.get_origin(annotation) is typing.Annotated else []


def _bound(metadata: list, name: str) -> Any:
    for item in metadata:
        value = getattr(item, name, None)
        if value is not None:
            return value
    return None


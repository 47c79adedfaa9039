"""Replacing one scalar of a YAML source file, leaving every other byte as it was (comments, key order,
quoting, the other values).

The value's node is found by its path; only the characters of that node are rewritten, in the style it had
where that style can hold the new text (a folded `>-` block is re-wrapped at the same indentation), else
double-quoted. The result is parsed again: it must hold exactly the old data with that one value changed.
"""

from __future__ import annotations

import json
import re
import textwrap
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from pipeline.review.mdspan import CannotApply

_FIELD = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def parse_field(path: str) -> tuple[str, tuple[str | int, ...]]:
    """`vendor.attestations[2].scope` -> ("vendor", ("attestations", 2, "scope"))."""
    kind, _, rest = path.partition(".")
    rest = "." + rest if rest else ""
    loc = tuple(int(m.group(2)) if m.group(2) else m.group(1) for m in _FIELD.finditer(rest))
    if "".join(m.group(0) for m in _FIELD.finditer(rest)) != rest:
        raise ValueError(f"not a field path: {path!r}")
    return kind, loc


def value_at(data: Any, loc: tuple) -> Any:
    for part in loc:
        data = data[part]
    return data


def _node(root, loc: tuple):
    node = root
    for part in loc:
        if isinstance(node, MappingNode) and isinstance(part, str):
            node = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == part), None)
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            node = None
        if node is None:
            raise CannotApply("the value comes from a YAML anchor or merge (`<<`), not from its own line: change "
                              "it by hand")
    return node


def _folded(header: str, value: str, indent: int, width: int) -> str | None:
    if "-" not in header and "+" not in header and value.endswith("\n"):
        value = value[:-1]  # `>` keeps one final line break of its own
    if "\n" in value or "  " in value or value != value.strip():
        return None
    lines = textwrap.wrap(value, width=max(width - indent, 40), break_long_words=False, break_on_hyphens=False)
    return header + "".join("\n" + " " * indent + line for line in lines)


def _candidates(text: str, node: ScalarNode, value: str) -> list[str]:
    start = node.start_mark.index
    out = []
    if node.style in (">", "|"):
        header = text[start:text.index("\n", start)] if "\n" in text[start:] else text[start:]
        body = text[start + len(header):node.end_mark.index].split("\n")
        content = [line for line in body if line.strip()]
        indent = min((len(line) - len(line.lstrip(" ")) for line in content), default=2)
        width = max((len(line) for line in content), default=100)
        if node.style == ">" and (folded := _folded(header.split("#")[0].rstrip(), value, indent, width)):
            out.append(folded)
    elif node.style is None and "\n" not in value:
        out.append(value)  # plain, if it still reads as the same text
    elif node.style == "'" and "\n" not in value:
        out.append("'" + value.replace("'", "''") + "'")
    out.append(json.dumps(value, ensure_ascii=False))
    return out


def replace_scalar(text: str, loc: tuple, value: str) -> str:
    """`text` (a YAML file) with the string at `loc` replaced by `value`. Raises CannotApply."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        before = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CannotApply(f"the file no longer reads as YAML ({exc.__class__.__name__})") from None
    node = _node(root, loc)
    if not isinstance(node, ScalarNode) or node.tag != "tag:yaml.org,2002:str":
        raise CannotApply("the value is not plain text in the YAML file: change it by hand")
    if sum(1 for n in _walk(root) if n is node) > 1:
        raise CannotApply("the value is shared through a YAML anchor: change it by hand")
    start, end = node.start_mark.index, node.end_mark.index
    end = start + len(text[start:end].rstrip())
    expected = before
    for candidate in _candidates(text, node, value):
        new_text = text[:start] + candidate + text[end:]
        try:
            after = yaml.safe_load(new_text)
        except yaml.YAMLError:
            continue
        if _with(expected, loc, value) == after:
            return new_text
    raise CannotApply("the new text cannot be written in place of the old value: change it by hand")


def _with(data: Any, loc: tuple, value: str) -> Any:
    """A copy of `data` with the value at `loc` set to `value` (what the file must read as after the edit)."""
    if not loc:
        return value
    head, rest = loc[0], loc[1:]
    if isinstance(data, dict):
        return {k: (_with(v, rest, value) if k == head else v) for k, v in data.items()}
    return [(_with(v, rest, value) if i == head else v) for i, v in enumerate(data)]


def _walk(node):
    yield node
    if isinstance(node, MappingNode):
        for k, v in node.value:
            yield from _walk(k)
            yield from _walk(v)
    elif isinstance(node, SequenceNode):
        for v in node.value:
            yield from _walk(v)

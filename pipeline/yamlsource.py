"""Safe YAML reading that keeps the line of every node and refuses the format's hazards.

PyYAML's safe loader silently keeps the last of two duplicate keys and expands aliases without a
limit; sources are written by people, so both are errors here. The result is plain Python data
plus a map from field path (a tuple of keys and list indexes) to the 1-based line it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # the C composer is much faster and still only builds a node tree
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - pure-Python PyYAML
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 200_000  # after alias expansion; guards against "billion laughs"

Loc = tuple[str | int, ...]


class YamlProblem(Exception):
    """A problem that stops this one file from being read: (line, message)."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class YamlDocument:
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int:
        """The line of `loc`, or of its nearest ancestor that has one."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 1)


class _Builder:
    """Turns a composed node tree into Python data, recording lines and refusing hazards."""

    def __init__(self) -> None:
        self.constructor = SafeConstructor()
        self.lines: dict[Loc, int] = {}
        self.count = 0

    def build(self, node: Node, loc: Loc) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlProblem(node.start_mark.line + 1,
                              f"the file expands to more than {MAX_NODES} values "
                              "(anchors and aliases nested too deeply?); write the values out")
        self.lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        construct = self.constructor.yaml_constructors.get(node.tag)
        if construct is None:
            raise YamlProblem(node.start_mark.line + 1,
                              f"unsupported YAML tag {node.tag!r}; remove it")
        return construct(self.constructor, node)

    def _mapping(self, node: MappingNode, loc: Loc) -> dict[str, Any]:
        self.constructor.flatten_mapping(node)  # resolves `<<: *anchor` merges
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise YamlProblem(key_node.start_mark.line + 1, "a key must be plain text")
            key = str(self.constructor.construct_object(key_node))
            line = key_node.start_mark.line + 1
            if key in result:
                first = self.lines.get((*loc, key), "?")
                raise YamlProblem(line, f"duplicate key {key!r} (first at line {first}); "
                                        "YAML would keep only the last value: remove one")
            self.lines[(*loc, key)] = line
            result[key] = self.build(value_node, (*loc, key))
            self.lines[(*loc, key)] = line
        return result


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The file as text, refusing oversize, non-UTF-8 and empty files with a line number."""
    size = path.stat().st_size
    if size > max_bytes:
        raise YamlProblem(0, f"file is {size} bytes, over the limit of {max_bytes}; split it")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlProblem(line, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); "
                                "save the file as UTF-8") from None
    if not text.strip():
        raise YamlProblem(0, "file is empty")
    return text.removeprefix("\ufeff")


def load_yaml(path: Path) -> YamlDocument:
    """Read one YAML file into data plus line map. Raises YamlProblem."""
    text = read_text(path)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise YamlProblem(line, f"YAML syntax: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(0, f"YAML syntax: {exc}") from None
    if node is None:
        raise YamlProblem(0, "file is empty (only comments)")
    builder = _Builder()
    data = builder.build(node, ())
    return YamlDocument(data, builder.lines)

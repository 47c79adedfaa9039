"""Safe YAML reading that keeps the line of every node and refuses the format's hazards.

PyYAML's safe loader silently keeps the last of two duplicate keys, expands aliases without a
limit and crashes on impossible dates; sources are written by people, so each is a clear error
here. The result is plain Python data plus a map from field path (a tuple of keys and list
indexes) to the 1-based line it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode

try:  # the C composer is much faster and still only builds a node tree
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - pure-Python PyYAML
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 200_000  # after alias expansion; guards against "billion laughs"
MAX_DEPTH = 100

Loc = tuple[str | int, ...]

_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_HINTS = {  # libyaml's terse complaints, and what usually causes them
    "mapping values are not allowed": "text containing ': ' must be quoted, and a key must not be "
                                      "indented more than the one above",
    "found character that cannot start any token": "text starting with @, ` or % must be quoted",
    "could not find expected ':'": "a key needs ': ' after it, and text continued from the line above "
                                   "needs more indentation than its key",
    "did not find expected key": "check the indentation of this line and the one above",
    "did not find expected '-' indicator": "check the indentation: list items start with '- ' in line "
                                           "with the others",
    "found undefined alias": "define the anchor with `&name` before using `*name`",
}


class YamlProblem(Exception):
    """A problem that stops this one file from being read: (line, message, field path)."""

    def __init__(self, line: int, message: str, loc: Loc = ()):
        super().__init__(message)
        self.line = line
        self.message = message
        self.loc = loc


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

    def sub(self, prefix: Loc) -> "YamlDocument":
        """The value at `prefix` as a document of its own (its lines are still the file's)."""
        data = self.data
        for part in prefix:
            data = data[part]
        n = len(prefix)
        return YamlDocument(data, {loc[n:]: line for loc, line in self.lines.items() if loc[:n] == tuple(prefix)})


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_STD) if tag.startswith(_STD) else tag


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class _Builder:
    """Turns a composed node tree into Python data, recording lines and refusing hazards."""

    def __init__(self) -> None:
        self.constructor = SafeConstructor()
        self.lines: dict[Loc, int] = {}
        self.count = 0
        self.open: set[int] = set()  # nodes being built: an alias to one of them is a cycle
        self.merged: dict[int, int] = {}  # mapping node -> how many of its pairs came from `<<`

    def build(self, node: Node, loc: Loc) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            top = loc[:1]
            raise YamlProblem(self.lines.get(top, _line(node)),
                              f"this value expands to more than {MAX_NODES:,} values through anchors "
                              "and aliases (`&name` / `*name`); write the values out instead", top)
        if len(loc) > MAX_DEPTH or id(node) in self.open:
            why = ("an alias refers to a value that contains it" if id(node) in self.open
                   else f"values are nested more than {MAX_DEPTH} levels deep")
            raise YamlProblem(_line(node), f"{why}; write the values out instead", loc[:1])
        self.lines.setdefault(loc, _line(node))
        if isinstance(node, ScalarNode):
            return self._scalar(node, loc)
        expected = _STD + ("map" if isinstance(node, MappingNode) else "seq")
        if node.tag != expected:
            raise YamlProblem(_line(node), f"unsupported YAML tag {_short_tag(node.tag)!r}; remove it", loc)
        self.open.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, loc)
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        finally:
            self.open.discard(id(node))

    def _scalar(self, node: ScalarNode, loc: Loc) -> Any:
        if node.tag not in _SCALAR_TAGS:
            raise YamlProblem(_line(node), f"unsupported YAML tag {_short_tag(node.tag)!r}; remove it", loc)
        try:
            return self.constructor.yaml_constructors[node.tag](self.constructor, node)
        except (ValueError, TypeError, AttributeError, yaml.YAMLError):
            if node.tag == _STD + "timestamp":  # e.g. 2026-02-30: let validation say what is wrong
                return node.value
            raise YamlProblem(_line(node), f"cannot read {node.value!r} as {_short_tag(node.tag)}", loc) from None

    def _mapping(self, node: MappingNode, loc: Loc) -> dict[str, Any]:
        if id(node) not in self.merged:  # an aliased mapping is flattened once only
            explicit = len(node.value) - sum(1 for k, _ in node.value if k.tag == _STD + "merge")
            try:
                self.constructor.flatten_mapping(node)  # resolves `<<: *anchor` merges (placed first)
            except yaml.MarkedYAMLError as exc:
                raise YamlProblem(_line(node), f"YAML merge (<<): {exc.problem}", loc) from None
            self.merged[id(node)] = len(node.value) - explicit
        merged = self.merged[id(node)]
        result: dict[str, Any] = {}
        from_merge: set[str] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            line = _line(key_node)
            if not isinstance(key_node, ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                raise YamlProblem(line, "a key must be plain text", loc)
            key = key_node.value
            if key in result and key not in from_merge:
                first = self.lines.get((*loc, key), "?")
                raise YamlProblem(line, f"duplicate key {key!r} (first at line {first}); "
                                        "YAML would keep only the last value: remove one", (*loc, key))
            if index < merged:
                from_merge.add(key)
            else:
                from_merge.discard(key)  # an explicit key overrides a merged one, as YAML intends
                self.lines.pop((*loc, key), None)
            self.lines[(*loc, key)] = line
            result[key] = self.build(value_node, (*loc, key))
            self.lines[(*loc, key)] = line
        return result


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The file as text, refusing oversize, non-UTF-8 and empty files with a line number."""
    size = path.stat().st_size
    if size > max_bytes:
        raise YamlProblem(0, f"file is {size:,} bytes, over the limit of {max_bytes:,} bytes; split it")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlProblem(line, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); "
                                "save the file as UTF-8") from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise YamlProblem(0, "file is empty")
    return text


def _syntax_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    problem, context = exc.problem or "", exc.context or ""
    mark = exc.problem_mark
    if mark is not None and problem:
        lines = text.splitlines()
        if mark.line < len(lines) and "\t" in lines[mark.line][: mark.column + 1]:
            return "YAML syntax: a tab character; indent with spaces only"
    if context == "while scanning a simple key":  # the line without ':' is where the mistake is
        message = f"this line is not a `key: value` pair ({problem})"
    elif context.startswith("while ") and exc.context_mark is not None:
        message = f"{problem} ({context} that starts at line {exc.context_mark.line + 1})"
    else:
        message = ", ".join(part for part in (context, problem) if part) or str(exc)
    hint = next((h for p, h in _HINTS.items() if p in problem), None)
    return f"YAML syntax: {message}" + (f"; {hint}" if hint else "")


def load_yaml(path: Path) -> YamlDocument:
    """Read one YAML file into data plus line map. Raises YamlProblem."""
    text = read_text(path)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context == "while scanning a simple key" and exc.context_mark is not None:
            mark = exc.context_mark
        raise YamlProblem(mark.line + 1 if mark else 0, _syntax_message(exc, text)) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else 0
        raise YamlProblem(line, f"control character U+{exc.character:04X} is not allowed; "
                                "remove it") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(0, f"YAML syntax: {exc}") from None
    if node is None:
        raise YamlProblem(0, "file is empty (only comments)")
    builder = _Builder()
    data = builder.build(node, ())
    return YamlDocument(data, builder.lines)

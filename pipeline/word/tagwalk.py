"""Walk a template's Jinja syntax tree against what its document's context really holds.

Every name, attribute path and loop variable a template uses is resolved against a *shape*: a value
from a real context (built from the project's sources) and, where known, its declared type (the
pydantic field's annotation), so an optional field that is empty in the sources, or a list that is
empty, is still checked by type. A loop variable is bound to an element of what it iterates. What can be
known neither way (an item of a list of plain dicts empty everywhere) is counted as unchecked, never guessed.

The walk also reports what the sandbox (sandbox.py) would refuse at render time: attributes starting
with `_`, calls of anything but plain values' methods, loop helpers and macros, unknown filters
and tests, and `{% include %}`-like tags (templates are single Word files).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import jinja2
from jinja2 import nodes
from jinja2.runtime import LoopContext
from jinja2.sandbox import is_internal_attribute, modifies_known_mutable

from pipeline.word.sandbox import callable_in_template
from pipeline.word.shapes import (MACRO, MISSING, REFUSED, SAFE_VALUE_TYPES, UNKNOWN, Shape, attribute_hint,
                                  element_hint, members, model_class, unwrap)

LOOP_ITEMS = 25
_SAME_ITEMS = {"sort", "reverse", "list", "unique", "select", "reject", "selectattr", "rejectattr", "d", "default"}
"""Filters whose result holds the same kind of items as their input (a loop over it is checked too)."""


@dataclass
class Walk:
    """One walk of one part of a template against one context. `findings` are (line, message, needle):
    the needle is text of the tag (`vendor.nmae`) that tells which paragraph of the line is meant."""

    env: jinja2.Environment
    context: dict[str, Shape]
    findings: list[tuple[int, str, str]] = field(default_factory=list)
    unchecked: set[tuple[int, str]] = field(default_factory=set)
    checked: set[tuple[int, str]] = field(default_factory=set)
    """(line, path) of attribute paths that could (checked) and could not (unchecked) be resolved."""
    styles: set[tuple[int, str]] = field(default_factory=set)
    """(line, style name) for every literal style the `markdown` filter is given (default Body Text)."""
    uses_markdown: bool = False

    def report(self, node: nodes.Node, message: str, needle: str = "") -> None:
        self.findings.append((node.lineno, message, needle or _text(node)))

    # -- statements --------------------------------------------------------------------------
    def body(self, items, scope: dict) -> None:
        for item in items:
            self.stmt(item, scope)

    def stmt(self, node: nodes.Node, scope: dict) -> None:
        if isinstance(node, nodes.For):
            for element in self.elements(self.expr(node.iter, scope), node.iter):
                inner = dict(scope, loop=Shape(hint=LoopContext, label="loop"))
                self.bind(node.target, element, inner)
                if node.test is not None:
                    self.expr(node.test, inner)
                self.body(node.body, inner)
            self.body(node.else_, scope)
        elif isinstance(node, nodes.Assign):
            self.bind(node.target, self.expr(node.node, scope), scope)
        elif isinstance(node, nodes.AssignBlock):
            self.body(node.body, scope)
            self.bind(node.target, UNKNOWN, scope)
        elif isinstance(node, nodes.With):
            inner = dict(scope)
            for target, value in zip(node.targets, node.values):
                self.bind(target, self.expr(value, scope), inner)
            self.body(node.body, inner)
        elif isinstance(node, (nodes.Macro, nodes.CallBlock)):
            if isinstance(node, nodes.Macro):
                scope[node.name] = Shape(hint=MACRO, label=node.name)
            else:
                self.expr(node.call, scope)
            inner = dict(scope, caller=Shape(hint=MACRO), varargs=UNKNOWN, kwargs=UNKNOWN)
            for arg in node.args:
                self.bind(arg, UNKNOWN, inner)
            for default in node.defaults:
                self.expr(default, scope)
            self.body(node.body, inner)
        elif isinstance(node, (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
            self.report(node, f"{{% {type(node).__name__.lower()} %}}: a Word template cannot use other templates")
        elif isinstance(node, nodes.Expr):
            self.expr(node, scope)
        else:  # Output, If, FilterBlock, Scope, ExprStmt ...: their children, in this scope
            for child in node.iter_child_nodes():
                self.stmt(child, scope)

    def bind(self, target: nodes.Node, shape: Shape, scope: dict) -> None:
        if isinstance(target, nodes.Name):
            scope[target.name] = Shape(shape.value, shape.hint, target.name + (f" ({shape.label})" if shape.label else ""))
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self.bind(item, UNKNOWN, scope)

    def elements(self, shape: Shape, iterated: nodes.Node) -> list[Shape]:
        """What a loop over `shape` binds its variable to: each item of the list (up to LOOP_ITEMS of
        them; a part of the form whose rows are empty is checked through the parts that have some)."""
        label = f"an item of {_text(iterated) or 'the list'}"
        value, hint = shape.value, element_hint(shape.hint)
        if isinstance(value, (list, tuple)) and value:
            return [Shape(item, hint, label) for item in value[:LOOP_ITEMS]]
        if isinstance(value, dict) and value:
            return [Shape(next(iter(value)), None, label)]
        return [Shape(MISSING, hint, label)]

    # -- expressions ---------------------------------------------------------------------------
    def expr(self, node: nodes.Node, scope: dict) -> Shape:
        if isinstance(node, nodes.Name):
            return self.name(node, scope)
        if isinstance(node, nodes.Getattr):
            return self.attribute(node, self.expr(node.node, scope), node.attr)
        if isinstance(node, nodes.Getitem):
            parent = self.expr(node.node, scope)
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                return self.attribute(node, parent, node.arg.value)
            self.expr(node.arg, scope)
            return self.elements(parent, node.node)[0] if isinstance(node.arg, nodes.Const) else UNKNOWN
        if isinstance(node, nodes.Const):
            return Shape(node.value)
        if isinstance(node, nodes.Call):
            self.call(node, scope)
        elif isinstance(node, (nodes.Filter, nodes.Test)):
            return self.filter_or_test(node, scope)
        else:  # operators, literals, conditional expressions ...: check what they contain
            for child in node.iter_child_nodes():
                self.expr(child, scope)
        return UNKNOWN

    def name(self, node: nodes.Name, scope: dict) -> Shape:
        if node.name in scope:
            return scope[node.name]
        if node.name in self.context:
            return self.context[node.name]
        if node.name in self.env.globals:
            return UNKNOWN
        close = difflib.get_close_matches(node.name, list(self.context) + list(scope), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; this document provides: {', '.join(sorted(self.context))}"
        self.report(node, f"unknown name {node.name!r}{hint}")
        return REFUSED

    def attribute(self, node: nodes.Node, parent: Shape, attr: str) -> Shape:
        path = _text(node) or attr
        if parent is REFUSED:
            return REFUSED
        if attr.startswith("_") or (parent.value is not MISSING and is_internal_attribute(parent.value, attr)):
            self.report(node, f"{path}: {attr!r} reaches Python internals; a template may only read its "
                              "document's data: remove the tag")
            return REFUSED
        if parent.value is not MISSING and modifies_known_mutable(parent.value, attr):
            self.report(node, f"{path}: {attr!r} would change the document's data; a template may only read it")
            return REFUSED
        if parent.hint == MACRO:
            return UNKNOWN
        model = model_class(parent)
        if parent.value is not MISSING and parent.value is not None:
            try:
                value = self.env.getattr(parent.value, attr)
            except Exception:  # a property that fails on this value: nothing to learn here
                return UNKNOWN
            if not isinstance(value, jinja2.Undefined):
                self.checked.add((node.lineno, path))
                return Shape(value, attribute_hint(model, attr) if model else None)
            return self.missing(node, parent, attr)
        if model is not None:
            if attr in members(parent):
                self.checked.add((node.lineno, path))
                return Shape(MISSING, attribute_hint(model, attr))
            return self.missing(node, parent, attr)
        hint = unwrap(parent.hint)
        if isinstance(hint, type) and (issubclass(hint, SAFE_VALUE_TYPES) or hint is LoopContext):
            return Shape() if hasattr(hint, attr) else self.missing(node, parent, attr)
        self.unchecked.add((node.lineno, path))
        return UNKNOWN

    def missing(self, node: nodes.Node, parent: Shape, attr: str) -> Shape:
        offered = members(parent)
        close = difflib.get_close_matches(attr, offered, n=1, cutoff=0.6)
        if close:
            hint = f"; did you mean {close[0]!r}?"
        elif offered:
            hint = f"; it has: {', '.join(offered)}"
        else:
            hint = ""
        self.report(node, f"{_text(node) or attr}: {parent.label or _text(getattr(node, 'node', node)) or 'it'} "
                          f"has no {attr!r}{hint}")
        return REFUSED

    def call(self, node: nodes.Call, scope: dict) -> None:
        callee = self.expr(node.node, scope)
        for child in [*node.args, *node.kwargs, node.dyn_args, node.dyn_kwargs]:
            if child is not None:
                self.expr(child, scope)
        if callee is REFUSED or callee.hint == MACRO or (callee.value is MISSING and callee.hint is None):
            return  # a macro, or something unknown (the sandbox still refuses it at render time)
        allowed = (callable_in_template(callee.value) if callee.value is not MISSING
                   else callee.hint is LoopContext)
        if not allowed:
            self.report(node, f"calls {_text(node.node) or 'something'}(): a template may only read its "
                              "document's data (it may call methods of plain values, loop.cycle and its own macros)",
                        _text(node.node))

    def filter_or_test(self, node, scope: dict) -> Shape:
        kind, known = ("filter", self.env.filters) if isinstance(node, nodes.Filter) else ("test", self.env.tests)
        if node.name not in known:
            close = difflib.get_close_matches(node.name, list(known), n=1)
            self.report(node, f"unknown {kind} {node.name!r}" + (f"; did you mean {close[0]!r}?" if close else ""),
                        node.name)
        if node.name in ("markdown", "inline_markdown"):
            self.uses_markdown = True
        if node.name == "markdown":
            style = node.args[0] if node.args else next((k.value for k in node.kwargs if k.key == "style"), None)
            if style is None:
                self.styles.add((node.lineno, "Body Text"))
            elif isinstance(style, nodes.Const) and isinstance(style.value, str):
                self.styles.add((node.lineno, style.value))
        shapes = [self.expr(child, scope) for child in [node.node, *node.args, *node.kwargs, node.dyn_args,
                                                         node.dyn_kwargs] if child is not None]
        keeps = isinstance(node, nodes.Filter) and node.node is not None and node.name in _SAME_ITEMS
        return shapes[0] if keeps else UNKNOWN


def _text(node: nodes.Node) -> str:
    """`vendor.contract.title`, `r.titel`, `d['x']`: the expression as written, for messages."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        parent = _text(node.node)
        return f"{parent}.{node.attr}" if parent else ""
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        parent = _text(node.node)
        return f"{parent}[{node.arg.value!r}]" if parent else ""
    return ""


def context_shapes(names: frozenset[str], context: dict | None) -> dict[str, Shape]:
    """The shapes of a context's names; with no context (no arrangement to build one from), names only."""
    return {name: Shape(context[name] if context is not None and name in context else MISSING, None, name)
            for name in names}

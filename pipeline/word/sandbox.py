"""The Jinja environment Word templates render in: a sandbox that reads the document's data and runs nothing.

Templates are Word files legal edits and receives by e-mail, and a tag is invisible in a git diff, so a
template is untrusted input. What a template may do:

- read the names its document type provides, their attributes and items (never attributes starting
  with `_`, so no `__class__`, `__globals__`, ...: Jinja's sandbox);
- apply filters (regpack's `markdown`, `inline_markdown`, `d`, `yesno`, `hours`, and Jinja's own);
- call methods of plain values (str, dict, list, numbers, dates), `loop.cycle()`/`loop.changed()` and
  its own macros, and nothing else: no method of the data's objects (a picture's template object could
  save files), and no Jinja globals (`cycler`, `joiner`,
  `namespace`, `lipsum`, `range`, `dict`: the shipped templates use none, and `cycler` was a way out);
- change nothing: lists and dicts are read-only (ImmutableSandboxedEnvironment).

An attempt to do anything else is a template error naming the template and the paragraph.
"""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal

import jinja2
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

LOOP_METHODS = frozenset({"cycle", "changed"})
_VALUE_TYPES = (str, dict, list, tuple, int, float, Decimal, date)
"""Plain values whose methods a template may call (`d.items()`, `s.split()`); the sandbox already refuses
the methods that change lists and dicts."""


def callable_in_template(obj: object) -> bool:
    """The only things a template may call: str methods, loop helpers and its own macros."""
    if isinstance(obj, (Macro, LoopContext)):
        return True
    owner = getattr(obj, "__self__", None)
    if isinstance(owner, LoopContext):
        return getattr(obj, "__name__", "") in LOOP_METHODS
    return isinstance(owner, _VALUE_TYPES) and callable(obj)


class TemplateSandbox(ImmutableSandboxedEnvironment):
    """Strict (an unknown name or attribute is an error), escaping (source text is data, never markup),
    sandboxed, with no globals."""

    def __init__(self, **kwargs):
        kwargs.setdefault("undefined", jinja2.StrictUndefined)
        kwargs.setdefault("autoescape", True)
        super().__init__(**kwargs)
        self.globals.clear()

    def is_safe_callable(self, obj: object) -> bool:
        return callable_in_template(obj) and super().is_safe_callable(obj)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's signature
        if isinstance(__obj, jinja2.Undefined):  # say what is undefined, not that it cannot be called
            __obj._fail_with_undefined_error()
        if not __self.is_safe_callable(__obj):
            raise SecurityError(f"calls {getattr(__obj, '__name__', type(__obj).__name__)}()")
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj, attribute):
        if isinstance(obj, jinja2.Undefined):  # `cycler.__init__`: "'cycler' is undefined"
            obj._fail_with_undefined_error()
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):
        if isinstance(obj, jinja2.Undefined):
            obj._fail_with_undefined_error()
        return super().getitem(obj, argument)


# -- where an error is: the paragraph of Word text around a Jinja line ------------------------------

_TAG = re.compile(r"<[^>]+>")
_JINJA = re.compile(r"\{[{%#]")
_TEXT = re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")
_WHOLE_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_SPACE = re.compile(r"\s+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def numbered_source(xml: str) -> str:
    """The template XML as docxtpl hands it to Jinja: each paragraph starts a new line, so Jinja's line
    numbers name paragraphs."""
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)


def source_lines(source: str) -> list[str]:
    """A numbered source's lines as Jinja counts them."""
    return _LINE_BREAK.split(source)


def paragraph_text(line: str, needle: str = "", limit: int = 100) -> str:
    """The Word text of one line of a numbered source, shortened to `limit` characters. A line holds a
    paragraph and what docxtpl put between paragraphs: the tags of `{{p}}`, `{%p %}` and `{%tr %}`
    paragraphs and rows, which replaced them whole. `needle` (text of the tag meant) picks among them."""
    units = []
    for piece in line.split("</w:p>"):
        units += _WHOLE_TAG.findall(_TAG.sub("", _TEXT.sub("", piece)))  # tags outside any Word text
        units.append("".join(_TEXT.findall(piece)))
    units = [_SPACE.sub(" ", html.unescape(unit)).strip() for unit in units]
    tagged = [u for u in units if _JINJA.search(u)]
    chosen = [u for u in tagged if needle and needle in u] or tagged or [u for u in units if u]
    text = " | ".join(chosen)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def paragraph_at(source: str, lineno: int) -> str:
    lines = source_lines(source)
    return paragraph_text(lines[lineno - 1]) if 1 <= lineno <= len(lines) else ""


def error_line(exc: BaseException) -> int | None:
    """The template line a Jinja error happened on: a syntax error knows it; a render error's traceback
    has a frame for the template (Jinja rewrites tracebacks so)."""
    lineno = getattr(exc, "lineno", None)
    if lineno:
        return lineno
    tb, found = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            found = tb.tb_lineno
        tb = tb.tb_next
    return found

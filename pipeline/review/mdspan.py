"""Writing legal's wording into Markdown source text, keeping the Markdown where legal kept it.

A paragraph of the Word draft is found in its source by its text with the Markdown markup left out (list
markers, `#`, `>`, emphasis, code ticks, link targets, escapes) and whitespace squashed. Legal's change is
split into word-level replacements; each replaces exactly the source characters of the words it changes.
A replacement whose source span holds markup (legal's change crosses bold, italics or a link) is not made:
the item stays open for a person to apply. New text is escaped so that it reads literally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

_LINE_START = re.compile(r"[ \t]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+|#{1,6}[ \t]+|>[ \t]?)*")
_LINK_TARGET = re.compile(r"\]\([^)\n]*\)")
_PUNCT = set("\\`*_{}[]()#+-.!|<>~=&\"'")
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


class CannotApply(Exception):
    """Legal's change cannot be written back automatically; the message says why (for the register)."""


class NotFound(Exception):
    """The paragraph legal changed is not (or not once) in the source text any more."""


def squash(text: str) -> str:
    return " ".join(text.split())


def skeleton(source: str) -> tuple[str, list[int]]:
    """`source` as plain text (markup out, whitespace squashed), and each character's index in `source`."""
    chars: list[str] = []
    where: list[int] = []
    i, n, line_start = 0, len(source), True

    def keep(ch: str, at: int) -> None:
        if ch.isspace():
            if chars and chars[-1] != " ":
                chars.append(" ")
                where.append(at)
            return
        chars.append(ch)
        where.append(at)

    while i < n:
        if line_start:
            i = _LINE_START.match(source, i).end()
            line_start = False
            if i >= n:
                break
        ch = source[i]
        before = source[i - 1] if i else " "
        after = source[i + 1] if i + 1 < n else " "
        if ch == "\n":
            keep(" ", i)
            line_start = True
        elif ch == "\\" and after in _PUNCT:
            keep(after, i + 1)
            i += 1
        elif ch == "*" and not (before.isspace() and after.isspace()):
            pass  # emphasis
        elif ch == "_" and not (before.isalnum() and after.isalnum()):
            pass  # emphasis (an underscore inside a word is literal)
        elif ch == "`" or (ch == "!" and after == "["):
            pass
        elif ch == "[":
            pass
        elif ch == "]" and (m := _LINK_TARGET.match(source, i)):
            i = m.end() - 1
        else:
            keep(ch, i)
        i += 1
    while chars and chars[-1] == " ":
        chars.pop()
        where.pop()
    return "".join(chars), where


def escape(text: str) -> str:
    """Legal's words as Markdown that reads literally."""
    out = []
    for i, ch in enumerate(text):
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if ch in "\\`*[]" or (ch == "_" and not (before.isalnum() and after.isalnum())):
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class Located:
    start: int
    """Index in the source of the paragraph's first character."""
    line: int


def locate(source: str, paragraph: str) -> Located:
    """Where `paragraph` (a Word paragraph's text) is in `source`; NotFound unless exactly once."""
    plain, where = skeleton(source)
    wanted = squash(paragraph)
    at = plain.find(wanted) if wanted else -1
    if at < 0:
        raise NotFound("its text is not in the source any more")
    if plain.find(wanted, at + 1) >= 0:
        raise NotFound("its text is in the source more than once")
    return Located(where[at], source.count("\n", 0, where[at]) + 1)


def _spans(tokens: list[str]) -> list[int]:
    offsets = [0]
    for token in tokens:
        offsets.append(offsets[-1] + len(token))
    return offsets


def rewrite(source: str, old: str, new: str) -> str:
    """`source` with the paragraph whose text is `old` changed to read `new`, touching only the changed words.
    Raises NotFound (the paragraph is not in the source once) or CannotApply (the change crosses markup)."""
    plain, where = skeleton(source)
    old_q, new_q = squash(old), squash(new)
    if not new_q:
        raise CannotApply("legal deleted the whole paragraph: remove it from the source by hand")
    at = plain.find(old_q)
    if at < 0 or not old_q:
        raise NotFound("its text is not in the source any more")
    if plain.find(old_q, at + 1) >= 0:
        raise NotFound("its text is in the source more than once")
    a, b = _TOKENS.findall(old_q), _TOKENS.findall(new_q)
    oa, ob = _spans(a), _spans(b)
    edits = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        c1, c2, text = oa[i1], oa[i2], escape(new_q[ob[j1]:ob[j2]])
        if c1 < c2:
            start, end = where[at + c1], where[at + c2 - 1] + 1
            kept = set(where[at + c1:at + c2])
            if any(not source[k].isspace() and k not in kept for k in range(start, end)):
                raise CannotApply("legal's change crosses Markdown formatting (bold, italics, code or a link) in "
                                  "the source: make it there by hand")
        else:
            start = end = where[at + c1 - 1] + 1 if c1 else where[at]
        edits.append((start, end, text))
    for start, end, text in reversed(edits):
        source = source[:start] + text + source[end:]
    return source

"""Text the documents could not show as written, found in the sources with file:line.

- Bidirectional control characters (U+202A-U+202E, U+2066-U+2069) reorder the text around them: the
  PDF could show other words than the source says. An error, naming the character.
- Characters no installed font has (emoji, rare CJK Extension B ideographs, private-use characters)
  print as blanks or boxes. A warning naming the character; checked with fontconfig's `fc-list` for
  characters outside the Basic Multilingual Plane, symbols and private-use characters. Set-up installs
  fonts-hanazono, which covers CJK Extension B; no emoji font is installed: Debian's colour emoji font
  prints blank in LibreOffice's PDF export (measured on 7.4.7), DejaVu Sans covers the common faces.
- Markdown the documents do not carry: images (only their alt text is shown) and links that are not
  `http(s):` or `mailto:` (only their text is shown). Warnings.
- Markdown nested deeper than Word can number (lists and quotes over MAX_DEPTH levels), and "words"
  of over MAX_WORD characters with no space that LibreOffice cannot lay out. Errors.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Iterator

from pipeline.errors import Problem, relpath
from pipeline.sources.loader import LoadedArrangement
from pipeline.sources.messages import field_path

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
MAX_DEPTH = 9  # Word numbers lists nine levels deep at most
MAX_WORD = 1000
LINK_SCHEMES = ("http://", "https://", "mailto:")  # the links pipeline/word/markdown.py keeps

_TARGET = r"\(\s*<?([^)\s>]*)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)"
_IMAGE = re.compile(r"!\[([^\]]*)\]" + _TARGET)
_LINK = re.compile(r"(?<!!)\[([^\]]+)\]" + _TARGET)
_CODE_SPAN = re.compile(r"(`+)[^`].*?\1")
_FENCE = re.compile(r"^\s*(```|~~~)")
_QUOTES = re.compile(r"(?:[ \t]*>)*")
_ITEM = re.compile(r"([ \t]*)(?:[-*+]|\d+[.)])(?:[ \t]|$)")
_LONG_WORD = re.compile(r"\S{%d,}" % (MAX_WORD + 1))


def char_name(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')}"


@functools.lru_cache(maxsize=None)
def font_covers(codepoint: int) -> bool:
    """Whether an installed font has this character (True when fontconfig cannot be asked). Colour bitmap
    fonts (Noto Color Emoji) do not count: LibreOffice 7.4 embeds them in a PDF but their glyphs print blank."""
    if shutil.which("fc-list") is None:
        return True
    try:
        out = subprocess.run(["fc-list", f":charset={codepoint:x}:color=false", "family"], capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return True
    return out.returncode != 0 or bool(out.stdout.strip())


def _needs_font_check(ch: str) -> bool:
    return ord(ch) > 0xFFFF or unicodedata.category(ch) in ("So", "Co")


class _Text:
    """One source file's raw lines, to find the line of a finding inside a multi-line value."""

    def __init__(self, path: Path):
        self.display = relpath(path)
        try:
            self.lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            self.lines = []

    def line_of(self, snippet: str, start: int, span: int) -> int:
        """The first line from `start` (1-based) within `span` lines that contains `snippet`, else `start`."""
        for number in range(max(start, 1), min(start + span, len(self.lines)) + 1):
            if snippet in self.lines[number - 1]:
                return number
        return start


def _strings(data, loc: tuple = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(data, str):
        yield loc, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, (*loc, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, (*loc, index))


def _findings(text: str) -> Iterator[tuple[int, str, str, str, str, dict]]:
    """(line offset in `text`, snippet to locate, severity, code, message, data) for what is wrong with it."""
    in_fence, first, deepest = False, None, 0
    for offset, raw in enumerate(text.splitlines()):
        for ch in () if raw.isascii() else sorted(set(raw), key=raw.index):  # both kinds are beyond ASCII
            if ch in BIDI_CONTROLS:
                yield offset, ch, "error", "bidi-character", (
                    f"{char_name(ch)}, a bidirectional control character: it reorders the text around it, so "
                    "the PDF could show other words than the source; remove it"), {"character": f"U+{ord(ch):04X}"}
            elif _needs_font_check(ch) and not font_covers(ord(ch)):
                yield offset, ch, "warning", "unrenderable-character", (
                    f"{char_name(ch)}: no installed font has this character, so the PDF would show a blank or "
                    "a box; write it out in words, or install a font that has it"), {"character": f"U+{ord(ch):04X}"}
        for word in _LONG_WORD.findall(raw):
            yield offset, word[:40], "error", "word-too-long", (
                f"a word of {len(word):,} characters with no space ({word[:20]!r}...): LibreOffice cannot lay "
                f"it out on a page; break it up (at most {MAX_WORD:,} characters)"), {}
        if _FENCE.match(raw):
            in_fence = not in_fence
        if in_fence:
            continue
        quotes = _QUOTES.match(raw)
        item = _ITEM.match(raw, quotes.end())
        depth = quotes[0].count(">") + (len(item[1].expandtabs(4)) // 4 + 1 if item else 0)
        if depth > MAX_DEPTH:  # reported once per text: where it starts, and how deep it goes
            first = first or (offset, raw.strip()[:40], "list" if item else "quote")
            deepest = max(deepest, depth)
        line = _CODE_SPAN.sub("", raw)
        for alt, src in _IMAGE.findall(line):
            shown = f"only its alt text {alt!r} is shown" if alt.strip() else "nothing of it is shown (no alt text)"
            yield offset, f"]({src}", "warning", "markdown-image", (
                f"Markdown image {src!r}: the documents do not embed images, {shown}; describe the picture "
                "in words, or ask for it to be added to the template"), {"src": src, "alt": alt}
        for label, href in _LINK.findall(line):
            if not href.lower().startswith(LINK_SCHEMES):
                yield offset, f"]({href}", "warning", "relative-link", (
                    f"link to {href!r}: the documents keep only its text {label!r} (only http(s) and mailto "
                    "links are kept); write the full address, or drop the link"), {"href": href, "text": label}
    if first:
        yield first[0], first[1], "error", "markdown-too-deep", (
            f"Markdown {first[2]} nested {deepest} levels deep from this line on; the documents number lists and "
            f"indent quotes at most {MAX_DEPTH} levels deep: flatten it"), {"depth": deepest}


def check_texts(loaded: LoadedArrangement) -> list[Problem]:
    """Every finding in every YAML value and every included Markdown file of one arrangement."""
    problems: dict[Problem, None] = {}  # ordered, without repeats
    markdown: set[Path] = set()
    for kind, source in loaded.files.items():
        markdown.update(source.includes)
        if source.doc is None:
            continue
        raw = _Text(source.path)
        for loc, value in _strings(source.doc.data):
            start = source.doc.line_of(loc)
            for _, snippet, severity, code, message, data in _findings(value):
                line = raw.line_of(snippet, start, value.count("\n") + 50)
                problems[Problem(source.display, line, field_path(kind, loc), message, severity, code, data)] = None
    for path in sorted(markdown):
        raw = _Text(path)
        for offset, _, severity, code, message, data in _findings("\n".join(raw.lines)):
            problems[Problem(raw.display, offset + 1, "", message, severity, code, data)] = None
    return list(problems)

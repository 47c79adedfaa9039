"""The text of each page of a PDF LibreOffice wrote, read from its content streams (for textcheck.py).

LibreOffice draws every line of text as its own text object: `BT x y Td /F1 10.5 Tf [<0102>-3<03>]TJ ET`,
with single-byte glyph codes and a /ToUnicode map in every font. Such a page's text is the glyphs of
its text objects, in content-stream order (as `pdftotext -raw` reads it), decoded through those maps;
a text object is kept when its origin lies inside the given area (the body, between the margins).
Spacing is not read: the check compares text without whitespace.

Anything else (a text matrix, literal strings, two-byte fonts, a font without /ToUnicode, text in a
form XObject, text under a transformation) raises `Unusual`, and the caller reads that PDF with
pdftotext instead. Reading here costs about half of pdftotext's 2 ms a page, in-process.
"""

from __future__ import annotations

import binascii
import re
import zlib
from pathlib import Path

from pipeline.pdf.rawpdf import NotPlain, RawPdf, ref, refs_in, value

_TEXT_OBJECT = re.compile(  # BT x y Td /F1 10.5 Tf, then only hex strings shown by TJ or Tj, ET
    rb"\bBT\s+(-?[\d.]+)\s+(-?[\d.]+)\s+Td\s*/([^\s/<>\[\]()]+)\s+[\d.]+\s+Tf([^T('\"]*(?:T[Jj][^T('\"]*)*)ET")
_BETWEEN_STRINGS = re.compile(rb">[^<]*<")
_HEX = re.compile(rb"<([0-9A-Fa-f]*)>")
_MATRIX = re.compile(rb"\bcm\b")
_STATE = re.compile(rb"\b(?:q|Q|BT)\b")
_NAMED_REF = re.compile(rb"/([^\s/<>\[\]()]+)\s*(\d+)\s+\d+\s+R")
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_RANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])")


class Unusual(Exception):
    """The PDF is not drawn as this reader expects: read it with pdftotext."""


def _utf16(hex_text: bytes) -> str:
    return binascii.a2b_hex(hex_text).decode("utf-16-be", "replace")


def _to_unicode(cmap: bytes) -> dict[int, str]:
    """A /ToUnicode CMap of one-byte codes as {code: text} (for str.translate)."""
    table: dict[int, str] = {}
    for block in _BFCHAR.findall(cmap):
        codes = _HEX.findall(block)
        for source, target in zip(codes[0::2], codes[1::2]):
            if len(source) != 2:
                raise Unusual("a font with codes longer than a byte")
            table[int(source, 16)] = _utf16(target)
    for block in _BFRANGE.findall(cmap):
        for low, high, target in _RANGE.findall(block):
            if len(low) != 2:
                raise Unusual("a font with codes longer than a byte")
            first, count = int(low, 16), int(high, 16) - int(low, 16) + 1
            if target.startswith(b"["):
                table.update((first + i, _utf16(t)) for i, t in enumerate(_HEX.findall(target)[:count]))
            else:
                start = _utf16(target[1:-1])
                table.update((first + i, start[:-1] + chr(ord(start[-1]) + i)) for i in range(count) if start)
    return table


class _Reader:
    def __init__(self, raw: RawPdf):
        self.raw = raw
        self.fonts: dict[int, dict[int, str]] = {}  # font object -> its map
        self.maps: dict[bytes, dict[bytes, dict[int, str]]] = {}  # resources -> font name -> map (pages share one)

    def _dictionary(self, text: bytes | None) -> bytes:
        """A dictionary given inline or by reference."""
        if text is None:
            return b"<<>>"
        match = re.fullmatch(rb"(\d+)\s+\d+\s+R", text)
        return self.raw.body(int(match.group(1))) if match else text

    def pages(self) -> list[tuple[bytes, bytes, bytes]]:
        """Each page's dictionary with its resources and media box (inherited from the tree)."""
        found: list[tuple[bytes, bytes, bytes]] = []

        def walk(number: int, resources: bytes | None, box: bytes | None, depth: int) -> None:
            node = self.raw.body(number)
            resources, box = value(node, b"/Resources") or resources, value(node, b"/MediaBox") or box
            kids = refs_in(value(node, b"/Kids"))
            if value(node, b"/Type") == b"/Pages" or kids:
                if depth > 32:
                    raise Unusual("a page tree too deep")
                for kid in kids:
                    walk(kid, resources, box, depth + 1)
            elif box is None:
                raise Unusual("a page without a media box")
            else:
                found.append((node, self._dictionary(resources), box))

        walk(ref(self.raw.catalog(), b"/Pages"), None, None, 0)
        return found

    def font_maps(self, resources: bytes) -> dict[bytes, dict[int, str]]:
        if resources not in self.maps:
            self.maps[resources] = self._font_maps(resources)
        return self.maps[resources]

    def _font_maps(self, resources: bytes) -> dict[bytes, dict[int, str]]:
        xobjects = self._dictionary(value(resources, b"/XObject"))
        for _, number in _NAMED_REF.findall(xobjects):
            if value(self.raw.body(int(number)), b"/Subtype") != b"/Image":
                raise Unusual("a form XObject (it may hold text)")
        maps = {}
        for name, number in _NAMED_REF.findall(self._dictionary(value(resources, b"/Font"))):
            number = int(number)
            if number not in self.fonts:
                font = self.raw.body(number)
                to_unicode = ref(font, b"/ToUnicode")
                if to_unicode is None or value(font, b"/Subtype") == b"/Type0":
                    raise Unusual("a font without a one-byte /ToUnicode map")
                self.fonts[number] = _to_unicode(self.raw.stream_data(to_unicode))
            maps[name] = self.fonts[number]
        return maps

    def text(self, page: bytes, resources: bytes, box: bytes, area: tuple[int, int, int, int]) -> str:
        x0, top, width, height = area
        page_height = float(box.strip(b"[] \n").split()[3])
        maps = self.font_maps(resources)
        content = b"\n".join(self.raw.stream_data(n) for n in refs_in(value(page, b"/Contents")))
        for matrix in _MATRIX.finditer(content):  # a transformation (an image's, a line's) must end before text
            depth = 1
            for state in _STATE.finditer(content, matrix.end()):
                if state.group() == b"BT":
                    raise Unusual("text drawn under a transformation")
                depth += 1 if state.group() == b"q" else -1
                if depth == 0:
                    break
        objects = _TEXT_OBJECT.findall(content)
        if len(objects) != content.count(b"BT"):  # hex strings and numbers hold no "T"
            raise Unusual("a text object with more than one position, font or string kind")
        runs: list[tuple[bytes, list[bytes]]] = []  # text objects in a row with the same font, inside the area
        for x, y, font, shown in objects:
            x, y = float(x), page_height - float(y)
            if width and not (x0 <= x <= x0 + width and top <= y <= top + height):
                continue
            if runs and runs[-1][0] == font:
                runs[-1][1].append(shown)
            else:
                runs.append((font, [shown]))
        parts = []
        for font, shown in runs:
            glyphs = _BETWEEN_STRINGS.sub(b"", b"".join(shown))  # [<01>-3<02>]TJ [<03>]TJ -> [<010203>]TJ
            try:
                parts.append(binascii.a2b_hex(glyphs[glyphs.find(b"<") + 1:glyphs.rfind(b">")]).decode("latin-1")
                             .translate(maps[font]))
            except (KeyError, binascii.Error):
                raise Unusual("an unknown font or an odd glyph string") from None
        return "".join(parts)


def page_texts(pdf: Path, area: tuple[int, int, int, int]) -> list[str]:
    """The text of each page inside `area` (x, y from the top, width, height in points; all zero: the
    whole page), without spacing. Raises Unusual for a PDF not drawn as LibreOffice draws."""
    try:
        reader = _Reader(RawPdf(Path(pdf).read_bytes()))
        return [reader.text(page, resources, box, area) for page, resources, box in reader.pages()]
    except (NotPlain, KeyError, ValueError, IndexError, zlib.error) as exc:  # KeyError: an object the table lacks
        raise Unusual(str(exc)) from None

"""A PDF read as bytes, for copying its objects into a pack without parsing what they hold.

The packs are merged from PDFs LibreOffice wrote: one classic cross-reference table, no object streams,
no incremental updates. Such a file is read here object by object as byte spans; an object is copied by
rewriting only the indirect references in its dictionary (strings and stream data are never touched),
so a page, its fonts and its images reach the pack byte for byte. Any other PDF (an enclosure another
tool wrote) is first rewritten into that form by pypdf (`RawPdf.read`).

What a merge needs of a dictionary (a catalog's /Pages, an outline's /First) is read with `value`,
which looks only at the dictionary's own keys.
"""

from __future__ import annotations

import hashlib
import io
import re
import zlib
from pathlib import Path

# an indirect reference "12 0 R", a literal string, a comment, or the keyword ending a dictionary's part
_TOKEN = re.compile(rb"(?<![\w.#+-])(\d+)\s+\d+\s+R(?![\w#])|\(|%|(?<![\w/#])(stream|endobj)(?![\w#])")
_KEYWORD = re.compile(rb"\(|%|(?<![\w/#])(stream|endobj)(?![\w#])")
_STRING_PART = re.compile(rb"\\.|[()]", re.S)
_DICT_TOKEN = re.compile(rb"<<|>>|\[|\]|\(|/[^\s/<>\[\]()%{}]*")  # what `value` steps through
_NAME_VALUE = re.compile(rb"\s*/[^\s/<>\[\]()%{}]*")
_VALUE = re.compile(rb"\s*(\d+\s+\d+\s+R|\[[^\]]*\]|/?[^\s/<>\[\]()]+|<[^<>]*>|\((?:\\.|[^\\()])*\))")  # the values `value` reads
_XREF_ENTRY = re.compile(rb"(\d{10}) \d{5} ([nf])[ \r\n]{2}")
_OBJ_HEADER = re.compile(rb"\s*(\d+)\s+\d+\s+obj")
_XREF_SUBSECTION = re.compile(rb"\s*(\d+) (\d+)\s")


class NotPlain(ValueError):
    """The file is not one classic cross-reference table over plain objects."""


def _string_end(data: bytes, start: int) -> int:
    """The index after the literal string opening at `start` (nested parentheses, escapes)."""
    depth, pos = 0, start
    while match := _STRING_PART.search(data, pos):
        pos = match.end()
        if match.group() == b"(":
            depth += 1
        elif match.group() == b")":
            depth -= 1
            if depth == 0:
                return pos
    raise NotPlain("an unterminated string")


def _dictionary_part(data: bytes, pos: int, renumber=None) -> tuple[bytes, bytes, int, int]:
    """An object's text from `pos` up to the keyword `stream` or `endobj` that ends its dictionary part
    (strings and comments skipped), with every reference "N G R" replaced by `renumber(N)` when given:
    (that text, the keyword, where the keyword starts, where it ends)."""
    out, last, tokens = [], pos, _TOKEN if renumber else _KEYWORD
    while match := tokens.search(data, pos):
        if renumber and match.group(1) is not None:
            out += [data[last:match.start()], renumber(int(match.group(1)))]
            pos = last = match.end()
        elif match.group() == b"(":
            pos = _string_end(data, match.start())
        elif match.group() == b"%":
            end = data.find(b"\n", match.end())
            pos = len(data) if end < 0 else end
        else:
            out.append(data[last:match.start()])
            return b"".join(out), match.group(), match.start(), match.end()
    raise NotPlain("an object without endobj")


def rewrite_refs(head: bytes, renumber) -> tuple[bytes, int | None]:
    """`head` (an object's text after "obj") with every reference "N G R" replaced by `renumber(N)`,
    up to the keyword `stream` (returned: the index after it) or `endobj` (returned: None)."""
    text, keyword, _, end = _dictionary_part(head, 0, renumber)
    return text, (end if keyword == b"stream" else None)


def value(dictionary: bytes, key: bytes) -> bytes | None:
    """The raw text of `key`'s value among a dictionary's own keys (nested dictionaries and arrays, and
    names that are values, are skipped)."""
    depth, pos = 0, dictionary.find(b"<<") + 2
    while token := _DICT_TOKEN.search(dictionary, pos):
        text, pos = token.group(), token.end()
        if text in (b"<<", b"["):
            depth += 1
        elif text in (b">>", b"]"):
            if depth == 0:
                return None
            depth -= 1
        elif text == b"(":
            pos = _string_end(dictionary, token.start())
        elif depth == 0 and text == key:
            match = _VALUE.match(dictionary, pos)
            return match.group(1) if match else None
        elif depth == 0 and (name_value := _NAME_VALUE.match(dictionary, pos)):
            pos = name_value.end()  # another key's value is a name (/Type/Pages): not a key
    return None


def ref(dictionary: bytes, key: bytes) -> int | None:
    """The object number a dictionary's key refers to, if it is a reference."""
    found = value(dictionary, key)
    match = re.fullmatch(rb"(\d+)\s+\d+\s+R", found) if found else None
    return int(match.group(1)) if match else None


def refs_in(array: bytes | None) -> list[int]:
    return [int(n) for n in re.findall(rb"(\d+)\s+\d+\s+R", array or b"")]


class RawPdf:
    """The objects of a plain PDF, as byte spans of its data."""

    def __init__(self, data: bytes):
        self.data = data
        if not data.startswith(b"%PDF-"):
            raise NotPlain("no %PDF header")
        self.version = data[5:8].decode("ascii", "replace")
        tail = data[-1024:]
        start = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", tail)
        if not start or not data.startswith(b"xref", int(start.group(1))):
            raise NotPlain("no classic cross-reference table")
        xref = int(start.group(1))
        trailer_at = data.find(b"trailer", xref)
        self.trailer = data[trailer_at + 7:data.find(b"startxref", trailer_at)]
        if any(value(self.trailer, k) is not None for k in (b"/Prev", b"/XRefStm", b"/Encrypt")):
            raise NotPlain("an updated, hybrid or encrypted file")
        self._sections: list[tuple[int, int, int]] = []  # (first number, count, where its entries start)
        pos = xref + 4
        while section := _XREF_SUBSECTION.match(data, pos, trailer_at):
            first, count, pos = int(section.group(1)), int(section.group(2)), section.end()
            self._sections.append((first, count, pos))
            pos += 20 * count  # entries of 20 bytes: "0000012345 00000 n \n"

    def offset(self, number: int) -> int | None:
        """Where object `number` starts, read from its table entry when asked; None: not in use."""
        for first, count, pos in self._sections:
            if first <= number < first + count:
                entry = _XREF_ENTRY.match(self.data, pos + 20 * (number - first))
                if entry is None:
                    raise NotPlain("a cross-reference table of another shape")
                return int(entry.group(1)) if entry.group(2) == b"n" else None
        return None

    @classmethod
    def read(cls, path: Path, rewrite: bool = False) -> "RawPdf":
        """The PDF at `path`; written again by pypdf first when it is not plain (or with `rewrite`).
        `source_sha256` is the file's digest as read (the same whether or not it was written again)."""
        data = Path(path).read_bytes()
        raw = None
        if not rewrite:
            try:
                raw = cls(data)
            except NotPlain:
                pass
        if raw is None:
            from pypdf import PdfReader, PdfWriter  # another tool's PDF: written again as one plain table
            buffer = io.BytesIO()
            PdfWriter(clone_from=PdfReader(io.BytesIO(data))).write(buffer)
            raw = cls(buffer.getvalue())
        raw.source_sha256 = hashlib.sha256(data).digest()
        return raw

    def _locate(self, number: int) -> tuple[int, bytes, tuple[int, int] | None, int]:
        """Where the object's text after "N G obj" starts, its dictionary part, its stream data (where it
        starts, its length; None: not a stream) and where its "endobj" starts. A stream's end is found from its
        /Length, so its data may hold any bytes."""
        start = self.offset(number)
        header = None if start is None else _OBJ_HEADER.match(self.data, start)
        if header is None or int(header.group(1)) != number:
            raise NotPlain(f"object {number} is not in the table, or not where the table says")
        head, keyword, start, end = _dictionary_part(self.data, header.end())
        if keyword == b"endobj":
            return header.end(), head, None, start
        length = value(head, b"/Length")
        if (indirect := ref(head, b"/Length")) is not None:
            length = self.body(indirect).split()[0]
        if not (length or b"").isdigit():
            raise NotPlain(f"object {number}: a stream without a length")
        stream = (end + (2 if self.data.startswith(b"\r\n", end) else 1), int(length))
        end = self.data.find(b"endobj", sum(stream))
        if end < 0:
            raise NotPlain(f"object {number} does not end")
        return header.end(), head, stream, end

    def body(self, number: int) -> bytes:
        """The object's text after "N G obj", up to and including "endobj"."""
        start, _, _, end = self._locate(number)
        return self.data[start:end + len(b"endobj")]

    def catalog(self) -> bytes:
        return self.body(ref(self.trailer, b"/Root"))

    def stream_data(self, number: int) -> bytes:
        """A stream's data, inflated when it is Flate-encoded (metadata and the like)."""
        _, head, stream, _ = self._locate(number)
        if stream is None:
            return b""
        data = self.data[stream[0]:sum(stream)]
        return zlib.decompressobj().decompress(data) if b"/FlateDecode" in head else data

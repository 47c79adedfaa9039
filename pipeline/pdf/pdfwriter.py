"""A new PDF written from fresh objects and from objects copied out of other PDFs (see rawpdf.py).

Objects are numbered in the order they are reserved, so the same inputs always give the same bytes.
"""

from __future__ import annotations

from collections import deque

from pipeline.pdf.rawpdf import RawPdf, rewrite_refs


def pdf_text_string(text: str) -> bytes:
    """A PDF text string: literal when it is printable ASCII, else UTF-16BE with its byte-order mark."""
    if text.isascii() and text.isprintable():
        return b"(" + text.encode("ascii").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


class ObjectWriter:
    def __init__(self) -> None:
        self.objects: dict[int, bytes] = {}  # number -> its text after "N 0 obj", through "endobj"
        self.reserved = 0

    def reserve(self) -> int:
        self.reserved += 1
        return self.reserved

    def put(self, number: int, direct: bytes) -> int:
        """Object `number` is `direct` (a dictionary, an array, ...)."""
        self.objects[number] = b"\n" + direct + b"\nendobj"
        return number

    def put_stream(self, number: int, dictionary: bytes, data: bytes) -> int:
        """Object `number` is a stream; `dictionary` is its entries but /Length."""
        self.objects[number] = (b"\n<<" + dictionary + b"/Length %d>>\nstream\n" % len(data) + data +
                                b"\nendstream\nendobj")
        return number

    def copy(self, raw: RawPdf, roots: list[int], mapping: dict[int, int]) -> dict[int, int]:
        """Copy what `roots` reach in `raw` (references followed, breadth first), each object renumbered and
        its references rewritten. `mapping` may already name objects not to copy (old -> new number), to
        be replaced by objects the caller writes; returns it completed."""
        queue: deque[int] = deque()

        def renumber(old: int) -> bytes:
            new = mapping.get(old)
            if new is None:
                if raw.offset(old) is None:
                    return b"null"  # a reference to a free object means null
                new = mapping[old] = self.reserve()
                queue.append(old)
            return b"%d 0 R" % new

        for root in roots:
            renumber(root)
        while queue:
            old = queue.popleft()
            body = raw.body(old)
            head, after = rewrite_refs(body, renumber)
            self.objects[mapping[old]] = head + (body[after - len(b"stream"):] if after is not None else b"endobj")
        return mapping

    def add_key(self, number: int, entry: bytes) -> None:
        """Give the dictionary of object `number` one more entry (a page tree node its /Parent)."""
        text = self.objects[number]
        at = text.index(b"<<") + 2
        self.objects[number] = text[:at] + entry + text[at:]

    def serialize(self, version: str, trailer: bytes) -> bytes:
        """The whole file: header, the objects 1..n in order, the table and the trailer (its entries but
        /Size)."""
        missing = set(range(1, self.reserved + 1)) - set(self.objects)
        if missing:
            raise AssertionError(f"reserved PDF objects never written: {sorted(missing)}")
        chunks = [b"%PDF-" + version.encode("ascii") + b"\n%\xe2\xe3\xcf\xd3\n"]
        position, offsets = len(chunks[0]), []
        for number in range(1, self.reserved + 1):
            chunk = b"%d 0 obj" % number + self.objects[number] + b"\n"
            offsets.append(position)
            chunks.append(chunk)
            position += len(chunk)
        table = [b"xref\n0 %d\n0000000000 65535 f \n" % (self.reserved + 1)]
        table += [b"%010d 00000 n \n" % offset for offset in offsets]
        chunks += table + [b"trailer\n<</Size %d" % (self.reserved + 1) + trailer + b">>\nstartxref\n%d\n%%%%EOF\n"
                           % position]
        return b"".join(chunks)

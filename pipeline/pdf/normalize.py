"""Make LibreOffice's PDFs reproducible: the same sources give the same bytes.

LibreOffice stamps the clock into every PDF it exports and ignores SOURCE_DATE_EPOCH: the document
information dates, the XMP metadata dates, and the creation date inside the sRGB ICC profile of the
PDF/A output intent; it also draws a trailer /ID and /DocChecksum from them. This stage replaces
each with a value derived from the build date and the document's inputs. It also replaces the
/UniqueID LibreOffice gives each embedded Type 1 font, which counts the fonts its process embedded
before (fontids.py), so a document's PDF does not depend on which worker converted it, or after what.

The edit is surgical (a few byte ranges, then the cross-reference offsets shifted), so it costs
milliseconds and leaves every other byte, and so the PDF/A conformance, as LibreOffice wrote it.
A PDF of another shape (cross-reference streams, say) is rewritten with pypdf instead.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import re
import struct
import zlib
from datetime import datetime, timezone
from pathlib import Path

from pipeline.files import write_atomic
from pipeline.pdf.fontids import font_id_edits, length_object

_INFO_DATE = re.compile(rb"/(CreationDate|ModDate)\(D:\d{14}[^)]*\)")
_XMP_DATE = re.compile(rb"(<xmp:(?:CreateDate|ModifyDate|MetadataDate)>)[^<]*(</xmp:)")
_ICC = re.compile(rb"\n\d+ 0 obj\n<</N [134]/Length (\d+) 0 R/Filter/FlateDecode>>\nstream\n")
_IDS = re.compile(rb"/ID \[ <[0-9A-F]+>\n<[0-9A-F]+> \]\n/DocChecksum /[0-9A-F]+")
_XREF = re.compile(rb"\nxref\n0 (\d+)\n")


def _icc_with_date(profile: bytes, when: datetime) -> bytes:
    """An ICC profile with its header dateTime (bytes 24-35, big-endian uint16 fields) set to `when`."""
    if len(profile) < 128 or profile[36:40] != b"acsp":
        return profile
    stamp = struct.pack(">6H", when.year, when.month, when.day, when.hour, when.minute, when.second)
    return profile[:24] + stamp + profile[36:]


def _edits(data: bytes, when: datetime, identity: str) -> list[tuple[int, int, bytes]]:
    """(start, end, replacement) byte edits, sorted and non-overlapping."""
    edits = []
    pdf_date = when.strftime("D:%Y%m%d%H%M%SZ").encode()
    for m in _INFO_DATE.finditer(data):
        edits.append((m.start(), m.end(), b"/" + m.group(1) + b"(" + pdf_date + b")"))
    xmp_date = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    for m in _XMP_DATE.finditer(data):
        new = m.group(1) + xmp_date + m.group(2)
        if len(new) != m.end() - m.start():  # inside a stream whose /Length must not change
            raise ValueError("XMP date of another length")
        edits.append((m.start(), m.end(), new))
    icc = _ICC.search(data)
    if icc:
        start = icc.end()
        end = data.index(b"\nendstream", start)
        profile = _icc_with_date(zlib.decompress(data[start:end]), when)
        packed = zlib.compress(profile, 9)
        edits.append((start, end, packed))
        length = length_object(data, icc.group(1))
        if length is None:
            raise ValueError("ICC stream length object not found")
        edits.append((length.start(1), length.end(1), str(len(packed)).encode()))
    ident = hashlib.md5(identity.encode("utf-8")).hexdigest().upper().encode()  # noqa: S324 - an id
    ids = _IDS.search(data)
    if ids is None:
        raise ValueError("trailer /ID not found")
    edits.append((ids.start(), ids.end(), b"/ID [ <" + ident + b">\n<" + ident + b"> ]\n/DocChecksum /" + ident))
    return sorted(edits + font_id_edits(data))


def _apply(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Apply the edits and shift the classic cross-reference table and startxref to match."""
    xref = _XREF.search(data)
    if xref is None or data.count(b"\nxref\n") != 1:
        raise ValueError("not a single classic cross-reference table")

    ends, shifts, total = [], [], 0
    for start, end, new in edits:
        total += len(new) - (end - start)
        ends.append(end)
        shifts.append(total)

    def moved(offset: int) -> int:
        i = bisect.bisect_right(ends, offset)
        return offset + (shifts[i - 1] if i else 0)

    out, pos = [], 0
    for start, end, new in edits:
        out += [data[pos:start], new]
        pos = end
    out.append(data[pos:])
    body = b"".join(out)
    if not any(shifts):
        return body  # nothing moved: the table and startxref stand
    new_xref_pos = moved(xref.start() + 1)
    head, count = new_xref_pos + len(xref.group(0)) - 1, int(xref.group(1))
    entries = [body[head + 20 * i: head + 20 * (i + 1)] for i in range(count)]
    fixed = [e if e[17:18] != b"n" else b"%010d" % moved(int(e[:10])) + e[10:] for e in entries]
    body = body[:head] + b"".join(fixed) + body[head + 20 * count:]
    tail = body.rindex(b"startxref\n")
    return body[:tail] + b"startxref\n%d\n%%%%EOF\n" % new_xref_pos


def normalize_pdf(path: Path, when: datetime, identity: str) -> None:
    """Rewrite `path` with dates from `when` and a trailer /ID derived from `identity`."""
    when = when.astimezone(timezone.utc)
    data = path.read_bytes()
    try:
        result = _apply(data, _edits(data, when, identity))
    except (ValueError, zlib.error):
        result = _rewrite_with_pypdf(data, when, identity)
    write_atomic(path, result)


def _rewrite_with_pypdf(data: bytes, when: datetime, identity: str) -> bytes:
    """Slower general path for PDFs not shaped like LibreOffice 7's output."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject, NameObject, TextStringObject

    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header
    info = writer._info.get_object() if writer._info is not None else None
    for key in ("/CreationDate", "/ModDate"):
        if info is not None and key in info:
            info[NameObject(key)] = TextStringObject(when.strftime("D:%Y%m%d%H%M%SZ"))
    root = writer._root_object
    if "/Metadata" in root:
        meta = root["/Metadata"].get_object()
        xmp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
        meta.set_data(_XMP_DATE.sub(rb"\g<1>" + xmp + rb"\g<2>", meta.get_data()))
    for intent in root.get("/OutputIntents", []):
        intent = intent.get_object()
        if "/DestOutputProfile" in intent:
            profile = intent["/DestOutputProfile"].get_object()
            profile.set_data(_icc_with_date(profile.get_data(), when))
    digest = hashlib.md5(identity.encode("utf-8")).digest()  # noqa: S324 - an identifier
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()

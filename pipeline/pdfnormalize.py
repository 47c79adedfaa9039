"""Make LibreOffice's PDFs reproducible: the same sources give the same bytes.

LibreOffice stamps the clock into three places of every PDF it exports and ignores
SOURCE_DATE_EPOCH: the document information dates, the XMP metadata dates, and the creation date
inside the sRGB ICC profile of the PDF/A output intent; it also draws a random trailer /ID. This
stage replaces all four with values derived from the build date and the document's inputs, keeping
the PDF/A declaration and everything else as it was.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
from datetime import datetime, timezone
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject, NameObject, TextStringObject

from pipeline.manifest import write_atomic

_XMP_DATE = re.compile(rb"(<xmp:(?:CreateDate|ModifyDate|MetadataDate)>)[^<]*(</xmp:)")


def _icc_with_date(profile: bytes, when: datetime) -> bytes:
    """An ICC profile with its header dateTime (bytes 24-35, big-endian uint16 fields) set to `when`."""
    if len(profile) < 128 or profile[36:40] != b"acsp":
        return profile
    stamp = struct.pack(">6H", when.year, when.month, when.day, when.hour, when.minute, when.second)
    return profile[:24] + stamp + profile[36:]


def normalize_pdf(path: Path, when: datetime, identity: str) -> None:
    """Rewrite `path` with dates from `when` and a trailer /ID derived from `identity`."""
    when = when.astimezone(timezone.utc)
    reader = PdfReader(path)
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header  # keep LibreOffice's "%PDF-1.x" line
    pdf_date = when.strftime("D:%Y%m%d%H%M%SZ")
    info = writer._info.get_object() if writer._info is not None else None
    if info is not None:
        for key in ("/CreationDate", "/ModDate"):
            if key in info:
                info[NameObject(key)] = TextStringObject(pdf_date)
    root = writer._root_object
    if "/Metadata" in root:
        meta = root["/Metadata"].get_object()
        xmp_date = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
        meta.set_data(_XMP_DATE.sub(rb"\g<1>" + xmp_date + rb"\g<2>", meta.get_data()))
    for intent in root.get("/OutputIntents", []):
        intent = intent.get_object()
        if "/DestOutputProfile" in intent:
            profile = intent["/DestOutputProfile"].get_object()
            profile.set_data(_icc_with_date(profile.get_data(), when))
    digest = hashlib.md5(identity.encode("utf-8")).digest()  # noqa: S324 - an identifier, not security
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    buffer = io.BytesIO()
    writer.write(buffer)
    write_atomic(path, buffer.getvalue())

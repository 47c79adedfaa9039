"""Merge the converted documents into one bookmarked, page-labelled submission pack (pypdf).

The pack is the reading copy: merging breaks PDF/A conformance, so each document
is archived separately as PDF/A. Output is deterministic: fixed dates from the
metadata and a trailer /ID derived from a hash of the inputs, so two runs with the
same inputs give byte-identical packs.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Sequence

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject, NameObject, StreamObject

PRODUCER = "regpack pack assembler (pypdf)"
FRONT_BOOKMARK = "Cover and contents"


@dataclass(frozen=True)
class PackDocument:
    title: str  # e.g. "Outsourcing notification package"
    pdf: Path
    label: str  # page-label prefix: "A" -> pages, ...
    pages: int | None = None  # when already known (saves reading the PDF)


@dataclass(frozen=True)
class PackMetadata:
    title: str
    subject: str
    author: str
    keywords: str
    creation_date: datetime  # tz-aware; used for /CreationDate and /ModDate


def _reader(path: Path) -> PdfReader:
    """Strict reading skips pypdf's repair pass over every object (half the merge time for
    LibreOffice's well-formed PDFs); anything it rejects is read leniently."""
    try:
        return PdfReader(path, strict=True)
    except Exception:  # pypdf's errors on a PDF that needs its repairs
        return PdfReader(path, strict=False)


def pdf_page_count(path: Path) -> int:
    return len(PdfReader(path).pages)


def pdf_text(path: Path) -> str:
    """The text of every page (pypdf's extraction), pages separated by newlines."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def pdf_outline_titles(path: Path) -> list[tuple[int, str]]:
    """The bookmarks as (depth, title) in reading order; top level is depth 0."""
    found: list[tuple[int, str]] = []

    def walk(items: list, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, str(item.title)))

    walk(PdfReader(path).outline, 0)
    return found


def page_ranges(front_pages: int, documents: Sequence[PackDocument]) -> list[tuple[int, int]]:
    """1-based inclusive page ranges of each document inside the merged pack."""
    ranges, first = [], front_pages + 1
    for document in documents:
        count = document.pages or pdf_page_count(document.pdf)
        ranges.append((first, first + count - 1))
        first += count
    return ranges


def pdf_date(moment: datetime) -> str:
    """A PDF date string, D:YYYYMMDDHHmmSS+HH'mm'."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the pack's creation_date must be timezone-aware")
    offset = int(moment.utcoffset().total_seconds()) // 60
    sign = "+" if offset >= 0 else "-"
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{abs(offset) // 60:02d}'{abs(offset) % 60:02d}'"


def _identifier(front_pdf: Path | None, documents: Sequence[PackDocument], meta: PackMetadata) -> bytes:
    digest = hashlib.sha256()
    parts: list[tuple[str, str, Path]] = [(FRONT_BOOKMARK, "", front_pdf)] if front_pdf else []
    parts += [(d.title, d.label, d.pdf) for d in documents]
    for title, label, path in parts:
        digest.update(f"{title}\0{label}\0".encode())
        digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
    digest.update(repr((meta.title, meta.subject, meta.author, meta.keywords, pdf_date(meta.creation_date),
                        PRODUCER)).encode())
    return digest.digest()[:16]


PDFA_PART = re.compile(rb"<pdfaid:part>2</pdfaid:part>|pdfaid:part=\"2\"")


def _is_pdfa2(reader: PdfReader) -> bool:
    """Whether a part identifies itself as PDF/A-2 (LibreOffice's exports with SelectPdfVersion=2 do)."""
    metadata = reader.trailer["/Root"].get("/Metadata")
    return metadata is not None and bool(PDFA_PART.search(metadata.get_object().get_data()))


def is_declared_pdfa(pack: Path) -> bool:
    """Whether a pack written here declares PDF/A-2b (all its parts did)."""
    return b"<pdfaid:conformance>B</pdfaid:conformance>" in Path(pack).read_bytes()


def _xmp(meta: PackMetadata, date: str, declared: bool) -> bytes:
    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    iso = meta.creation_date.isoformat()
    pdfa = ('<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><pdfaid:part>2'
            '</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></rdf:Description>') if declared else ""
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' + pdfa +
            '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{esc(meta.title)}</rdf:li></rdf:Alt></dc:title>'
            f'<dc:creator><rdf:Seq><rdf:li>{esc(meta.author)}</rdf:li></rdf:Seq></dc:creator>'
            f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{esc(meta.subject)}</rdf:li></rdf:Alt>'
            '</dc:description></rdf:Description>'
            '<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">'
            f'<pdf:Producer>{esc(PRODUCER)}</pdf:Producer><pdf:Keywords>{esc(meta.keywords)}</pdf:Keywords>'
            '</rdf:Description><rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
            f'<xmp:CreatorTool>regpack</xmp:CreatorTool><xmp:CreateDate>{iso}</xmp:CreateDate>'
            f'<xmp:ModifyDate>{iso}</xmp:ModifyDate><xmp:MetadataDate>{iso}</xmp:MetadataDate>'
            '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode("utf-8")


def _add_xmp_and_intent(writer: PdfWriter, first: PdfReader, meta: PackMetadata, date: str, declared: bool) -> None:
    """The pack's own XMP metadata (matching its document information) and the first part's output intent
    (LibreOffice's sRGB profile); PDF/A-2b is declared only when every part declared it."""
    stream = StreamObject()
    stream.set_data(_xmp(meta, date, declared))
    stream.update({NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")})
    writer._root_object[NameObject("/Metadata")] = writer._add_object(stream)
    intents = first.trailer["/Root"].get("/OutputIntents")
    if intents is not None:
        writer._root_object[NameObject("/OutputIntents")] = ArrayObject(
            [writer._add_object(intent.get_object().clone(writer)) if hasattr(intent, "get_object") else intent
             for intent in intents.get_object()])


def assemble_pack(front_pdf: Path | None, documents: Sequence[PackDocument], out: Path,
                  meta: PackMetadata) -> int:
    """Write the pack to `out` atomically; returns its total page count."""
    if not documents:
        raise ValueError("a pack needs at least one document")
    labels = [d.label for d in documents]
    if len(set(labels)) != len(labels):
        raise ValueError(f"page-label prefixes must be unique, got {labels}")
    writer = PdfWriter()
    total = 0
    parts = ([_reader(front_pdf)] if front_pdf is not None else []) + [_reader(d.pdf) for d in documents]
    if front_pdf is not None:
        writer.append(parts[0], outline_item=FRONT_BOOKMARK, import_outline=False)
        total = len(writer.pages)
        writer.set_page_label(0, total - 1, style="/r")
    for document, reader in zip(documents, parts[-len(documents):]):
        writer.append(reader, outline_item=document.title)  # its own bookmarks nest below
        writer.set_page_label(total, len(writer.pages) - 1, style="/D", prefix=f"{document.label}-", start=1)
        total = len(writer.pages)
    date = pdf_date(meta.creation_date)
    writer.add_metadata({
        "/Title": meta.title, "/Subject": meta.subject, "/Author": meta.author, "/Keywords": meta.keywords,
        "/Creator": "regpack", "/Producer": PRODUCER, "/CreationDate": date, "/ModDate": date,
    })
    writer.page_mode = "/UseOutlines"
    declared = all(_is_pdfa2(r) for r in parts)
    _add_xmp_and_intent(writer, parts[0], meta, date, declared)
    identifier = ByteStringObject(_identifier(front_pdf, documents, meta))
    writer._ID = ArrayObject([identifier, identifier])  # pypdf writes no /ID unless set: make it reproducible
    out = Path(out)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            writer.write(fh)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return total

"""Merge the converted documents into one bookmarked, page-labelled pack.

Each part's pages, with what they use (fonts, images, links) and its own bookmarks, are copied byte for
byte (pdf/rawpdf.py); the pack adds a page tree over the parts' trees, one bookmark per part, page labels
("A-1"), its document information and XMP metadata, and the first part's output intent. The parts'
structure trees are not carried over. The pack is the reading copy: merging breaks PDF/A conformance,
so each document is archived separately as PDF/A. Output is deterministic: fixed dates from the
metadata and a trailer /ID derived from a hash of the inputs, so two runs with the
same inputs give byte-identical packs.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Sequence

from pypdf import PdfReader

from pipeline.files import write_atomic
from pipeline.pdf.pdfwriter import ObjectWriter, pdf_text_string
from pipeline.pdf.rawpdf import NotPlain, RawPdf, ref, refs_in, value

PRODUCER = "regpack pack assembler"
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


def _identifier(parts: Sequence[tuple[str, str, bytes]], meta: PackMetadata) -> bytes:
    """16 bytes drawn from the parts (title, page-label prefix, the digest of the file) and the metadata."""
    digest = hashlib.sha256()
    for title, label, file_digest in parts:
        digest.update(f"{title}\0{label}\0".encode())
        digest.update(file_digest)
    digest.update(repr((meta.title, meta.subject, meta.author, meta.keywords, pdf_date(meta.creation_date),
                        PRODUCER)).encode())
    return digest.digest()[:16]


PDFA_PART = re.compile(rb"<pdfaid:part>2</pdfaid:part>|pdfaid:part=\"2\"")


def _is_pdfa2(raw: RawPdf) -> bool:
    """Whether a part identifies itself as PDF/A-2 (LibreOffice's exports with SelectPdfVersion=2 do)."""
    metadata = ref(raw.catalog(), b"/Metadata")
    try:
        return metadata is not None and bool(PDFA_PART.search(raw.stream_data(metadata)))
    except zlib.error:  # metadata that does not inflate declares nothing
        return False


def is_declared_pdfa(pack: Path) -> bool:
    """Whether a pack written here declares PDF/A-2b (all its parts did)."""
    return b"<pdfaid:conformance>B</pdfaid:conformance>" in Path(pack).read_bytes()


def _xmp(meta: PackMetadata, declared: bool) -> bytes:
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


@dataclass
class _Part:
    """One PDF of the pack: its pages' subtree and its bookmark, renumbered into the pack."""
    title: str
    raw: RawPdf
    item: int  # its bookmark
    tree: int = 0  # its page tree, as the pack numbers it
    pages: int = 0
    first_page: int = 0
    children: tuple[int | None, int | None, int] = (None, None, 0)  # its own bookmarks: first, last, count

    def copy(self, writer: ObjectWriter, parent: int, outline: bool, more_roots: list[int]) -> dict[int, int]:
        """Its pages (and bookmarks, with `outline`) copied, its page tree hung below `parent`."""
        catalog = self.raw.catalog()
        tree = ref(catalog, b"/Pages")
        roots, mapping = [tree] + more_roots, {}
        outlines = ref(catalog, b"/Outlines") if outline else None
        if outlines is not None:  # its outline root becomes this part's bookmark
            mapping[outlines] = self.item
            top = self.raw.body(outlines)
            first, last = ref(top, b"/First"), ref(top, b"/Last")
            roots += [r for r in (first, last) if r is not None]
        mapping = writer.copy(self.raw, roots, mapping)
        if outlines is not None and first is not None:
            self.children = (mapping[first], mapping[last], abs(int(value(top, b"/Count") or b"0")))
        self.tree = mapping[tree]
        writer.add_key(self.tree, b"/Parent %d 0 R" % parent)
        self.pages = int(value(self.raw.body(tree), b"/Count"))
        node = tree
        while kids := refs_in(value(self.raw.body(node), b"/Kids")):  # down to the first page
            node = kids[0]
        self.first_page = mapping[node]
        return mapping


def _outline(writer: ObjectWriter, root: int, parts: list[_Part]) -> None:
    """One bookmark per part, its own bookmarks (open) below it."""
    for i, part in enumerate(parts):
        first, last, count = part.children
        entries = [b"/Title " + pdf_text_string(part.title), b"/Parent %d 0 R" % root,
                   b"/Dest[%d 0 R/Fit]" % part.first_page]
        entries += [b"/Prev %d 0 R" % parts[i - 1].item] if i else []
        entries += [b"/Next %d 0 R" % parts[i + 1].item] if i + 1 < len(parts) else []
        entries += [b"/First %d 0 R/Last %d 0 R/Count %d" % (first, last, count)] if first else []
        writer.put(part.item, b"<<" + b"".join(entries) + b">>")
    visible = len(parts) + sum(p.children[2] for p in parts)
    writer.put(root, b"<</Type/Outlines/First %d 0 R/Last %d 0 R/Count %d>>" % (parts[0].item, parts[-1].item,
                                                                                  visible))


def assemble_pack(front_pdf: Path | None, documents: Sequence[PackDocument], out: Path,
                  meta: PackMetadata) -> int:
    """Write the pack to `out` atomically; returns its total page count."""
    if not documents:
        raise ValueError("a pack needs at least one document")
    labels = [d.label for d in documents]
    if len(set(labels)) != len(labels):
        raise ValueError(f"page-label prefixes must be unique, got {labels}")
    try:
        data, pages = _pack(front_pdf, documents, meta, rewrite=False)
    except NotPlain:  # a part whose objects are not where its table says: every part written again by pypdf
        data, pages = _pack(front_pdf, documents, meta, rewrite=True)
    write_atomic(Path(out), data)
    return pages


def _pack(front_pdf: Path | None, documents: Sequence[PackDocument], meta: PackMetadata,
          rewrite: bool) -> tuple[bytes, int]:
    """The pack's bytes and its page count."""
    prefixes = ([None] if front_pdf is not None else []) + [d.label for d in documents]  # page labels ("A-")
    date = pdf_date(meta.creation_date)
    writer = ObjectWriter()
    catalog, tree, outlines = writer.reserve(), writer.reserve(), writer.reserve()
    sources = ([(FRONT_BOOKMARK, front_pdf)] if front_pdf is not None else []) + [(d.title, d.pdf) for d in documents]
    parts = [_Part(title, RawPdf.read(pdf, rewrite), writer.reserve()) for title, pdf in sources]
    intents = refs_in(value(parts[0].raw.catalog(), b"/OutputIntents"))  # the first part's (sRGB) profile
    mapping = parts[0].copy(writer, tree, outline=front_pdf is None, more_roots=intents)
    for part in parts[1:]:
        part.copy(writer, tree, outline=True, more_roots=[])
    _outline(writer, outlines, parts)
    writer.put(tree, b"<</Type/Pages/Kids[%s]/Count %d>>" % (b" ".join(b"%d 0 R" % p.tree for p in parts),
                                                              sum(p.pages for p in parts)))
    numbers, first = [], 0
    for part, label in zip(parts, prefixes):
        numbers.append(b"%d<</S/r>>" % first if label is None else
                       b"%d<</S/D/P %s/St 1>>" % (first, pdf_text_string(f"{label}-")))
        first += part.pages
    declared = all(_is_pdfa2(p.raw) for p in parts)
    xmp = writer.put_stream(writer.reserve(), b"/Type/Metadata/Subtype/XML", _xmp(meta, declared))
    lang = value(parts[-len(documents)].raw.catalog(), b"/Lang")
    writer.put(catalog, b"<</Type/Catalog/Pages %d 0 R/Outlines %d 0 R/PageLabels<</Nums[%s]>>/PageMode/UseOutlines"
               b"/Metadata %d 0 R%s%s>>" % (tree, outlines, b" ".join(numbers), xmp,
                                             b"/OutputIntents[%s]" % b" ".join(b"%d 0 R" % mapping[i] for i in intents)
                                             if intents else b"", b"/Lang" + lang if lang else b""))
    info = {"/Title": meta.title, "/Subject": meta.subject, "/Author": meta.author, "/Keywords": meta.keywords,
            "/Creator": "regpack", "/Producer": PRODUCER, "/CreationDate": date, "/ModDate": date}
    info_number = writer.put(writer.reserve(), b"<<" + b"".join(key.encode() + pdf_text_string(text)
                                                                for key, text in info.items()) + b">>")
    identifier = _identifier([(p.title, label or "", p.raw.source_sha256) for p, label in zip(parts, prefixes)],
                             meta).hex().encode()
    data = writer.serialize(max(p.raw.version for p in parts),
                            b"/Root %d 0 R/Info %d 0 R/ID[<%s><%s>]" % (catalog, info_number, identifier, identifier))
    return data, first

"""Word redlines for `regpack diff`, made in Python: the NEW document with tracked changes against the OLD.

The body of the new .docx is compared with the old one block by block (redline_blocks) and word by word
(redline_marks); only text that really changed is marked, as w:ins / w:del by author "regpack" dated
with the new build's date. Everything else is the new document as it was: styles, numbering, tables,
sections, headers and footers, comments, and any tracked changes a reviewer had already made in it.
Copies of deleted old content bring their pictures and links along (relationships added to the new
package). No LibreOffice is involved.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree

from pipeline.files import write_zip
from pipeline.release.redline_blocks import Sides, compare
from pipeline.release.redline_marks import Marks
from pipeline.release.redline_text import w

AUTHOR = "regpack"
DOCUMENT, TYPES = "word/document.xml", "[Content_Types].xml"
RELS = "word/_rels/document.xml.rels"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PR = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_PIC = "http://schemas.openxmlformats.org/drawingml/2006/picture"
_W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


@dataclass(frozen=True)
class RedlineJob:
    old: bytes
    new: bytes
    out: Path


@dataclass
class RedlineResult:
    written: list[Path] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    changes: dict[Path, tuple[int, int]] = field(default_factory=dict)
    """Per redline written: (tracked insertions, tracked deletions)."""


class _Package:
    """The parts of a .docx in memory, with the main document's relationships."""

    def __init__(self, data: bytes):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            self.members = {name: zf.read(name) for name in zf.namelist()}
        self.document = etree.fromstring(self.members[DOCUMENT], _PARSER)
        self.rels = etree.fromstring(self.members.get(RELS) or f'<Relationships xmlns="{_PR}"/>'.encode(), _PARSER)
        self.types = etree.fromstring(self.members[TYPES], _PARSER)

    def rel(self, rid: str) -> etree._Element | None:
        return next((r for r in self.rels if r.get("Id") == rid), None)

    def part_name(self, target: str) -> str:
        return posixpath.normpath(posixpath.join("word", target)).lstrip("/")

    def content_type(self, name: str) -> str | None:
        for t in self.types:
            if t.get("PartName") == "/" + name:
                return t.get("ContentType")
        ext = name.rsplit(".", 1)[-1].lower()
        return next((t.get("ContentType") for t in self.types if (t.get("Extension") or "").lower() == ext), None)

    def ids(self, xpath: str) -> list[int]:
        return [int(v) for v in self.document.xpath(xpath, namespaces={"w": w("")[1:-1], "wp": _WP})
                if str(v).lstrip("-").isdigit()]

    def save(self, dest: Path) -> None:
        self.members[DOCUMENT] = etree.tostring(self.document, xml_declaration=True, encoding="UTF-8", standalone=True)
        self.members[RELS] = etree.tostring(self.rels, xml_declaration=True, encoding="UTF-8", standalone=True)
        self.members[TYPES] = etree.tostring(self.types, xml_declaration=True, encoding="UTF-8", standalone=True)
        write_zip(self.members, dest, first=TYPES)
        os.chmod(dest, 0o644)


class _Adopter:
    """Makes copies of old content valid in the new document: relationships (pictures, links) carried
    over, styles and list numbering the new document lacks dropped, drawing and paragraph ids made unique."""

    def __init__(self, old: _Package, new: _Package):
        self.old, self.new, self.mapped = old, new, {}
        self.styles = self._values(new, "word/styles.xml", "//w:style/@w:styleId")
        self.nums = self._values(new, "word/numbering.xml", "//w:num/@w:numId")
        self.next_drawing = max(new.ids("//wp:docPr/@id") + [0]) + 1

    @staticmethod
    def _values(pkg: _Package, part: str, xpath: str) -> set[str]:
        if part not in pkg.members:
            return set()
        return set(etree.fromstring(pkg.members[part], _PARSER).xpath(xpath, namespaces={"w": w("")[1:-1]}))

    def __call__(self, el) -> None:
        for item in list(el.iter(w("pStyle"), w("rStyle"), w("tblStyle"))):
            if item.get(w("val")) not in self.styles:
                item.getparent().remove(item)
        for num in list(el.iter(w("numPr"))):
            ref = num.find(w("numId"))
            if ref is None or ref.get(w("val")) not in self.nums:
                num.getparent().remove(num)
        for item in el.iter():
            for attr in [a for a in item.attrib if a.startswith(f"{{{_W14}}}")]:
                del item.attrib[attr]
        for sdt_id in list(el.iter(w("id"))):
            if sdt_id.getparent() is not None and sdt_id.getparent().tag == w("sdtPr"):
                sdt_id.getparent().remove(sdt_id)
        for item in list(el.iter()):
            for attr, rid in list(item.attrib.items()):
                if attr.startswith(f"{{{_R}}}"):
                    new_id = self._relationship(rid)
                    if new_id is not None:
                        item.set(attr, new_id)
                    elif item.tag == w("hyperlink"):
                        del item.attrib[attr]
                    else:                           # a chart or diagram: its own parts are not carried over
                        self._drop_run(item)
        for item in el.iter(f"{{{_WP}}}docPr", f"{{{_PIC}}}cNvPr"):
            item.set("id", str(self.next_drawing))
            self.next_drawing += 1

    @staticmethod
    def _drop_run(item) -> None:
        run = next((a for a in item.iterancestors(w("r"))), None)
        if run is not None and run.getparent() is not None:
            run.getparent().remove(run)

    def _relationship(self, rid: str) -> str | None:
        rel = self.old.rel(rid)
        if rel is None:
            return None
        kind, target, mode = rel.get("Type"), rel.get("Target"), rel.get("TargetMode")
        if mode != "External":
            name = self.old.part_name(target)
            data, ctype = self.old.members.get(name), self.old.content_type(name)
            folder, base = posixpath.split(name)
            if data is None or ctype is None or f"{folder}/_rels/{base}.rels" in self.old.members:
                return None
            ext = posixpath.splitext(name)[1]
            name = f"word/media/redline-{hashlib.sha256(data).hexdigest()[:16]}{ext}"
            self.new.members.setdefault(name, data)
            if self.new.content_type(name) != ctype:
                etree.SubElement(self.new.types, f"{{{_CT}}}Override", PartName="/" + name, ContentType=ctype)
            target = posixpath.relpath(name, "word")
        key = (kind, target, mode)
        if key not in self.mapped:
            self.mapped[key] = f"rIdRedline{len(self.mapped) + 1}"
            attrs = {"Id": self.mapped[key], "Type": kind, "Target": target, **({"TargetMode": mode} if mode else {})}
            etree.SubElement(self.new.rels, f"{{{_PR}}}Relationship", attrs)
        return self.mapped[key]


def _object_key(pkg: _Package):
    """What a picture shows, for comparing: the hashes of the parts it refers to."""
    def key(el) -> str:
        parts = []
        for item in el.iter():
            for attr, rid in item.attrib.items():
                rel = pkg.rel(rid) if attr.startswith(f"{{{_R}}}") else None
                if rel is not None:
                    data = pkg.members.get(pkg.part_name(rel.get("Target", "")), rel.get("Target", "").encode())
                    parts.append(hashlib.sha256(data).hexdigest()[:12])
        return ":".join(parts)
    return key


def redline_date(stamp: str | None) -> str | None:
    """The build date as w:date wants it (UTC, seconds), or None when unknown."""
    try:
        when = datetime.fromisoformat(stamp or "")
    except ValueError:
        return None
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def redline(old: bytes, new: bytes, dest: Path, date: str | None) -> tuple[int, int]:
    """Write `dest`: the `new` .docx with tracked changes against `old`. Returns (insertions, deletions)."""
    a, b = _Package(old), _Package(new)
    marks = Marks(AUTHOR, date, max(b.ids("//@w:id") + [0]) + 1, _Adopter(a, b))
    body_a, body_b = a.document.find(w("body")), b.document.find(w("body"))
    if body_a is None or body_b is None:
        raise ValueError("no document body")
    compare(body_a, body_b, Sides(marks, _object_key(a), _object_key(b)))
    b.save(dest)
    return marks.inserted, marks.deleted


def make_redlines(jobs: list[RedlineJob], when: str | None) -> RedlineResult:
    """Each job's redline, dated `when` (the new build's date). A document that cannot be read is
    reported in the result, never raised."""
    result, date = RedlineResult(), redline_date(when)
    for job in jobs:
        try:
            result.changes[job.out] = redline(job.old, job.new, job.out, date)
        except (zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as exc:
            result.failed.append(f"{job.out.name}: cannot compare the two versions: {exc}")
            continue
        result.written.append(job.out)
    return result

"""Test helpers: a Word draft as legal sends it back, made by editing regpack's draft the way Word stores
edits (tracked changes with author and date, comments with replies threaded in commentsExtended.xml, edits
not tracked), and the same file re-saved by LibreOffice."""

from __future__ import annotations

import copy
import subprocess
import zipfile
from pathlib import Path

from lxml import etree

from pipeline.libreoffice.converter import find_soffice

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
LEGAL, DRAFTER = "Legal Reviewer", "Drafting Team"
WHEN, LATER = "2026-01-12T09:30:00Z", "2026-01-12T11:00:00Z"


def q(tag: str, ns: str = W) -> str:
    return f"{{{ns}}}{tag}"


def paragraph_text(p) -> str:
    return "".join(t.text or "" for t in p.iter(q("t")))


class Draft:
    """The parts of a .docx, edited in memory, then saved."""

    def __init__(self, path: Path):
        with zipfile.ZipFile(path) as zf:
            self.parts = {n: zf.read(n) for n in zf.namelist()}
        self.doc = etree.fromstring(self.parts["word/document.xml"])
        self.comments = etree.fromstring(self.parts["word/comments.xml"])
        self.threads: list[tuple[str, str | None]] = []

    def paragraph(self, text: str):
        return next(p for p in self.doc.iter(q("p")) if paragraph_text(p) == text)

    def track(self, phrase: str, wording: str, author: str = LEGAL, date: str = WHEN) -> None:
        """Delete `phrase` and insert `wording` in its place, as tracked changes."""
        t = next(t for t in self.doc.iter(q("t")) if t.text and phrase in t.text)
        run = t.getparent()
        before, after = t.text.split(phrase, 1)

        def new_run(text: str, tag: str = "t"):
            r = copy.deepcopy(run)
            for child in r.findall(q("t")):
                r.remove(child)
            el = etree.SubElement(r, q(tag))
            el.text = text
            el.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            return r

        deleted = etree.Element(q("del"), {q("id"): "901", q("author"): author, q("date"): date})
        deleted.append(new_run(phrase, "delText"))
        inserted = etree.Element(q("ins"), {q("id"): "902", q("author"): author, q("date"): date})
        inserted.append(new_run(wording))
        for el in reversed([new_run(before), deleted, inserted, new_run(after)]):
            run.addnext(el)
        run.getparent().remove(run)

    def replace_text(self, old: str, new: str) -> None:
        """An edit made without tracking changes."""
        t = next(t for t in self.doc.iter(q("t")) if t.text and old in t.text)
        t.text = t.text.replace(old, new, 1)

    def comment(self, paragraph, cid: str, author: str, date: str, text: str, parent: str | None = None) -> None:
        """A comment on the whole `paragraph` (with `parent`: a reply to that comment id)."""
        runs = paragraph.findall(q("r"))
        runs[0].addprevious(etree.Element(q("commentRangeStart"), {q("id"): cid}))
        ref = etree.Element(q("r"))
        etree.SubElement(ref, q("commentReference"), {q("id"): cid})
        runs[-1].addnext(ref)
        runs[-1].addnext(etree.Element(q("commentRangeEnd"), {q("id"): cid}))
        self.comments.set(q("Ignorable", MC), "w14")  # as Word writes it
        c = etree.SubElement(self.comments, q("comment"), {q("id"): cid, q("author"): author, q("date"): date,
                                                          q("initials"): author[0]})
        p = etree.SubElement(c, q("p"), {q("paraId", W14): f"7{int(cid):07X}"})
        etree.SubElement(etree.SubElement(p, q("r")), q("t")).text = text
        self.threads.append((f"7{int(cid):07X}", f"7{int(parent):07X}" if parent else None))

    def reply_to(self, starts: str, cid: str, author: str, date: str, text: str) -> None:
        """A reply to the comment whose text starts with `starts` (Word gives the comment a paraId as it saves)."""
        parent = next(c for c in self.comments.iter(q("comment"))
                      if "".join(t.text or "" for t in c.iter(q("t"))).startswith(starts))
        pid = parent.get(q("id"))
        parent.findall(q("p"))[-1].set(q("paraId", W14), f"7{int(pid):07X}")
        self.threads.append((f"7{int(pid):07X}", None))
        start = next(el for el in self.doc.iter(q("commentRangeStart")) if el.get(q("id")) == pid)
        self.comment(start.getparent(), cid, author, date, text, parent=pid)

    def save(self, dest: Path) -> Path:
        parts = dict(self.parts)
        parts["word/document.xml"] = etree.tostring(self.doc, xml_declaration=True, encoding="UTF-8", standalone=True)
        parts["word/comments.xml"] = etree.tostring(self.comments, xml_declaration=True, encoding="UTF-8",
                                                    standalone=True)
        if self.threads:
            entries = "".join(f'<w15:commentEx w15:paraId="{pid}"' + (f' w15:paraIdParent="{up}"' if up else "")
                              + ' w15:done="0"/>' for pid, up in self.threads)
            parts["word/commentsExtended.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                                  f'<w15:commentsEx xmlns:w15="{W15}">{entries}</w15:commentsEx>').encode()
            parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
                b'<Override PartName="/word/commentsExtended.xml" ContentType="application/vnd.openxmlformats-'
                b'officedocument.wordprocessingml.commentsExtended+xml"/></Types>'))
            parts["word/_rels/document.xml.rels"] = parts["word/_rels/document.xml.rels"].replace(
                b"</Relationships>", b'<Relationship Id="rIdLegal1" Type="http://schemas.microsoft.com/office/2011/'
                b'relationships/commentsExtended" Target="commentsExtended.xml"/></Relationships>')
        dest.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
            for name, data in parts.items():
                out.writestr(name, data)
        return dest


def resave_with_libreoffice(path: Path, out_dir: Path) -> Path:
    """`path` opened and saved again as .docx by LibreOffice (its own profile), as a reviewer's editor would."""
    profile = out_dir / "profile"
    result = subprocess.run([find_soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                             "--convert-to", "docx", "--outdir", str(out_dir), str(path)],
                            capture_output=True, text=True, timeout=180)
    saved = out_dir / path.name
    assert saved.is_file(), result.stdout + result.stderr
    return saved

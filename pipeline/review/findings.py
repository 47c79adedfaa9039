"""What legal did to one draft, as register items: each change (tracked, or made without tracking and found
by comparison with the draft regpack wrote) with the source it concerns, and each comment with its replies.

A change inside a mark concerns the source value the mark records; any other change is to template or
computed wording, which is never written back: its item says what to change instead.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

from lxml import etree

from pipeline.files import sha256_text
from pipeline.project import Project
from pipeline.review.drafts import Comment, Draft, Package
from pipeline.review.mdspan import NotFound, locate
from pipeline.review.origins import OriginIndex
from pipeline.review.wordtext import Change, Para, squash, w

UNMARKED_SOURCE = "template or computed wording"
REVIEW_ITEM = "Review item "  # how the comments regpack adds for open items start (see comments.py)


def key_of(*parts: str) -> str:
    return sha256_text("\0".join(squash(p) for p in parts))[:12]


def _groups(draft: Draft, names: set[str]) -> list[tuple[int, int, list[str]]]:
    """Marked paragraph ranges of the returned draft; ranges that overlap (paragraphs joined) are merged."""
    spans = sorted((r.start, max(r.start, r.end if r.end is not None else r.start), n)
                   for n, r in draft.returned.body.bookmarks.items() if n in names)
    groups: list[tuple[int, int, list[str]]] = []
    for start, end, name in spans:
        if groups and start <= groups[-1][1]:
            s, e, members = groups[-1]
            groups[-1] = (s, max(e, end), members + [name])
        else:
            groups.append((start, end, [name]))
    return groups


def _text(package: Package, start: int, end: int, view: str = "new_text") -> str:
    return "\n".join(getattr(p, view) for p in package.body.paras[start:end + 1])


def _who(changes: list[Change], draft: Draft, direct: bool) -> dict[str, str]:
    """Who made the change and when: the tracked changes say; for an edit not tracked, whoever saved the file
    last (unless that is still as regpack wrote it)."""
    authors = list(dict.fromkeys(c.author for c in changes if c.author))
    saved, pristine = draft.returned, draft.pristine
    if direct and saved.modified_by not in authors and saved.modified_by != pristine.modified_by:
        authors.append(saved.modified_by)
    dates = sorted(c.date for c in changes if c.date)
    dates += [saved.modified] if direct and saved.modified and saved.modified != pristine.modified else []
    how = "tracked and direct" if changes and direct else "tracked" if changes else "direct (not tracked)"
    return {"author": ", ".join(a for a in authors if a) or "unknown", "date": dates[-1] if dates else "", "how": how}


def _tracked(changes: list[Change]) -> list[str]:
    return [f"{c.kind} “{c.text}” ({c.author or 'unknown'}{', ' + c.date if c.date else ''})" for c in changes]


def _source(project: Project, value: dict, paragraph: str) -> str:
    line = value["line"]
    if value["file"] != value["yaml"]:  # a Markdown include: the paragraph's own line in the file
        try:
            line = locate((project.root / value["file"]).read_text(encoding="utf-8"), paragraph).line
        except (OSError, UnicodeDecodeError, NotFound):
            line = 1
    return f"{value['file']}:{line}"


class Findings:
    def __init__(self, draft: Draft, project: Project, origins: OriginIndex | None = None):
        self.draft, self.project, self.slug, self.origins = draft, project, draft.slug, origins
        self.marks = {m["name"]: m for m in draft.record.get("marks", [])}
        self.values = draft.record.get("values", [])
        self.groups = _groups(draft, set(self.marks))
        self.items: list[dict] = []

    def value_at(self, paragraph: int) -> tuple[dict | None, str]:
        """The source value of the marked range holding `paragraph`, and the mark's pristine text."""
        for start, end, names in self.groups:
            if start <= paragraph <= end:
                return self.values[self.marks[names[0]]["value"]], self.pristine_text(names[0])
        return None, ""

    def pristine_text(self, name: str) -> str:
        r = self.draft.pristine.body.bookmarks.get(name)
        return _text(self.draft.pristine, r.start, r.end if r.end is not None else r.start) if r else \
            self.marks[name]["text"]

    def all(self) -> list[dict]:
        self.marked()
        self.unmarked()
        self.comments()
        return self.items

    def change(self, value: dict | None, old: str, new: str, changes: list[Change], direct: bool,
               instead: str | None) -> None:
        field = value["field"] if value else ""
        item = {"kind": "change", "document": self.slug,
                "source": _source(self.project, value, old) if value else UNMARKED_SOURCE, "field": field,
                **_who(changes, self.draft, direct), "old": old, "new": new, "tracked": _tracked(changes),
                "instead": instead, "key": key_of("change", self.slug, field, old, new)}
        self.items.append(item)

    def marked(self) -> None:
        returned = self.draft.returned
        for start, end, names in self.groups:
            paras = returned.body.paras[start:end + 1]
            old = "\n".join(self.pristine_text(n) for n in names)
            new, orig = _text(returned, start, end), _text(returned, start, end, "orig_text")
            if squash(old) == squash(new):
                continue
            value = self.values[self.marks[names[0]]["value"]]
            changes = [c for p in paras for c in p.changes if c.text.strip()]
            instead = None
            if len(names) > 1 or any(p.mark_changed for p in paras) or "\n" in new.strip():
                instead = f"legal's change joins or splits paragraphs: make it in {value['file']} by hand"
            elif value.get("also"):
                instead = (f"the same text is also in {', '.join(value['also'])}: make the change in the field "
                           "meant, by hand")
            self.change(value, old, new, changes, squash(orig) != squash(old), instead)
        present = set(returned.body.bookmarks)
        for name in self.marks:
            if name not in present and name in self.draft.pristine.body.bookmarks:  # deleted without tracking
                value = self.values[self.marks[name]["value"]]
                self.change(value, self.pristine_text(name), "", [], True,
                            f"legal deleted the paragraph: remove it from {value['file']} by hand")

    def unmarked(self) -> None:
        pristine, returned = self.draft.pristine.body.paras, self.draft.returned.body.paras
        covered_p = {i for r in self.draft.pristine.body.bookmarks.values() if r.end is not None
                     for i in range(r.start, r.end + 1)}
        covered_r = {i for s, e, _ in self.groups for i in range(s, e + 1)}
        opcodes = SequenceMatcher(None, [squash(p.orig_text) for p in pristine],
                                  [squash(p.orig_text) for p in returned], autojunk=False).get_opcodes()
        for tag, i1, i2, j1, j2 in opcodes:
            if tag == "equal":
                for j in range(j1, j2):
                    p = returned[j]
                    if j not in covered_r and squash(p.new_text) != squash(p.orig_text):
                        self.computed(p.orig_text, p.new_text, p.changes, False)
                continue
            old = "\n".join(p.orig_text for i, p in enumerate(pristine[i1:i2], i1) if i not in covered_p
                            and p.orig_text.strip())
            news: list[Para] = [p for j, p in enumerate(returned[j1:j2], j1) if j not in covered_r]
            new = "\n".join(p.new_text for p in news if p.new_text.strip())
            if squash(old) != squash(new):
                self.computed(old, new, [c for p in news for c in p.changes if c.text.strip()], True)

    def computed(self, old: str, new: str, changes: list[Change], direct: bool) -> None:
        """An unmarked paragraph: a source value the template shows as it is (found by its exact text), or
        template or computed wording (never written back)."""
        found = self.origins.lookup(old.strip()) if self.origins is not None and "\n" not in old.strip() else []
        if len(found) == 1:
            self.change(found[0].as_json(), old, new, changes, direct, None)
            return
        self.change(None, old, new, changes, direct,
                    _unmarked_advice(self.project.templates / f"{self.slug}.docx", old, new))

    def comments(self) -> None:
        returned = self.draft.returned
        ours = Counter((c.author, squash(c.text)) for c in self.draft.pristine.comments)
        own: set[str] = set()
        for c in returned.comments:
            if ours[(c.author, squash(c.text))] > 0:
                ours[(c.author, squash(c.text))] -= 1
                own.add(c.id)
        parent = _threads(returned)
        by_id = {c.id: c for c in returned.comments}
        for c in returned.comments:
            up = parent.get(c.id)
            if c.id in own or (up is not None and up not in own):
                continue  # regpack's own comment, or a reply (taken with its thread)
            replies = [_reply(r) for r in _descendants(c.id, parent, by_id) if r.id not in own]
            if up is not None and by_id[up].text.startswith(REVIEW_ITEM):  # a reply to an open item's comment
                item_id = by_id[up].text[len(REVIEW_ITEM):].split(" ", 1)[0]
                self.items.append({"reply_to": item_id, "replies": [_reply(c), *replies]})
                continue
            r = returned.body.comments.get(c.id)
            anchor = squash("".join(r.text)) if r else ""
            value, pristine = self.value_at(r.start) if r else (None, "")
            self.items.append({"kind": "comment", "document": self.slug,
                               "source": _source(self.project, value, pristine) if value else UNMARKED_SOURCE,
                               "field": value["field"] if value else "", "author": c.author or "unknown",
                               "date": c.date, "anchor": anchor, "text": c.text,
                               "in_reply_to": by_id[up].text if up is not None else None, "replies": replies,
                               "key": key_of("comment", self.slug, c.author, c.text, anchor)})


def _reply(c: Comment) -> dict[str, str]:
    return {"author": c.author or "unknown", "date": c.date, "text": c.text}


def _threads(package: Package) -> dict[str, str]:
    """Comment id -> the id of the comment it replies to. Word says so (commentsExtended); a file re-saved by
    LibreOffice does not, so there comments on exactly the same text are read as one thread, oldest first."""
    if package.threaded:
        by_para = {c.para_id: c.id for c in package.comments if c.para_id}
        return {c.id: by_para[c.parent_para] for c in package.comments
                if c.parent_para in by_para and by_para[c.parent_para] != c.id}
    groups: dict[tuple, list[Comment]] = {}
    for c in package.comments:
        r = package.body.comments.get(c.id)
        if r is not None:
            groups.setdefault((r.start, r.end, squash("".join(r.text))), []).append(c)
    parent = {}
    for members in groups.values():
        members.sort(key=lambda c: (c.date, int(c.id) if c.id.isdigit() else 0))
        parent.update({c.id: members[0].id for c in members[1:]})
    return parent


def _descendants(root: str, parent: dict[str, str], by_id: dict[str, Comment]) -> list[Comment]:
    out, frontier = [], [root]
    while frontier:
        children = [by_id[c] for c, p in parent.items() if p in frontier and c in by_id]
        out += children
        frontier = [c.id for c in children]
    return sorted(out, key=lambda c: c.date)


@lru_cache(maxsize=16)
def _template_text(template: Path) -> str:
    try:
        with zipfile.ZipFile(template) as zf:
            root = etree.fromstring(zf.read("word/document.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return ""
    return squash(" ".join(t.text or "" for t in root.iter(w("t"))))


def _unmarked_advice(template: Path, old: str, new: str) -> str:
    a, b = old.split(), new.split()
    removed = [" ".join(a[i1:i2]) for tag, i1, i2, _, _ in SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
               if tag in ("replace", "delete")]
    text = _template_text(template)
    if text and (all(r in text for r in removed) if removed else squash(old) in text):
        return (f"this is template wording: change it in templates/{template.name} (in Word), not in the "
                "sources; regpack never writes an edit into a template")
    return ("this text is computed from the sources (a count, date, label or several values combined) or worded "
            f"by templates/{template.name}: change the source value it is computed from, or the template")

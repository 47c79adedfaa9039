"""`regpack review import FILE.docx... [--apply]`: legal's returned drafts into the review register.

Every file is read and matched with its build first; one that is not a regpack draft of this project stops
the import before anything is written. New findings are added to `sources/<arrangement>/review.yaml` (an item
already there is updated with new replies, never duplicated). With `--apply`, legal's wording is written into
the sources as well; the sources and the register are written together, or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from pipeline.errors import SourceErrors, relpath
from pipeline.files import sha256_file
from pipeline.project import Project
from pipeline.review.apply import apply_items, write_all
from pipeline.review.drafts import BadDraft, Draft, open_draft, refusal
from pipeline.review.findings import Findings
from pipeline.review.origins import OriginIndex, value_origins
from pipeline.review.register import Item, Register, empty_register, read_register
from pipeline.sources.loader import load_sources
from pipeline.review.wordtext import squash


@dataclass
class ImportReport:
    drafts: list[str] = field(default_factory=list)
    items: list[tuple[str, Item]] = field(default_factory=list)
    """(what happened: new / updated, the item)"""
    applied: list[Item] = field(default_factory=list)
    kept_open: list[Item] = field(default_factory=list)
    written: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = list(self.drafts)
        for what, item in self.items:
            out += describe(item, what)
        out += [f"{i.id} applied: {i.source} now has legal's wording ({i.field})" for i in self.applied]
        out += [f"{i.id} stays open: {i.instead}" for i in self.kept_open]
        if self.written and not self.items:
            out.append("no new items: the register already holds every one")
        out += [f"wrote {path}" for path in self.written] or ["nothing new: the register already holds every item"]
        return out


def _quote(text: str, limit: int = 400) -> str:
    text = squash(str(text or ""))
    return f"“{text[:limit]}{'…' if len(text) > limit else ''}”"


def _changed(old: str, new: str) -> str:
    """What changed, side by side: “old words” → “new words” for each changed stretch."""
    a, b = squash(old).split(), squash(new).split()
    parts = [f"“{' '.join(a[i1:i2])}” → “{' '.join(b[j1:j2])}”"
             for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if tag != "equal"]
    return "; ".join(parts)


def describe(item: Item, what: str = "") -> list[str]:
    where = f"{item.source}" + (f" ({item.field})" if item.field else "")
    who = f"{item.author}, {item.date}" if item.date else f"{item.author}"
    head = f"{item.id} {item.kind} ({what}) in the {item.document}: {where}, by {who}"
    if item.kind == "comment":
        lines = [head, f"    on:   {_quote(item.anchor)}", f"    says: {_quote(item.text)}"]
        if item.in_reply_to:
            lines.append(f"    in reply to: {_quote(item.in_reply_to, 120)}")
        lines += [f"    reply from {r.get('author')}: {_quote(r.get('text'))}" for r in item.replies or []
                  if isinstance(r, dict)]
        return lines
    return [head + f", {item.how}", f"    changed: {_changed(item.old, item.new)}", f"    old: {_quote(item.old)}",
            f"    new: {_quote(item.new)}"] + ([f"    instead: {item.instead}"] if item.instead else [])


def _merge(register: Register, finding: dict) -> tuple[str, Item] | None:
    if "reply_to" in finding:
        item = register.by_id(finding["reply_to"])
        if item is None:
            return None
        finding = {"replies": finding["replies"]}
    else:
        item = register.by_key(finding["key"])
        if item is None:
            return "new", register.add(finding)
    seen = {(r.get("author"), squash(str(r.get("text")))) for r in item.replies or [] if isinstance(r, dict)}
    new = [r for r in finding.get("replies") or [] if (r["author"], squash(r["text"])) not in seen]
    if not new:
        return None
    item.set(replies=[*(item.replies or []), *new])
    return "updated", item


def _register(project: Project, arrangement: str, cache: dict[str, Register]) -> Register:
    if arrangement not in cache:
        folder = project.sources / arrangement
        register, problems = read_register(folder)
        if problems:
            raise SourceErrors(problems)
        cache[arrangement] = register or empty_register(folder)
    return cache[arrangement]


def _origins(project: Project, arrangement: str) -> OriginIndex | None:
    """The arrangement's source values by text (for paragraphs a template shows without a mark), or None
    when its sources do not load (then such edits are reported as template or computed wording)."""
    loaded, _ = load_sources(project.sources, arrangement)
    return value_origins(loaded[0], project.root) if loaded else None


def review_import(project: Project, paths: list[Path], apply: bool = False,
                  arrangement: str | None = None) -> ImportReport:
    drafts: list[Draft] = []
    problems = []
    for path in paths:
        try:
            drafts.append(open_draft(project, path, arrangement))
        except BadDraft as exc:
            problems.append(refusal(path, exc))
    if problems:
        raise SourceErrors(problems)
    report, registers, origins = ImportReport(), {}, {}
    for draft in drafts:
        register = _register(project, draft.arrangement, registers)
        if draft.arrangement not in origins:
            origins[draft.arrangement] = _origins(project, draft.arrangement)
        findings = Findings(draft, project, origins[draft.arrangement]).all()
        kinds = [f.get("kind", "comment") for f in findings]
        report.drafts.append(f"{relpath(draft.path)}: the {draft.slug} of {draft.arrangement}, from {draft.origin}: "
                             f"{kinds.count('change')} change(s), {kinds.count('comment')} comment(s)")
        for finding in findings:
            if (merged := _merge(register, finding)) is not None:
                report.items.append(merged)
        entry = {"file": relpath(draft.path, project.root), "sha256": sha256_file(draft.path),
                 "document": draft.slug, "token": draft.record.get("token", "")}
        if not any(e.get("sha256") == entry["sha256"] for e in register.imported):
            register.imported.append(entry)
    files: dict[Path, bytes] = {}
    if apply:
        problems = []
        for register in registers.values():
            pending, applied, stop = apply_items(project, register)
            problems += stop
            files.update({path: text.encode("utf-8") for path, text in pending.items()})
            report.applied += applied
            report.kept_open += [i for i in register.items if i.status == "open" and i.kind == "change" and i.instead
                                 and i.field]
        if problems:
            raise SourceErrors(problems)
        for item in report.applied:
            item.set(status="applied")
    for register in registers.values():
        text = register.text().encode("utf-8")
        if register.path.is_file() and register.path.read_bytes() != text or not register.path.is_file() and register.items:
            files[register.path] = text
    write_all(files)
    report.written = sorted(relpath(p) for p in files)
    return report

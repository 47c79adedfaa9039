"""What changed between two sealed versions (or a sealed version and the current build).

Computed from the input snapshots, not the layout: each YAML source is flattened to field paths
(`contingency.rto_hours: 2 -> 4`; controls.yaml by requirement id), Markdown by changed lines, then
templates and output files by hash. The Word change summary (`change-summary.docx`) has the same rows
as a Field | Old | New table; per document whose .docx differs, a redline (`<document>-redline.docx`, the
new document with tracked changes, see redline.py).

`--out DIR` belongs to the user: diff writes exactly those two kinds of names, replacing its own earlier
files of the same names atomically, and never removes or touches anything else there. A redline left in
DIR by an earlier diff, for a document that no longer differs, is named in a note rather than deleted.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline.release.archive import input_path, verify
from pipeline.release.packread import Member, member_bytes, read_pack
from pipeline.errors import ArchiveError
from pipeline.files import sha256_file
from pipeline.release.manifest import MANIFEST, read_manifest
from pipeline.project import Project
from pipeline.release.change_summary import SummarySection, write_summary_docx
from pipeline.release.redline import RedlineJob, make_redlines

SUMMARY = "change-summary.docx"
REDLINE = "{stem}-redline.docx"

NONE = "(none)"
ID_KEYS = ("requirement", "id", "name", "type", "title")
_CONTROLS = re.compile(r"^controls\.responses\[(?P<req>[^\]]+)\](?:\.(?P<field>.+))?$")


@dataclass
class Snapshot:
    label: str
    manifest: dict
    members: dict[str, Member]
    """Seal layout: outputs by their manifest path, inputs under inputs/."""

    def read(self, rel: str) -> bytes | None:
        entry = self.members.get(rel)
        return None if entry is None else member_bytes(entry)

    @property
    def title(self) -> str:
        m = self.manifest
        return f"{self.label} (built {m.get('build_date', '?')}, source version {m.get('version')})"


def load_snapshot(project: Project, path: Path) -> tuple[Snapshot, list[str]]:
    """A sealed folder or zip, or a build folder (its inputs read from the project). Also stale-input notes."""
    path = Path(path)
    if path.is_dir() and not (path / "seal.json").exists():
        manifest = read_manifest(path)
        if manifest is None:
            raise ArchiveError(f"{path} is neither a sealed pack nor a finished build (no {MANIFEST})")
        members: dict[str, Member] = {e["path"]: path / e["path"] for e in manifest.get("outputs", [])}
        notes = []
        for e in manifest.get("sources", []) + manifest.get("templates", []):
            file = Path(e["path"]) if Path(e["path"]).is_absolute() else project.root / e["path"]
            if file.is_file():
                members[input_path(e["path"])] = file
                if sha256_file(file) != e["sha256"]:
                    notes.append(f"note: {e['path']} changed since {path.name} was built; rebuild to compare it")
        return Snapshot(f"build/{path.name}", manifest, members), notes
    check = verify(path)
    if not check.ok:
        raise ArchiveError(f"{path} fails verification, so it cannot be compared: " + "; ".join(check.lines()[:-1]))
    pack = read_pack(path)
    try:
        manifest = json.loads(Snapshot("", {}, pack.members).read(MANIFEST) or b"")
    except ValueError as exc:
        raise ArchiveError(f"{path}: the sealed {MANIFEST} is missing or unreadable") from exc
    return Snapshot(str(pack.record.get("version", path.name)), manifest, pack.members), []


@dataclass(frozen=True)
class Change:
    source: str
    group: str
    """Requirement id for controls.yaml responses, else empty."""
    field: str
    old: str
    new: str

    def line(self) -> str:
        name = f"{self.group} {self.field}" if self.group else self.field
        if not self.source.endswith((".yaml", ".yml")) or "\n" in self.old or "\n" in self.new:
            return "\n".join([f"{name}:"] + [f"  - {t}" for t in self.old.splitlines() if self.old != NONE]
                             + [f"  + {t}" for t in self.new.splitlines() if self.new != NONE])
        return f"{name}: {_clip(self.old, self.new)}"


def _clip(old: str, new: str, width: int = 80, context: int = 4) -> str:
    """`old -> new`; long values shrink to the words that differ, with a little context."""
    if len(old) <= width and len(new) <= width:
        return f"{old} -> {new}"
    a, b = old.split(), new.split()
    pre = 0
    while pre < min(len(a), len(b)) and a[pre] == b[pre]:
        pre += 1
    suf = 0
    while suf < min(len(a), len(b)) - pre and a[-1 - suf] == b[-1 - suf]:
        suf += 1

    def part(words: list[str]) -> str:
        lo, hi = max(pre - context, 0), min(len(words) - suf + context, len(words))
        return ("… " if lo else "") + " ".join(words[lo:hi]) + (" …" if hi < len(words) else "")
    return f"{part(a)} -> {part(b)}"


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    return str(v).strip()


def _id_key(items: list) -> str | None:
    for key in ID_KEYS:
        ids = [i.get(key) if isinstance(i, dict) else None for i in items]
        if all(isinstance(x, (str, int)) for x in ids) and len(set(ids)) == len(ids):
            return key
    return None


def flatten(data, prefix: str) -> dict[str, str]:
    """{field path: value}; lists of mappings are keyed by their id (`scenarios[S1].recovery_hours`)."""
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            out.update(flatten(v, f"{prefix}.{k}"))
        return out or {prefix: "{}"}
    if isinstance(data, list):
        if all(not isinstance(i, (dict, list)) for i in data):
            return {prefix: "; ".join(_value(i) for i in data)}
        key = _id_key(data)
        out = {}
        for n, item in enumerate(data):
            label = item[key] if key else n
            if key:
                item = {k: v for k, v in item.items() if k != key}
            out.update(flatten(item, f"{prefix}[{label}]"))
        return out
    return {prefix: _value(data)}


def _yaml(data: bytes | None, rel: str) -> dict:
    try:
        return (yaml.safe_load(data) or {}) if data is not None else {}
    except yaml.YAMLError as exc:
        raise ArchiveError(f"{rel}: cannot read the YAML snapshot: {exc}") from exc


def yaml_changes(rel: str, old: bytes | None, new: bytes | None) -> list[Change]:
    stem = Path(rel).stem
    a, b = flatten(_yaml(old, rel), stem), flatten(_yaml(new, rel), stem)
    changes = []
    for path in list(b) + [p for p in a if p not in b]:
        if a.get(path) != b.get(path):
            group, name = "", path
            if stem == "controls" and (m := _CONTROLS.match(path)):
                group, name = m["req"], m["field"] or "response"
            changes.append(Change(rel, group, name, a.get(path, NONE), b.get(path, NONE)))
    return changes


def text_changes(rel: str, old: bytes | None, new: bytes | None) -> list[Change]:
    try:
        a = (old or b"").decode("utf-8").splitlines()
        b = (new or b"").decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return [Change(rel, "", Path(rel).name, "(binary)", "(binary, changed)")]
    changes = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            where = f"line {j1 + 1}" if j2 - j1 <= 1 else f"lines {j1 + 1}-{j2}"
            changes.append(Change(rel, "", f"{Path(rel).name} {where}", "\n".join(a[i1:i2]) or NONE,
                                  "\n".join(b[j1:j2]) or NONE))
    return changes


def _by_path(entries: list[dict]) -> dict[str, str]:
    return {e["path"]: e["sha256"] for e in entries}


@dataclass
class ChangeReport:
    old: Snapshot
    new: Snapshot
    fields: list[Change] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    tracked: dict[Path, tuple[int, int]] = field(default_factory=dict)
    """Per redline written: (tracked insertions, tracked deletions)."""

    def lines(self) -> list[str]:
        out = [f"changes from {self.old.title}", f"          to {self.new.title}", *self.notes]
        source = None
        for c in self.fields:
            if c.source != source:
                source = c.source
                out.append(source)
            out += ["  " + line for line in c.line().splitlines()]
        out += [f"template changed: {t}" for t in self.templates] + [f"output changed: {o}" for o in self.outputs]
        if not (self.fields or self.templates or self.outputs):
            out.append("no changes in sources, templates or outputs")
        return out + [f"wrote {p}" + (" ({} tracked insertion(s), {} deletion(s))".format(*self.tracked[p])
                                      if p in self.tracked else "") for p in self.written]


def diff(project: Project, old: Path, new: Path, out_dir: Path | None = None) -> ChangeReport:
    (a, notes_a), (b, notes_b) = load_snapshot(project, old), load_snapshot(project, new)
    arr = b.manifest.get("arrangement")
    if a.manifest.get("arrangement") != arr:
        raise ArchiveError(f"{old} is {a.manifest.get('arrangement')!r} but {new} is {arr!r}: compare one arrangement")
    report = ChangeReport(a, b, notes=notes_a + notes_b)
    src_a, src_b = _by_path(a.manifest.get("sources", [])), _by_path(b.manifest.get("sources", []))
    for rel in sorted(set(src_a) | set(src_b)):
        if src_a.get(rel) == src_b.get(rel):
            continue
        old_bytes, new_bytes = a.read(input_path(rel)), b.read(input_path(rel))
        if rel.endswith((".yaml", ".yml")):
            report.fields += yaml_changes(rel, old_bytes, new_bytes)
        else:
            report.fields += text_changes(rel, old_bytes, new_bytes)
    for key, target in (("templates", report.templates), ("outputs", report.outputs)):
        ha, hb = _by_path(a.manifest.get(key, [])), _by_path(b.manifest.get(key, []))
        target += [p + (" (added)" if p not in ha else " (removed)" if p not in hb else "")
                   for p in sorted(set(ha) | set(hb)) if ha.get(p) != hb.get(p)]
    out_dir = Path(out_dir) if out_dir else project.build / str(arr) / "changes"
    if out_dir.resolve() == project.archive or project.archive in out_dir.resolve().parents:
        raise ArchiveError(f"{out_dir} is inside the archive, which is read-only: choose another --out folder")
    _redlines(report, out_dir)
    summary = out_dir / SUMMARY
    write_summary(report, summary)
    report.written.insert(0, summary)
    return report


def _redlines(report: ChangeReport, out_dir: Path) -> None:
    """A redline per document whose .docx differs; a note for an earlier redline in `out_dir` that is not."""
    docs_a = {d["key"]: d["docx"] for d in report.old.manifest.get("documents", [])}
    jobs = []
    for doc in report.new.manifest.get("documents", []):
        old_entry, new_entry = docs_a.get(doc["key"]), doc["docx"]
        stem = Path(new_entry["path"]).stem
        out = out_dir / REDLINE.format(stem=stem)
        if old_entry is None or old_entry["sha256"] == new_entry["sha256"]:
            if old_entry is not None and out.exists():
                report.notes.append(f"note: {out} is from an earlier diff ({stem} has not changed here); "
                                    "left as it is")
            continue
        data = [snap.read(entry["path"]) for snap, entry in ((report.old, old_entry), (report.new, new_entry))]
        missing = [snap.label for snap, d in zip((report.old, report.new), data) if d is None]
        if missing:
            report.notes.append(f"redline skipped: {new_entry['path']} is missing from {missing[0]}")
            continue
        jobs.append(RedlineJob(data[0], data[1], out))
    result = make_redlines(jobs, report.new.manifest.get("build_date"))
    report.written += result.written
    report.tracked.update(result.changes)
    report.notes += [f"redline failed: {f}" for f in result.failed]


def write_summary(report: ChangeReport, dest: Path) -> None:
    """change-summary.docx: title, the two versions, then per source file (and requirement) a table."""
    groups: dict[tuple[str, str], list[Change]] = {}
    for c in report.fields:
        groups.setdefault((c.source, c.group), []).append(c)
    sections = [SummarySection(src, f"Requirement {group}" if group else "", [(c.field, c.old, c.new) for c in changes])
                for (src, group), changes in groups.items()]
    arr = report.new.manifest.get("arrangement", "")
    intro = [f"Old: {report.old.title}", f"New: {report.new.title}", *report.notes]
    if not report.fields:
        intro.append("No source file changed.")
    write_summary_docx(dest, f"Change summary: {arr}", intro, sections,
                       [("Templates changed", report.templates), ("Output files changed", report.outputs),
                        ("Redlines (Word documents with tracked changes)", [p.name for p in report.written])],
                       keywords=f"{arr}; {report.old.label}; {report.new.label}",
                       when=report.new.manifest.get("build_date"))

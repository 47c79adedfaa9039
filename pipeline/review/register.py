"""The review register: `sources/<arrangement>/review.yaml`, one item per tracked change, direct edit or
comment legal made in a Word draft, each with a stable id and a status (open, applied, rejected, done).

Plain YAML kept in git with the sources: `regpack review import` adds what is new and never duplicates an
item (each carries a key made from what it says, not from where the file was saved); people set the status.
A draft build shows each open item as a Word comment; a final build refuses while any is open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import Problem, relpath
from pipeline.files import write_atomic
from pipeline.sources.yamlreader import YamlProblem, load_yaml

REGISTER = "review.yaml"
STATUSES = ("open", "applied", "rejected", "done")
KINDS = ("change", "comment")
_ID = re.compile(r"^R([1-9]\d*)$")
_ORDER = ("id", "status", "kind", "document", "source", "field", "author", "date", "how", "old", "new", "tracked",
          "anchor", "text", "in_reply_to", "replies", "instead", "key")
HEADER = """\
# Legal's review of the Word drafts of {arrangement}, kept by `regpack review import`: one item per tracked
# change, direct edit or comment, never duplicated when a draft is imported again.
# status: open (to deal with), applied (the wording is in the sources), rejected (not taken), done (answered).
# A draft build shows each open item as a Word comment where it applies; a final build refuses open items.
# Edit only `status` (and add a `note:` if you like): the rest is what legal wrote.
"""


@dataclass
class Item:
    data: dict[str, Any]
    line: int = 0
    """Line of the item in the register (0 for an item not yet written)."""
    status_line: int = 0

    def __getattr__(self, name: str) -> Any:
        if name in ("data", "line", "status_line"):
            raise AttributeError(name)
        return self.data.get(name)

    def set(self, **values: Any) -> None:
        for key, value in values.items():
            if value in (None, "", []):
                self.data.pop(key, None)
            else:
                self.data[key] = value
        self.data = {k: self.data[k] for k in sorted(self.data, key=lambda k: (_ORDER.index(k) if k in _ORDER
                                                                                  else len(_ORDER), k))}


@dataclass
class Register:
    path: Path
    arrangement: str
    items: list[Item] = field(default_factory=list)
    imported: list[dict[str, str]] = field(default_factory=list)
    """The Word files imported, by sha256 (a draft in build/ that was imported is not "lost")."""

    @property
    def display(self) -> str:
        return relpath(self.path)

    def open_items(self) -> list[Item]:
        return [i for i in self.items if i.status == "open"]

    def by_id(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    def by_key(self, key: str) -> Item | None:
        return next((i for i in self.items if i.key == key), None)

    def add(self, data: dict[str, Any]) -> Item:
        number = max((int(m.group(1)) for i in self.items if (m := _ID.match(str(i.id)))), default=0) + 1
        item = Item({})
        item.set(id=f"R{number}", status="open", **data)
        self.items.append(item)
        return item

    def text(self) -> str:
        body = {"arrangement": self.arrangement, "items": [i.data for i in self.items]}
        if self.imported:
            body["imported"] = self.imported
        return HEADER.format(arrangement=self.arrangement) + yaml.safe_dump(
            body, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)

    def write(self) -> None:
        write_atomic(self.path, self.text().encode("utf-8"))


def _problems(doc, display: str) -> list[Problem]:
    data = doc.data
    out = []

    def bad(loc: tuple, message: str) -> None:
        path = "review" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
        out.append(Problem(display, doc.line_of(loc), path, message))

    if not isinstance(data, dict) or not isinstance(data.get("items", []), list):
        bad((), "expected `items:`, a list of review items (see `regpack review import`)")
        return out
    seen: set[str] = set()
    for n, item in enumerate(data.get("items") or []):
        if not isinstance(item, dict):
            bad(("items", n), "each review item is a mapping of fields (id, status, ...)")
            continue
        if not _ID.match(str(item.get("id", ""))):
            bad(("items", n, "id"), f"id must be R followed by a number, got {item.get('id')!r}")
        elif item["id"] in seen:
            bad(("items", n, "id"), f"duplicate id {item['id']}: give each item its own")
        seen.add(str(item.get("id")))
        if item.get("status") not in STATUSES:
            bad(("items", n, "status"), f"status must be one of {', '.join(STATUSES)}, got {item.get('status')!r}")
        if item.get("kind") not in KINDS:
            bad(("items", n, "kind"), f"kind must be change or comment, got {item.get('kind')!r}")
    return out


def read_register(folder: Path, arrangement: str | None = None) -> tuple[Register | None, list[Problem]]:
    """The register of the arrangement in `folder` (None when it has none), and its problems."""
    path = folder / REGISTER
    arrangement = arrangement or folder.name
    if not path.is_file():
        return None, []
    display = relpath(path)
    try:
        doc = load_yaml(path)
    except YamlProblem as exc:
        return None, [Problem(display, exc.line, "review", exc.message)]
    problems = _problems(doc, display)
    if problems:
        return None, problems
    items = [Item(dict(data), doc.line_of(("items", n)), doc.line_of(("items", n, "status")))
             for n, data in enumerate(doc.data.get("items") or [])]
    imported = [e for e in doc.data.get("imported") or [] if isinstance(e, dict)]
    return Register(path, arrangement, items, imported), []


def empty_register(folder: Path) -> Register:
    return Register(folder / REGISTER, folder.name)


def open_item_problems(register: Register | None) -> list[Problem]:
    """What a final build refuses: every open item, at its line."""
    if register is None:
        return []
    return [Problem(register.display, item.status_line or item.line, f"review {item.id}",
                    f"{item.kind} by {item.author or 'a reviewer'} on the {item.document} is still open: deal with it "
                    "and set its status to applied, rejected or done (a final build allows no open review items)",
                    code="review-open", data={"id": item.id}) for item in register.open_items()]

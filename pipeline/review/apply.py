"""`regpack review import --apply`: legal's wording written into the source value it came from.

Only open change items with a source value are applied; an item whose change crosses Markdown formatting, or
that the YAML file cannot hold in place, stays open with the reason. Each result is checked by rendering the
value again: it must read as legal's paragraph, every other paragraph unchanged. If any item's paragraph is no
longer in its source (the source changed since the draft was built), nothing is written at all.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import docx
import yaml
from lxml import etree

from pipeline.errors import Problem
from pipeline.project import Project
from pipeline.review.mdspan import CannotApply, NotFound, rewrite, squash
from pipeline.review.register import Item, Register
from pipeline.review.wordtext import W, paragraph_texts
from pipeline.review.yamledit import parse_field, replace_scalar, value_at
from pipeline.word.markdown import MarkdownToWord

_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class _Template:
    """What MarkdownToWord needs of a template: its Word document (for style names)."""

    def __init__(self, path: Path):
        self.docx = docx.Document(str(path))


def _rendered(converter: MarkdownToWord, text: str) -> list[str]:
    xml = str(converter(text, "Body Text"))
    root = etree.fromstring(f'<x xmlns:w="{W}" xmlns:r="{_R}">{xml}</x>')
    return [squash(t) for t in paragraph_texts(root) if t.strip()]


def _check(project: Project, item: Item, before: str, after: str) -> None:
    """The edited value must render as before, with legal's paragraph in place of the old one."""
    template = project.templates / f"{item.document}.docx"
    try:
        converter = MarkdownToWord(_Template(template))
        old, new = _rendered(converter, before), _rendered(converter, after)
    except (OSError, KeyError, ValueError, etree.XMLSyntaxError):
        raise CannotApply(f"the edited text could not be checked against {template.name}: apply it by hand") from None
    wanted, legal = squash(str(item.old)), squash(str(item.new))
    if old.count(wanted) != 1 or new != [legal if p == wanted else p for p in old]:
        raise CannotApply("the source, once changed, would not read as legal's paragraph: apply it by hand")


def _edit(project: Project, item: Item, path: Path, text: str) -> str:
    if path.suffix.lower() in (".md", ".markdown"):
        new_text = rewrite(text, str(item.old), str(item.new))
        _check(project, item, text, new_text)
        return new_text
    _, loc = parse_field(str(item.field))
    try:
        value = value_at(yaml.safe_load(text), loc)
    except (yaml.YAMLError, KeyError, IndexError, TypeError):
        raise NotFound(f"{item.field} is not in the file any more") from None
    if not isinstance(value, str):
        raise CannotApply(f"{item.field} is not text in the file: change it by hand")
    new_value = rewrite(value, str(item.old), str(item.new))
    _check(project, item, value, new_value)
    return replace_scalar(text, loc, new_value)


def apply_items(project: Project, register: Register) -> tuple[dict[Path, str], list[Item], list[Problem]]:
    """New text of each source file legal's open changes apply to, the items applied, and the problems that
    stop everything (an item whose paragraph is gone from its source). Items that cannot be applied get
    `instead` (why, and what to do) and stay open."""
    pending: dict[Path, str] = {}
    applied: list[Item] = []
    problems: list[Problem] = []
    sources = project.sources.resolve()
    for item in register.items:
        if item.status != "open" or item.kind != "change" or item.instead or not item.field or not item.source:
            continue
        rel = str(item.source).rsplit(":", 1)[0]
        path = (project.root / rel).resolve()
        if not path.is_relative_to(sources) or not path.is_file():
            problems.append(Problem(register.display, item.line, f"review {item.id}",
                                    f"{rel} is not a file under sources/: correct the item's source, or set it "
                                    "to rejected"))
            continue
        try:
            text = pending.get(path) or path.read_text(encoding="utf-8")
            pending[path] = _edit(project, item, path, text)
            applied.append(item)
        except CannotApply as exc:
            item.set(instead=str(exc))
        except NotFound as exc:
            line = str(item.source).rsplit(":", 1)[-1]
            problems.append(Problem(rel, int(line) if line.isdigit() else 0, str(item.field),
                                    f"review {item.id}: legal's change cannot be written back: the paragraph legal "
                                    f"changed: {exc} (the source changed since the draft was built); apply it by "
                                    f"hand and set {item.id} to applied in {register.display}, or set it to rejected"))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(rel, 0, "", f"review {item.id}: cannot read the source ({exc})"))
    return pending, applied, problems


def write_all(files: dict[Path, bytes]) -> None:
    """Write every file or none: all are written beside their targets first, then renamed into place; if a
    rename fails, the files already replaced are put back."""
    temps: dict[Path, str] = {}
    done: list[tuple[Path, bytes | None]] = []
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            temps[path] = tmp
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        for path, tmp in temps.items():
            old = path.read_bytes() if path.exists() else None
            os.replace(tmp, path)
            done.append((path, old))
    except BaseException:
        for path, old in reversed(done):
            if old is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(old)
        for tmp in temps.values():
            Path(tmp).unlink(missing_ok=True)
        raise

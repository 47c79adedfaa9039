"""Checks across files: ids unique, references resolve, dates consistent, evidence fresh, TODO markers.

Each check returns Problems with `file:line`; warnings have severity "warning" (`--strict` makes
them errors, a final build makes TODO markers errors).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

from pipeline.catalog.model import Catalog
from pipeline.errors import Problem, relpath
from pipeline.models import SOURCE_KINDS
from pipeline.models.common import evidence_files
from pipeline.sources.continuity_checks import check_continuity
from pipeline.sources.final_checks import check_open_items
from pipeline.sources.loader import LoadedArrangement
from pipeline.sources.messages import field_path
from pipeline.sources.resilience_checks import check_resilience
from pipeline.sources.text_checks import check_texts

STALE_AFTER_DAYS = 365
TODO = re.compile(r"\b(?P<marker>TODO\b|(?i:todo)(?=:)|(?i:tb[dc])\b)[:\s]*(?P<note>.*)")
"""Placeholders a final pack may not carry: `TODO`, `todo:` in any case, `TBD` and `TBC` as words."""


class _Checker:
    def __init__(self, loaded: LoadedArrangement, root: Path):
        self.loaded, self.src, self.root = loaded, loaded.sources, root
        self.problems: list[Problem] = []

    def add(self, kind: str, loc: tuple, message: str, severity: str = "error", code: str = "", **data) -> None:
        f = self.loaded.files[kind]
        line = f.doc.line_of(loc) if f.doc else 0
        self.problems.append(Problem(f.display, line, field_path(kind, loc), message, severity, code, data))

    def unique(self, kind: str, list_loc: tuple, ids: list[str], what: str) -> None:
        counts = Counter(ids)
        for index, value in enumerate(ids):
            if counts[value] > 1 and ids.index(value) != index:
                first = self.loaded.files[kind].doc.line_of((*list_loc, ids.index(value)))
                self.add(kind, (*list_loc, index), f"duplicate {what} {value!r} (first at line {first})")


def check_arrangement(loaded: LoadedArrangement, catalog: Catalog, root: Path) -> list[Problem]:
    c = _Checker(loaded, root)
    src = c.src
    arr, vendor = src.arrangement, src.vendor
    if arr.id != src.folder.name:
        c.add("arrangement", ("id",), f"id {arr.id!r} must equal the folder name {src.folder.name!r}")

    c.unique("risk", ("risks",), [r.id for r in src.risk.risks], "risk id")
    c.unique("contingency", ("scenarios",), [s.id for s in src.contingency.scenarios], "scenario id")
    c.unique("exit", ("triggers",), [t.id for t in src.exit.triggers], "trigger id")
    c.unique("vendor", ("attestations",), [a.id for a in vendor.attestations], "attestation id")
    reqs = [r.requirement for r in src.controls.responses]
    c.unique("controls", ("responses",), reqs, "response to requirement")
    for i, req in enumerate(reqs):
        if req not in catalog.ids:
            close = difflib.get_close_matches(req, sorted(catalog.ids), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else "; see `regpack coverage` for the catalog ids"
            c.add("controls", ("responses", i, "requirement"), f"unknown requirement id {req!r}{hint}")

    # overseas: SA-2 2.9 needs its own section whenever any data location is outside Hong Kong
    if arr.is_overseas and arr.overseas is None:
        places = ", ".join(sorted({loc.country for loc in arr.data.locations.all() if loc.overseas}))
        c.add("arrangement", ("data", "locations"), f"data is located outside Hong Kong ({places}): "
              "add an `overseas:` section (SA-2 2.9)")
    if arr.overseas is not None and not arr.is_overseas:
        c.add("arrangement", ("overseas",), "`overseas:` is given but every data location is in Hong Kong",
              "warning")

    # dates: notification a lead time before go-live; board before notification; signing before go-live
    d = arr.dates
    lead = arr.hkma.lead_time_days
    if d.hkma_notification + timedelta(days=lead) > d.planned_go_live:
        gap = (d.planned_go_live - d.hkma_notification).days
        when = f"only {gap} day{'s' if gap != 1 else ''} after" if gap >= 0 else f"{-gap} days before"
        c.add("arrangement", ("dates", "planned_go_live"),
              f"go-live {d.planned_go_live} is {when} the HKMA notification "
              f"{d.hkma_notification}; the institution's assumed lead time is {lead} days "
              "(hkma.lead_time_days): move a date or change the assumption")
    if d.board_meeting > d.hkma_notification:
        c.add("arrangement", ("dates", "board_meeting"),
              f"board meeting {d.board_meeting} is after the HKMA notification {d.hkma_notification}; "
              "the notification declares the board's approval: hold the meeting first", "warning")
    if d.contract_signing > d.planned_go_live:
        c.add("arrangement", ("dates", "contract_signing"),
              f"contract signing {d.contract_signing} is after go-live {d.planned_go_live}")

    # evidence freshness: attestations whose period ended over a year before the submission
    for i, att in enumerate(vendor.attestations):
        age = (d.hkma_notification - att.period_end).days
        if age > STALE_AFTER_DAYS:
            c.add("vendor", ("attestations", i, "period_end"),
                  f"attestation {att.id!r} ({att.type}) period ended {att.period_end}, {age} days (over 12 "
                  f"months) before the submission date {d.hkma_notification}: obtain the current report",
                  "warning", "stale-attestation", index=i)

    # evidence files kept with the sources (controls, due diligence) must exist inside the sources folder
    for kind in SOURCE_KINDS:
        for loc, ev in evidence_files(getattr(src, kind)):
            target = (src.folder / ev.file).resolve()
            if not target.is_relative_to(root.resolve()):
                c.add(kind, (*loc, "file"), f"evidence file {ev.file!r} lies outside the sources folder "
                                            f"({relpath(root)}/); move it inside")
            elif not target.is_file():
                c.add(kind, (*loc, "file"), f"evidence file {ev.file!r} not found (looked for {relpath(target)})")

    check_continuity(src, c.add)  # RTO/MTO within the tolerance, test results against the targets
    check_resilience(src, c.add)  # scenario tests against the tolerance, transfer mechanisms, Cap. 653
    check_open_items(src, catalog, c.add)  # past-due actions, not_applicable without a reason
    c.problems += check_texts(loaded)  # characters the PDF would not show as written, Markdown limits
    return c.problems


def todo_markers(files: list[Path]) -> list[Problem]:
    """Every `TODO`, `todo:`, `TBD` or `TBC` in a source file (YAML or Markdown), as a warning with its line."""
    problems = []
    for path in files:
        if path.suffix not in (".yaml", ".yml", ".md"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.lstrip().startswith("#") and path.suffix != ".md":
                continue
            match = TODO.search(line)
            if match:
                marker = match["marker"].upper()
                note = match["note"].strip() if marker == "TODO" else line.strip()  # TBD, TBC: the whole line
                if path.suffix != ".md" and marker == "TODO":  # the end of a quoted YAML value is not the note's
                    note = note.rstrip("\"'").rstrip()
                note = note or "(no text)"
                problems.append(Problem(relpath(path), number, "", f"{marker} marker: {note}", "warning",
                                        "todo-marker", {"note": note, "marker": marker}))
    return problems

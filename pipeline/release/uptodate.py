"""Stage 0 of a build: is everything already up to date? Answered without reading a single source.

A successful build records a fingerprint of everything its outputs were made from: the bytes of every
file under sources/ and templates/, regpack's own code and catalog, the build options, the build date's
origin (SOURCE_DATE_EPOCH, or the git commit of the sources) and the folder regpack was started from
(messages quote paths relative to it). It also records what it printed and the state of every output.
When the fingerprint is unchanged and no output was touched (a Word draft edited by legal, a PDF
deleted), the next build replays that report instead of loading, validating and planning again:
hashing ~200 small files costs milliseconds where reading them costs a second at bank scale.

When something changed, the same record tells which arrangements did not: an arrangement whose own
folder, whose shared inputs (everything outside the arrangement folders, templates, regpack, options)
and whose outputs are as at its last successful build is not read again; the build reports it as that
build did. Sphinx reads only the changed documents the same way.

Any doubt means "not up to date": the full build then decides document by document, as always.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import __version__
from pipeline.files import sha256_file, write_json
from pipeline.gitinfo import head

if TYPE_CHECKING:
    from pipeline.project import BuildOptions, Project

STATE = ".uptodate.json"
_CODE = Path(__file__).resolve().parents[1]


def _tree_digest(digest, folder: Path, base: Path, pattern: str = "*") -> None:
    for path in sorted(p for p in folder.rglob(pattern) if p.is_file()):
        digest.update(f"{path.relative_to(base)}\0".encode())
        digest.update(path.read_bytes())
        digest.update(b"\0")


def fingerprints(project: "Project", options: "BuildOptions") -> tuple[str, dict[str, str]]:
    """What the build is made from, taken before it reads anything (a source saved during the build is
    not recorded as what the outputs were made from): the whole project's fingerprint, and per
    arrangement folder the fingerprint of its own folder with everything it shares with the others
    (regpack, the options, templates/, every file under sources/ outside the arrangement folders).
    Each file is read once for both."""
    common = hashlib.sha256()
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    common.update(json.dumps({
        "regpack": __version__, "arrangement": options.arrangement, "final": options.final,
        "strict": options.strict, "keep_edited": options.keep_edited, "cwd": os.getcwd(),
        "root": str(project.root), "date": epoch or head(project.sources),
    }, sort_keys=True).encode())
    _tree_digest(common, _CODE, _CODE, "*.py")
    _tree_digest(common, _CODE / "catalog", _CODE)
    if project.templates.is_dir():
        _tree_digest(common, project.templates, project.root)
    whole, shared, own = common.copy(), common.copy(), {}
    if project.sources.is_dir():
        own = {p.parent.name: hashlib.sha256() for p in sorted(project.sources.glob("*/arrangement.yaml"))}
        for path in sorted(p for p in project.sources.rglob("*") if p.is_file()):
            entry = f"{path.relative_to(project.root)}\0".encode() + path.read_bytes() + b"\0"
            whole.update(entry)
            parts = path.relative_to(project.sources).parts
            (own[parts[0]] if len(parts) > 1 and parts[0] in own else shared).update(entry)
    stamps = {name: hashlib.sha256(f"{shared.hexdigest()}{digest.hexdigest()}".encode()).hexdigest()
              for name, digest in own.items()}
    return whole.hexdigest(), stamps


def borrowed_files(project: "Project", folder: Path, files) -> dict[str, str]:
    """The files an arrangement is made from that lie in other arrangements' folders (an include, an
    evidence file), by content: `unchanged_arrangements` re-reads it when one of them changed (its own
    folder and the shared files are in its stamp already)."""
    sources, own = project.sources.resolve(), folder.resolve()
    return {str(path.relative_to(project.root.resolve())): sha256_file(path) for path in files
            if path.is_relative_to(sources) and not path.is_relative_to(own)
            and len(path.relative_to(sources).parts) > 1}


def unchanged_arrangements(project: "Project", options: "BuildOptions",
                           stamps: dict[str, str]) -> tuple[dict[str, dict], dict[str, list]]:
    """The arrangements whose sources, shared inputs and outputs are all as their last successful build
    left them, each with what that build printed for it (the build need not read them again); and the
    state of their outputs, as verified here (for `record`)."""
    if options.force:
        return {}, {}
    try:
        state = json.loads((project.build / STATE).read_text(encoding="utf-8"))
        reports, verified = {}, {}
        for arr, entry in state.get("arrangements", {}).items():
            if stamps.get(arr) != entry["stamp"] or options.arrangement not in (None, arr):
                continue
            before = {k: v for k, v in state["outputs"].items() if k.startswith(f"{arr}/")}
            if before and _outputs(project, [arr]) == before and all(
                    (project.root / path).is_file() and sha256_file(project.root / path) == sha
                    for path, sha in entry["report"]["outside"].items()):
                reports[arr] = entry["report"]
                verified.update(before)
        return reports, verified
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}, {}


def _outputs(project: "Project", arrangements: list[str], known: dict[str, list] | None = None) -> dict[str, list]:
    """Every output file of the arrangements by content (a Word draft edited by legal, a PDF changed
    by hand: either means the build must look again). `known`: the states of arrangements this build
    found unchanged and did not touch (their files are not hashed twice)."""
    state: dict[str, list] = {}
    for arr in arrangements:
        if known and (mine := {k: v for k, v in known.items() if k.startswith(f"{arr}/")}):
            state.update(mine)
            continue
        folder = project.build / arr
        files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
        for path in files:
            key = str(path.relative_to(project.build))
            state[key] = ["sha256", sha256_file(path)]
    return state


def record(project: "Project", stamp: str, print_out: dict, stamps: dict[str, str] | None = None,
           per_arrangement: dict[str, dict] | None = None, known: dict[str, list] | None = None) -> None:
    """After a successful build: what it was made from (`stamp`, and per arrangement `stamps`), what it
    printed (in all, and per arrangement), and its outputs (`known`: see `_outputs`)."""
    arrangements = {arr: {"stamp": stamps[arr], "report": report} for arr, report in (per_arrangement or {}).items()
                    if arr in (stamps or {})}
    write_json(project.build / STATE, {"fingerprint": stamp, "report": print_out, "arrangements": arrangements,
                                       "outputs": _outputs(project, print_out["arrangements"], known)})


def built_before(project: "Project") -> bool:
    """Whether a build of this project succeeded here before (its record is there)."""
    return (project.build / STATE).is_file()


def replay(project: "Project", options: "BuildOptions", stamp: str) -> tuple[dict | None, str]:
    """The last build's report when nothing it was made from (`stamp` is the same), and none of its
    outputs, changed; with the reason either way."""
    path = project.build / STATE
    if options.force:
        return None, "not replayed: --force"
    if not built_before(project):
        return None, "not replayed: no earlier successful build"
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        report = state["report"]
        if state["fingerprint"] != stamp:
            return None, ("not replayed: sources, templates, regpack, options or the build date's origin "
                          "changed since the last build")
        now = _outputs(project, report["arrangements"])
        if now != state["outputs"]:
            changed = sorted(k for k in set(now) | set(state["outputs"]) if now.get(k) != state["outputs"].get(k))
            return None, f"not replayed: outputs changed since the last build ({', '.join(changed[:5])})"
    except (OSError, ValueError, KeyError, TypeError):
        return None, "not replayed: the record of the last build is unreadable"
    return report, "up to date: nothing the last build was made from, and none of its outputs, changed"

"""`regpack` command line: a thin shell over the library. Only this module prints and exits."""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import traceback
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pipeline.errors import RegpackError, SourceErrors

out = Console(highlight=False, soft_wrap=True, emoji=False)  # no emoji: `file.yaml:100:` stays text
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="regpack", description="Build HKMA outsourcing submission packs from sources.")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="say why each document is (or is not) redone; show tracebacks for unexpected errors")
    p.add_argument("-C", "--project", default=".", help="project folder (holds sources/, templates/, build/)")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="render the Word documents, the PDFs and the submission pack")
    b.add_argument("--arrangement", help="build only this arrangement (folder name under sources/)")
    b.add_argument("--final", action="store_true", help="refuse gaps and TODO markers; no review comments")
    b.add_argument("--strict", action="store_true", help="treat warnings as errors")
    b.add_argument("--keep-edited", action="store_true",
                   help="keep Word drafts edited since the last build as numbered *.edited-N.docx copies")
    b.add_argument("--force", action="store_true", help="rebuild every document even if nothing changed")
    b.add_argument("--workers", type=int, help="LibreOffice workers (default: one per core)")
    b.add_argument("--timeout", type=_seconds, default=180.0, help="seconds LibreOffice may take per document")
    c = sub.add_parser("check", help="validate the sources and templates; write nothing")
    c.add_argument("--arrangement")
    c.add_argument("--final", action="store_true")
    c.add_argument("--strict", action="store_true")
    cov = sub.add_parser("coverage", help="requirements answered and open, per arrangement")
    cov.add_argument("--arrangement")
    cov.add_argument("--json", action="store_true", help="one JSON object on stdout")
    s = sub.add_parser("schema", help="write a JSON Schema per kind of source into DIR")
    s.add_argument("dir", type=Path)
    for name, text in (("scaffold", "write a new arrangement's source files, every value a TODO (never overwrites)"),
                       ("init", "start a project: templates, institution.yaml and one arrangement (never overwrites)")):
        sp = sub.add_parser(name, help=text)
        sp.add_argument("--arrangement", required=True, help="the new arrangement's id (its folder under sources/)")
    for name, text in (("seal", "archive a successful build as a read-only version"),):
        sp = sub.add_parser(name, help=text)
        sp.add_argument("--arrangement", required=True)
        sp.add_argument("--version", required=True)
    v = sub.add_parser("verify", help="recompute the hashes of a sealed pack (folder or zip)")
    v.add_argument("path", type=Path)
    v.add_argument("--fingerprint", type=_sha256, metavar="HEX",
                   help="the fingerprint `seal` printed (kept outside the pack): seal.json must match it")
    d = sub.add_parser("diff", help="changes between two sealed versions (or a sealed version and the build)")
    d.add_argument("old", type=Path)
    d.add_argument("new", type=Path)
    d.add_argument("--out", type=Path, help="folder for the Word change summary and redlines")
    t = sub.add_parser("templates", help="check the Word templates, or give them a bank's letterhead")
    tsub = t.add_subparsers(dest="templates_command", required=True)
    tc = tsub.add_parser("check", help="every tag, attribute path and style of each template, against the sources")
    tc.add_argument("--strict", action="store_true", help="treat warnings as errors")
    ta = tsub.add_parser("adopt", help="take page set-up, header, footer, fonts and styles from a Word file")
    ta.add_argument("letterhead", type=Path, help="the bank's own Word file (.docx)")
    tsub.add_parser("trim", help="remove the stock styles Word adds back when it saves (faster builds)")
    r = sub.add_parser("review", help="legal's returned Word drafts: tracked changes and comments into the sources")
    rsub = r.add_subparsers(dest="review_command", required=True)
    ri = rsub.add_parser("import", help="read returned drafts into sources/<arrangement>/review.yaml")
    ri.add_argument("files", nargs="+", type=Path, metavar="FILE.docx", help="Word drafts legal sent back")
    ri.add_argument("--apply", action="store_true",
                    help="also write legal's wording into the Markdown and YAML sources (all or nothing)")
    ri.add_argument("--arrangement", help="refuse drafts of any other arrangement")
    return p


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 1 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"must be between 1 and 3600 seconds, got {text}")
    return value


def _sha256(text: str) -> str:
    value = text.strip().lower().removeprefix("sha256:")
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise argparse.ArgumentTypeError(
            f"expected 64 hexadecimal digits (the fingerprint `seal` printed), got {text!r}")
    return value


class Terminated(Exception):
    """SIGTERM: unwound like Ctrl-C, so staging folders and LibreOffice workers are cleaned up."""


def _terminate(signum, frame):
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return COMMANDS[args.command](args)
    except SourceErrors as exc:
        for problem in exc.problems:
            err.print(f"{problem}", markup=False)
        n = len(exc.problems)
        err.print(f"[bold red]{n} problem{'s' if n != 1 else ''}[/] found; nothing was written.")
        return exc.exit_code
    except RegpackError as exc:
        err.print(f"error: {exc}", markup=False)
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("interrupted; nothing was written")
        return 130
    except Terminated:
        err.print("terminated; nothing was written")
        return 143
    except OSError as exc:  # a folder regpack cannot write (read-only build/, a full disk)
        if args.verbose:
            traceback.print_exc()
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        err.print(f"error: cannot access{where}: {exc.strerror or exc}", markup=False)
        return 74
    except Exception:
        if args.verbose:
            traceback.print_exc()
        else:
            err.print(f"internal error: {sys.exc_info()[1]!r} (run with -v for the traceback)", markup=False)
        return 70
    finally:
        signal.signal(signal.SIGTERM, previous)


def _project(args):
    from pipeline.project import Project
    return Project.at(args.project)


def cmd_build(args) -> int:
    from pipeline.build import build
    from pipeline.project import BuildOptions
    from pipeline.cli.progress import ProgressReporter
    options = BuildOptions(arrangement=args.arrangement, final=args.final, strict=args.strict,
                           keep_edited=args.keep_edited, workers=args.workers, force=args.force,
                           timeout=args.timeout)
    with ProgressReporter(out) as reporter:
        report = build(_project(args), options, progress=reporter.note, on_converted=reporter.converted)
    if args.verbose:
        for line in report.decisions:
            out.print(f"why: {line}", markup=False)
    for w in report.warnings:
        err.print(f"warning: {w}", markup=False)
    for line in report.kept:
        out.print(f"kept legal's edited draft: {line}", markup=False)
    for line in report.coverage:
        out.print(line, markup=False)
    for anchor in report.missing_anchors:
        err.print(f"note: review comment not placed (text not in this document): {anchor}", markup=False)
    if not report.rendered:
        out.print(f"Nothing to do: {len(report.skipped)} documents are up to date "
                  f"({', '.join(report.arrangements)}).")
    out.print(f"built {len(report.arrangements)} arrangement(s): {len(report.rendered)} documents rendered and "
              f"converted, {len(report.skipped)} up to date, {report.pages} pages, {report.seconds:.1f} s, "
              f"LibreOffice started {report.libreoffice_starts}x")
    return 0


def cmd_check(args) -> int:
    from pipeline.gather import gather
    from pipeline.project import BuildOptions
    gathered = gather(_project(args), BuildOptions(arrangement=args.arrangement, final=args.final, strict=args.strict))
    for w in gathered.warnings:
        err.print(f"warning: {w}", markup=False)
    out.print(f"ok: {len(gathered.arrangements)} arrangement(s), {len(gathered.warnings)} warning(s)")
    return 0


def cmd_coverage(args) -> int:
    from pipeline.catalog.coverage import coverage_json
    from pipeline.gather import gather
    from pipeline.project import BuildOptions
    gathered = gather(_project(args), BuildOptions(arrangement=args.arrangement))
    coverages = [p.coverage for p in gathered.arrangements]
    if args.json:
        print(json.dumps(coverage_json(gathered.catalog, coverages), indent=2))
        return 0
    for cov in coverages:
        _print_coverage(cov, detail=True)
    return 0


def _print_coverage(cov, detail: bool) -> None:
    """One line per arrangement; with `detail` a table by responsibility, open items and gaps."""
    if not detail:
        out.print(f"{cov.arrangement_id}: {cov.summary()}", markup=False)
        return
    table = Table(title=f"{cov.arrangement_id}: {cov.summary()}", title_justify="left")
    for col in ("Responsibility", "Met", "Partial", "Gap", "N.A.", "No response"):
        table.add_column(col)
    for resp, counts in cov.counts().items():
        table.add_row(resp, *(str(counts[k]) for k in ("met", "partial", "gap", "not_applicable", "missing")))
    out.print(table)
    for row in cov.open_items:
        a = row.response.action
        out.print(f"  open: {row.requirement.id} ({row.response.status}): {a.description} "
                  f"[owner {a.owner}, due {a.due}]", markup=False)
    for gap in cov.gaps:
        out.print(f"  gap: {gap} has no response (a final build will refuse it)", markup=False)


def cmd_schema(args) -> int:
    from pipeline.sources.schema import write_schemas
    for path in write_schemas(args.dir):
        out.print(f"wrote {path}")
    return 0


def cmd_scaffold(args) -> int:
    from pipeline.sources.scaffold import scaffold
    report = scaffold(_project(args).root, args.arrangement, templates=args.command == "init")
    for line in report.lines:
        out.print(line, markup=False)
    out.print("next: replace the TODOs (`regpack check` lists them), then `regpack build`", markup=False)
    return 0


def cmd_seal(args) -> int:
    from pipeline.release.archive import seal
    sealed = seal(_project(args), args.arrangement, args.version)
    out.print(f"sealed {sealed.folder} and {sealed.zip} ({sealed.files} files)")
    out.print(f"fingerprint (record it outside the pack): {sealed.fingerprint}", markup=False)
    out.print(f"  the sha256 of seal.json, which lists every sealed file's sha256; check the pack with "
              f"`regpack verify {sealed.zip} --fingerprint {sealed.fingerprint}`", markup=False)
    return 0


def cmd_verify(args) -> int:
    from pipeline.release.archive import verify
    result = verify(args.path, args.fingerprint)
    for line in result.lines():
        out.print(line, markup=False)
    return 0 if result.ok else 1


def cmd_diff(args) -> int:
    from pipeline.release.diff import diff
    report = diff(_project(args), args.old, args.new, args.out)
    for line in report.lines():
        out.print(line, markup=False)
    return 0


def cmd_templates(args) -> int:
    if args.templates_command == "check":
        from pipeline.word.templates import check_templates
        report = check_templates(_project(args))
        for w in report.warnings:
            err.print(f"warning: {w}", markup=False)
        if report.errors or (args.strict and report.warnings):
            raise SourceErrors(report.errors + (report.warnings if args.strict else []))
        out.print(report.summary(), markup=False)
        return 0
    from pipeline.word.letterhead import adopt_letterhead, trim_templates
    project = _project(args)
    lines = adopt_letterhead(project, args.letterhead) if args.templates_command == "adopt" else trim_templates(project)
    for line in lines:
        out.print(line, markup=False)
    return 0


def cmd_review(args) -> int:
    from pipeline.review.importer import review_import
    report = review_import(_project(args), args.files, apply=args.apply, arrangement=args.arrangement)
    for line in report.lines():
        out.print(line, markup=False)
    return 0


COMMANDS = {"build": cmd_build, "check": cmd_check, "coverage": cmd_coverage, "schema": cmd_schema,
            "scaffold": cmd_scaffold, "init": cmd_scaffold,
            "seal": cmd_seal, "verify": cmd_verify, "diff": cmd_diff, "templates": cmd_templates,
            "review": cmd_review}

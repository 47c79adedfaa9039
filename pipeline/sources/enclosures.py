"""Checks of the documents enclosed with the notification: each file exists inside the sources, is of a
kind regpack can put in the pack (PDF, or Word to convert), is readable, not encrypted and not
unreasonably large; evidence that cites an enclosure (`Enclosure <reference>`) cites one that exists."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from pipeline.errors import Problem
from pipeline.files import sha256_file

MAX_BYTES = 25_000_000
KINDS = {".pdf": "PDF", ".docx": "Word"}
CITED = re.compile(r"^Enclosure\s+(\S+)")


def _file_problem(path: Path) -> str | None:
    """Why `path` cannot be enclosed, or None."""
    suffix = path.suffix.lower()
    if suffix not in KINDS:
        return (f"is a {suffix or 'file without extension'}; enclose a PDF, or a Word .docx file to convert "
                "(export spreadsheets to PDF first)")
    size = path.stat().st_size
    if size > MAX_BYTES:
        return f"is {size:,} bytes, over the limit of {MAX_BYTES:,}; enclose a smaller PDF (compressed or split)"
    head = path.read_bytes()[:8]
    if suffix == ".pdf":
        if not head.startswith(b"%PDF-"):
            return "is not a PDF (it does not start with %PDF-); export it to PDF again"
        from pypdf import PdfReader  # only when there is a PDF to read
        try:
            reader = PdfReader(path)
            if reader.is_encrypted:
                return "is encrypted (password-protected); enclose an unprotected copy"
            if not reader.pages:
                return "has no pages"
        except Exception as exc:  # pypdf's errors on a damaged file
            return f"cannot be read as a PDF ({type(exc).__name__}: {exc}); export it to PDF again"
        return None
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            bad = z.testzip()
    except (zipfile.BadZipFile, OSError):
        return f"is not a {KINDS[suffix]} file (not a valid Office zip); save it again from {KINDS[suffix]}"
    part = "word/document.xml"
    if bad or part not in names:
        return f"is damaged (missing or corrupt {bad or part}); save it again from {KINDS[suffix]}"
    return None


def enclosure_problems(loaded, root: Path, final: bool) -> list[Problem]:
    """Problems with the arrangement's enclosures and with evidence citing them, at their lines."""
    src, files = loaded.sources, loaded.files
    arr_file = files["arrangement"]
    problems = []
    seen: dict[str, int] = {}
    for i, enc in enumerate(src.arrangement.enclosures):
        line = arr_file.doc.line_of(("enclosures", i, "file"))
        where = f"arrangement.enclosures[{i}].file"
        if enc.reference in seen:
            problems.append(Problem(arr_file.display, arr_file.doc.line_of(("enclosures", i, "reference")),
                                    f"arrangement.enclosures[{i}].reference",
                                    f"duplicate enclosure reference {enc.reference!r} (also enclosure {seen[enc.reference] + 1})"))
        seen.setdefault(enc.reference, i)
        path = (src.folder / enc.file).resolve()
        if not path.is_relative_to(root.resolve()):
            problems.append(Problem(arr_file.display, line, where, f"enclosure {enc.file!r} lies outside the sources "
                                    "folder; move it inside"))
        elif not path.is_file():
            problems.append(Problem(arr_file.display, line, where, f"enclosure {enc.file!r} not found (looked for "
                                    f"{path.relative_to(root.resolve().parent)})"))
        elif why := _file_problem(path):
            problems.append(Problem(arr_file.display, line, where, f"enclosure {enc.file!r} {why}"))
    controls = files["controls"]
    for i, resp in enumerate(src.controls.responses):
        for j, ev in enumerate(resp.evidence):
            if isinstance(ev, str) and (m := CITED.match(ev)) and m.group(1).rstrip(".,;:") not in seen:
                problems.append(Problem(
                    controls.display, controls.doc.line_of(("responses", i, "evidence", j)),
                    f"controls.responses[{i}].evidence[{j}]", f"cites enclosure {m.group(1)!r}, which is not among the "
                    "arrangement's enclosures (arrangement.enclosures): add it, or correct the reference",
                    "error" if final else "warning", "missing-enclosure", {"reference": m.group(1)}))
    return problems


def enclosure_pdf(number: int, source: Path) -> Path:
    """Where a converted enclosure sits in build/<arrangement>/ (a PDF enclosure is merged as it is)."""
    return Path("enclosures") / f"{number:02d}-{Path(source).stem}.pdf"


def enclosure_entries(src) -> list[dict]:
    """The arrangement's enclosures as the manifest records them (converted PDFs added by the manifest)."""
    out = []
    for number, enc in enumerate(src.arrangement.enclosures, start=1):
        source = (src.folder / enc.file).resolve()
        out.append({"role": "enclosure", "number": number, "title": enc.title, "reference": enc.reference,
                    "date": enc.date.isoformat(), "source": enc.file, "sha256": sha256_file(source),
                    "pdf": None if source.suffix.lower() == ".pdf" else str(enclosure_pdf(number, source))})
    return out

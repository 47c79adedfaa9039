"""What one conversion is: the job (a .docx in, a PDF out), its result, and the checks of both ends:
the input exists, and what LibreOffice wrote is a whole PDF with pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

from pipeline.libreoffice.worker import WorkerFailure, one_line


@dataclass(frozen=True)
class ConvertJob:
    docx: Path
    pdf: Path
    name: str


@dataclass(frozen=True)
class ConvertResult:
    job: ConvertJob
    pages: int
    seconds: float


_PAGES_COUNT = re.compile(rb"/Type/Pages\b[^>]*?/Count (\d+)")
_PAGE = re.compile(rb"/Type/Page[\s/>]")


def _page_count(data: bytes) -> int | None:
    """Pages of a LibreOffice PDF read from its bytes: the page tree's /Count, confirmed by the number
    of page objects (about 1 ms, where a full parse costs ~1 ms a page). None when unsure."""
    counts = _PAGES_COUNT.findall(data)
    if len(counts) == 1 and int(counts[0]) == len(_PAGE.findall(data)):
        return int(counts[0])
    return None


def _count_pages(pdf: Path) -> int:
    try:
        with open(pdf, "rb") as fh:
            if fh.read(5) != b"%PDF-":
                raise WorkerFailure("LibreOffice wrote an empty file or not a PDF")
            fh.seek(max(0, pdf.stat().st_size - 1024))
            if b"%%EOF" not in fh.read():
                raise WorkerFailure("the PDF is truncated")
        pages = _page_count(pdf.read_bytes()) or int(PdfReader(pdf).root_object["/Pages"]["/Count"])
    except FileNotFoundError:
        raise WorkerFailure("LibreOffice reported success but wrote no PDF") from None
    except WorkerFailure:
        raise
    except Exception as exc:  # pypdf's errors
        raise WorkerFailure(f"the PDF cannot be read: {exc}") from None
    if pages < 1:
        raise WorkerFailure("the PDF has no pages")
    return pages


def _job_problem(job: ConvertJob) -> str | None:
    if not Path(job.docx).is_file():
        return f"{job.name}: input not found: {job.docx}"
    if not Path(job.pdf).parent.is_dir():
        return f"{job.name}: no folder for {job.pdf}"
    return None


def leftovers(tmp: Path, office_pid: int | None, other_pids: list[int | None]) -> list[Path]:
    """What a LibreOffice killed while storing `tmp` leaves beside it: its lock file `.~lock.NAME#` (a
    later store to NAME would fail) and its own temporary `lu<pid><random>.tmp` (LibreOffice 7.x), unless
    another worker's pid starts with the same digits."""
    found = [tmp.with_name(f".~lock.{tmp.name}#")]
    if office_pid and not any(str(pid).startswith(str(office_pid)) for pid in other_pids if pid):
        found += tmp.parent.glob(f"lu{office_pid}*.tmp")
    return found


def failure_message(job: ConvertJob, failures: list[WorkerFailure], output: str, timeout: float) -> str:
    """One line naming the document: what each attempt met, LibreOffice's last words, what to look at."""
    if failures[-1].slow_document:
        return (f"{job.name}: LibreOffice timed out after {timeout:g} s converting {job.docx} "
                f"({len(failures)} attempts): look in this document's sources for a very long unbroken word "
                f"or table cell (LibreOffice lays one out very slowly), or allow more time (--timeout)")
    attempts = "; ".join(f"attempt {n}: {failure}" for n, failure in enumerate(failures, start=1))
    said = " | ".join(output.splitlines())
    return (f"{job.name}: LibreOffice could not convert {job.docx}: {attempts}"
            + (f" (LibreOffice output: {one_line(said)})" if said else ""))

"""DOCX -> PDF with warm LibreOffice processes, one per worker.

Each worker starts `soffice` once (headless, own profile) running the macro in
`convert_worker.py` inside LibreOffice's Python. The macro connects back to a Unix
socket and converts documents on request (JSON lines): load hidden, refresh fields,
update every index, export PDF(/A-2b) with bookmarks. Measured faster per document
than driving LibreOffice over the UNO bridge from another process. A timeout or
crash kills the worker's whole process group, restarts it and retries (a timeout once only: it is
likely to recur), removing what the killed LibreOffice left beside the PDF (its lock file would make
the next store of that name fail).

Jobs may arrive as a stream (the next document renders while LibreOffice converts the previous ones);
a result may bring follow-up jobs (a pack's cover once its documents are done), which go ahead of the
jobs still waiting.
"""

from __future__ import annotations

import itertools
import math
import os
import queue
import shutil
import threading
import time
import weakref
from pathlib import Path
from typing import Callable, Iterable, Sequence

from pipeline.libreoffice.jobs import (ConvertJob, ConvertResult, _count_pages, _job_problem, failure_message,
                                       leftovers)
from pipeline.libreoffice.worker import WorkerCancelled, WorkerFailure, WorkerProcess
from pipeline.errors import ConversionError, RegpackError, ToolMissing
from pipeline.libreoffice.install import _VERSIONS, INSTALL_HINT, find_soffice, libreoffice_version  # noqa: F401


def _signal_kill_all(offices: list[WorkerProcess]) -> None:
    for office in offices:  # all soffice.bin first, then wait for each to be reaped
        office.signal_kill(wait=False)
    for office in offices:
        office.signal_kill()


class Converter:
    """Converts DOCX jobs to PDF with warm LibreOffice processes; use as a context manager."""

    def __init__(self, workers: int | None = None, timeout: float = 120.0, retries: int = 2,
                 pdfa: bool = True, progress: Callable[[ConvertResult], None] | None = None,
                 soffice: str | None = None):
        if soffice is not None and not shutil.which(soffice):
            raise ToolMissing(f"{INSTALL_HINT} ({soffice!r} not found)")
        self.soffice = shutil.which(soffice) if soffice else find_soffice()
        program = Path(os.path.realpath(self.soffice)).parent
        if (program / "soffice.bin").is_file() and not (program / "pythonscript.py").is_file():
            raise ToolMissing("LibreOffice cannot run Python macros: run `apt-get install "
                              "libreoffice-script-provider-python python3-uno` (Debian/Ubuntu)")
        if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
            raise RegpackError(f"the conversion timeout must be a positive number of seconds, not {timeout!r}")
        if not (isinstance(retries, int) and retries >= 0):
            raise RegpackError(f"conversion retries must be a whole number, 0 or more, not {retries!r}")
        self.workers, self.timeout, self.retries = workers, timeout, retries
        self.pdfa, self.progress = pdfa, progress
        self.starts = 0
        self._offices: list[WorkerProcess] = []
        self._threads: list[threading.Thread] = []
        self._starts_lock = threading.Lock()
        weakref.finalize(self, _signal_kill_all, self._offices)  # last resort, e.g. at interpreter exit

    def __enter__(self) -> Converter:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Stop every LibreOffice this converter started (kill and reap the process groups)."""
        _signal_kill_all(self._offices)
        for office in self._offices:
            office.cancel.set()
        for thread in self._threads:
            thread.join()
        for office in self._offices:
            office.kill()
            office.cancel.clear()
        self._threads.clear()

    @property
    def pids(self) -> list[int]:
        """Process-group ids of the running LibreOffice processes (diagnostics, fault tests)."""
        return [p.pid for o in self._offices if (p := o.proc) is not None and p.poll() is None]

    def worker_count(self, jobs: int) -> int:
        wanted = self.workers
        if wanted is None and (env := os.environ.get("REGPACK_WORKERS")):
            if not env.strip().isdigit() or int(env) < 1:
                raise RegpackError(f"REGPACK_WORKERS must be a positive whole number, not {env!r}")
            wanted = int(env)
        return max(1, min(wanted or os.cpu_count() or 1, jobs))

    def warm_up(self, jobs: int) -> None:
        """Optional: start the LibreOffice processes for `jobs` documents in the background now,
        so their start-up overlaps other work; convert_all then finds them warm."""
        for office in self._ensure_offices(self.worker_count(jobs)):
            thread = threading.Thread(target=self._warm, args=(office,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _warm(self, office: WorkerProcess) -> None:
        with office.lock:
            if not office.alive:
                try:
                    self._start(office)
                except (WorkerFailure, WorkerCancelled):
                    office.kill()  # convert_all starts it again and reports the failure

    def _ensure_offices(self, count: int) -> list[WorkerProcess]:
        while len(self._offices) < count:
            self._offices.append(WorkerProcess(self.soffice, self.timeout))
        return self._offices[:count]

    def _start(self, office: WorkerProcess) -> None:
        with self._starts_lock:
            self.starts += 1
        office.start()
        if office.version:
            _VERSIONS.setdefault(self.soffice, office.version)

    def convert_all(self, jobs: Sequence[ConvertJob]) -> list[ConvertResult]:
        """Convert every job; results in job order. Raises ConversionError naming each failed document."""
        jobs = list(jobs)
        problems = [p for j in jobs if (p := _job_problem(j))]
        if len({Path(j.pdf).resolve() for j in jobs}) != len(jobs):
            problems.append("two documents would write the same PDF")
        if problems:
            raise ConversionError("\n".join(problems))
        # biggest first, so that no worker is left with a long one at the end
        ordered = sorted(enumerate(jobs), key=lambda item: -Path(item[1].docx).stat().st_size)
        results = self._convert(ordered, self.worker_count(len(jobs)) if jobs else 0)
        return [results[i] for i in range(len(jobs))]

    def convert_stream(self, jobs: Iterable[ConvertJob], expected: int,
                       follow_up: Callable[[ConvertResult], Iterable[ConvertJob]] | None = None
                       ) -> list[ConvertResult]:
        """Convert jobs while they are still being produced: iterating `jobs` may render the next
        document while LibreOffice converts the previous ones. `follow_up`, called in this thread with
        each result, may return more jobs; they go ahead of every waiting job. Results in submission order."""
        results = self._convert(enumerate(jobs), self.worker_count(expected) if expected else 0, follow_up)
        return [results[i] for i in sorted(results)]

    def _convert(self, items: Iterable[tuple[int, ConvertJob]], workers: int,
                 follow_up: Callable[[ConvertResult], Iterable[ConvertJob]] | None = None
                 ) -> dict[int, ConvertResult]:
        offices = self._ensure_offices(workers)
        todo: queue.PriorityQueue = queue.PriorityQueue()  # (rank, order, index, job): follow-ups rank first
        done: queue.SimpleQueue = queue.SimpleQueue()
        threads = [threading.Thread(target=self._work, args=(o, todo, done), daemon=True) for o in offices]
        self._threads = [t for t in self._threads if t.is_alive()] + threads
        for thread in threads:
            thread.start()
        results: dict[int, ConvertResult] = {}
        errors: dict[int, str] = {}
        order = itertools.count()
        state = {"running": len(threads), "outstanding": 0, "next": 0}

        def submit(index: int, job: ConvertJob, rank: int) -> None:
            if problem := _job_problem(job):
                errors[index] = problem
                return
            todo.put((rank, next(order), index, job))
            state["outstanding"] += 1
            state["next"] = max(state["next"], index + 1)

        def collect(block: bool) -> None:
            """Handle finished jobs: all that are waiting, or (block) at least one, or the threads' ends."""
            while state["running"]:
                try:
                    index, outcome = done.get(timeout=0.2) if block else done.get_nowait()
                except queue.Empty:
                    if block and (state["outstanding"] or errors):
                        continue
                    return
                if index is None:
                    state["running"] -= 1
                    continue
                state["outstanding"] -= 1
                if isinstance(outcome, ConvertResult):
                    results[index] = outcome
                    if self.progress:
                        self.progress(outcome)
                    for job in (follow_up(outcome) if follow_up and not errors else ()):
                        submit(state["next"], job, rank=0)
                else:
                    errors[index] = outcome
                if errors:
                    for office in offices:  # fail fast: the other workers abandon their documents
                        office.cancel.set()
                block = False  # one result handled: return once nothing more is waiting

        try:
            try:
                for index, job in items:
                    submit(index, job, rank=1)
                    collect(block=False)
                    if errors:
                        break
                while state["outstanding"] and not errors and state["running"]:
                    collect(block=True)
            finally:
                for _ in threads:
                    todo.put((2, next(order), None, None))  # one stop sign per worker, after every job
            while state["running"]:
                collect(block=True)
        except BaseException:  # KeyboardInterrupt, a failed render or follow-up, or the progress callback failed
            self.close()
            raise
        for thread in threads:
            thread.join()
        for office in offices:
            office.cancel.clear()
        if errors:
            raise ConversionError("\n".join(errors[i] for i in sorted(errors)))
        return results

    def _work(self, office: WorkerProcess, todo: queue.PriorityQueue, done: queue.SimpleQueue) -> None:
        try:
            with office.lock:
                while not office.cancel.is_set():
                    item = todo.get()
                    _rank, _order, index, job = item
                    if job is None:
                        break
                    try:
                        done.put((index, self._convert_one(office, index, job)))
                    except ConversionError as exc:
                        done.put((index, str(exc)))
        except WorkerCancelled:
            office.kill()
        except BaseException as exc:  # never leave the collector waiting for this thread
            done.put((-1, f"converter thread failed: {exc!r}"))
        finally:
            done.put((None, None))

    def _convert_one(self, office: WorkerProcess, index: int, job: ConvertJob) -> ConvertResult:
        started = time.monotonic()
        pdf = Path(job.pdf)
        failures: list[WorkerFailure] = []
        tail = ""
        while len(failures) <= self.retries:
            tmp = pdf.with_name(f".{pdf.name}.{os.getpid()}-{index}-{len(failures)}.tmp")  # one per attempt
            try:
                if not office.alive:
                    self._start(office)
                office.convert(Path(job.docx), tmp, self.pdfa)
                pages = _count_pages(tmp)
                os.replace(tmp, pdf)
                return ConvertResult(job, pages, time.monotonic() - started)
            except WorkerCancelled:
                self._kill(office, tmp)  # before the temporary file is removed below
                raise
            except WorkerFailure as failure:
                failures.append(failure)
                if failure.fatal:  # the document is unusable; LibreOffice is fine
                    break
                tail = office.tail()
                self._kill(office, tmp)
                if sum(f.timed_out for f in failures) > 1:
                    break
            except OSError as exc:  # the output folder went away, a full disk
                raise ConversionError(f"{job.name}: cannot write {pdf}: {exc}") from None
            finally:
                tmp.unlink(missing_ok=True)
        raise ConversionError(failure_message(job, failures, tail, self.timeout))

    def _kill(self, office: WorkerProcess, tmp: Path) -> None:
        """Kill a LibreOffice that failed or was abandoned, and remove what it left beside `tmp`."""
        pid = office.office_pid
        office.kill()
        for path in leftovers(tmp, pid, [o.office_pid for o in self._offices if o is not office]):
            path.unlink(missing_ok=True)

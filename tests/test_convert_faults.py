"""The converter when LibreOffice fails: hangs, exits at once, is killed while converting or storing, or
takes too long over a document. Fault tests use a fake `soffice` command or kill the real one."""

from __future__ import annotations

import os
import signal
import threading
import time
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from pipeline.errors import ConversionError, RegpackError
from pipeline.libreoffice.converter import ConvertJob, Converter
from test_convert import _fake_soffice, make_docx


def _processes_mentioning(marker: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmdline:
            found.append(f"{proc.name}: {cmdline}")
    return found


def test_hanging_libreoffice_times_out_and_is_killed(tmp_path, monkeypatch):
    script = _fake_soffice(tmp_path, 'echo "fake soffice is hanging" >&2\nsleep 3141')
    monkeypatch.setenv("REGPACK_SOFFICE", str(script))
    job = ConvertJob(make_docx(tmp_path / "paper.docx", "Paper", ["One"]), tmp_path / "paper.pdf", "board-paper")
    started = time.monotonic()
    with Converter(timeout=3, retries=1) as converter:
        with pytest.raises(ConversionError) as caught:
            converter.convert_all([job])
    elapsed = time.monotonic() - started
    message = str(caught.value)
    assert "board-paper" in message and "timed out" in message and "attempt 2" in message
    assert "fake soffice is hanging" in message  # LibreOffice's own output is in the error
    assert elapsed < 3 * 2 + 4
    assert converter.starts == 2
    assert not _processes_mentioning(str(script)) and not _processes_mentioning("sleep 3141")
    assert not job.pdf.exists()


def test_libreoffice_exiting_at_once_reports_its_output(tmp_path):
    script = _fake_soffice(tmp_path, 'echo "fake soffice: cannot open display" >&2\nexit 3')
    job = ConvertJob(make_docx(tmp_path / "a.docx", "A", ["One"]), tmp_path / "a.pdf", "notification")
    with Converter(soffice=str(script), retries=2) as converter:
        with pytest.raises(ConversionError, match=r"(?s)notification.*status 3.*cannot open display"):
            converter.convert_all([job])
    assert converter.starts == 3


def test_killed_libreoffice_is_restarted_and_all_documents_complete(tmp_path):
    jobs = [ConvertJob(make_docx(tmp_path / f"d{n}.docx", f"Doc {n}", [f"Part {n}"]), tmp_path / f"d{n}.pdf",
                       f"doc-{n}") for n in range(5)]
    killed = []

    def kill_after_first(result):
        if not killed:
            killed.extend(converter.pids)
            for pid in killed:
                os.killpg(pid, signal.SIGKILL)  # mid-way: the worker is converting the next document

    with Converter(workers=1, timeout=60, progress=kill_after_first) as converter:
        converter.warm_up(len(jobs))  # starts in the background; convert_all finds it warm
        results = converter.convert_all(jobs[:3])
        assert killed and converter.starts == 2
        for pid in converter.pids:  # between two batches
            os.killpg(pid, signal.SIGKILL)
        results += converter.convert_all(jobs[3:])
        assert converter.starts == 3
        broken = tmp_path / "broken.docx"  # a zip that is no Word document: fails at once, no restart
        with zipfile.ZipFile(broken, "w") as archive:
            archive.writestr("word/document.xml", "<w:document")
        with pytest.raises(ConversionError, match=r"broken-draft: .*attempt 1: cannot open [^;]*$"):
            converter.convert_all([ConvertJob(broken, tmp_path / "broken.pdf", "broken-draft")])
        assert converter.starts == 3
        pids = converter.pids
    assert [r.job for r in results] == jobs
    assert all(r.pages == 2 and r.job.pdf.is_file() for r in results)
    assert not [p for p in pids if Path(f"/proc/{p}").exists()]


def _office_bins(process_groups: list[int]) -> list[int]:
    """The soffice.bin processes in these process groups (what a user's `kill -9` would hit)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, fields = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
        if name == "soffice.bin" and int(fields[2]) in process_groups:
            found.append(int(stat.parent.name))
    return found


class _KillWhileStoring(threading.Thread):
    """kill -9 the converter's soffice.bin each time LibreOffice starts storing a PDF under `folder`
    (its lock file `.~lock.NAME#` appears), at most `times` times."""

    def __init__(self, converter: Converter, folder: Path, times: int):
        super().__init__(daemon=True)
        self.converter, self.folder, self.times = converter, folder, times
        self.killed: list[int] = []
        self.stop = threading.Event()

    def run(self) -> None:
        seen: set[Path] = set()
        while len(self.killed) < self.times and not self.stop.is_set():
            locks = {Path(folder, name) for folder, _, names in os.walk(self.folder)  # skips vanished folders
                     for name in names if name.startswith(".~lock.")}
            for lock in locks - seen:
                seen.add(lock)
                for pid in _office_bins(self.converter.pids):
                    try:
                        os.kill(pid, signal.SIGKILL)
                        self.killed.append(pid)
                    except ProcessLookupError:
                        pass
            time.sleep(0.001)

    def __enter__(self) -> _KillWhileStoring:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        self.join()


def test_libreoffice_killed_while_storing_is_restarted_every_time(tmp_path):
    """A killed LibreOffice leaves a lock file beside the PDF it was storing; the retry must not trip on it."""
    sections = [f"Section {n}" for n in range(12)]
    jobs = [ConvertJob(make_docx(tmp_path / f"{name}.docx", name, sections), tmp_path / f"{name}.pdf", name)
            for name in ("notification", "risk-assessment", "board-paper")]
    with Converter(workers=1, timeout=60) as converter:
        for round_ in range(1, 5):
            with _KillWhileStoring(converter, tmp_path, times=1) as killer:
                results = converter.convert_all(jobs)
            assert len(killer.killed) == 1, f"round {round_}: nothing was killed"
            assert [r.job for r in results] == jobs
            assert all(r.pages == len(PdfReader(r.job.pdf).pages) > 12 for r in results)
            assert converter.starts == 1 + round_
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{j.name}.{x}" for j in jobs for x in ("docx", "pdf"))


def test_libreoffice_killed_on_every_attempt_gives_one_line_naming_the_document(tmp_path):
    job = ConvertJob(make_docx(tmp_path / "paper.docx", "Paper", ["One", "Two"]), tmp_path / "paper.pdf", "board-paper")
    with Converter(workers=1, timeout=60, retries=1) as converter:
        with _KillWhileStoring(converter, tmp_path, times=2) as killer:
            with pytest.raises(ConversionError) as caught:
                converter.convert_all([job])
    assert len(killer.killed) == 2
    assert str(caught.value) == (
        f"board-paper: LibreOffice could not convert {job.docx}: "
        "attempt 1: LibreOffice exited with status 137 while converting paper.docx; "
        "attempt 2: LibreOffice exited with status 137 while converting paper.docx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["paper.docx"]


def test_a_document_that_times_out_is_tried_twice_and_the_error_says_what_to_look_for(tmp_path):
    """A 200,000-character word in a table cell takes LibreOffice 7.4 about 150 s to lay out: far beyond 8 s."""
    document = docx.Document()
    document.add_paragraph("Annex")
    document.add_table(rows=1, cols=3).cell(0, 1).text = "x" * 200_000
    document.save(tmp_path / "annex.docx")
    job = ConvertJob(tmp_path / "annex.docx", tmp_path / "annex.pdf", "hmb-payments-hub-aws/annex")
    with Converter(workers=1, timeout=8) as converter:  # retries=2, but a timeout is retried once only
        with pytest.raises(ConversionError) as caught:
            converter.convert_all([job])
        assert converter.pids == []  # the LibreOffice that timed out was killed, not left laying out
    assert converter.starts == 2
    assert str(caught.value) == (
        f"hmb-payments-hub-aws/annex: LibreOffice timed out after 8 s converting {job.docx} (2 attempts): "
        "look in this document's sources for a very long unbroken word or table cell "
        "(LibreOffice lays one out very slowly), or allow more time (--timeout)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["annex.docx"]


@pytest.mark.parametrize("timeout", [-5, 0, float("nan"), float("inf"), "60"])
def test_converter_refuses_a_timeout_that_is_not_a_positive_number_of_seconds(timeout):
    with pytest.raises(RegpackError) as caught:
        Converter(timeout=timeout, soffice="/bin/true")
    assert str(caught.value) == f"the conversion timeout must be a positive number of seconds, not {timeout!r}"
    with pytest.raises(RegpackError, match=r"^conversion retries must be a whole number, 0 or more, not -1$"):
        Converter(retries=-1, soffice="/bin/true")

"""One conversion worker: a LibreOffice process running this file as a Python macro.

Both ends of the protocol live here. Host side (`WorkerProcess`, run by
`pipeline.convert` in the venv): copy this file into a private profile
(`user/Scripts/python/`), start `soffice` headless with the script URL in its own
process group, and accept the macro's connection on a Unix socket. Macro side
(`serve`, run by LibreOffice's own Python, so no UNO bridge in between): convert
documents on request. JSON lines over the socket:

    macro -> {"ready": true, "pid": ..., "python": ...}
    host  -> {"docx": "...", "pdf": "...", "pdfa": true}
    macro -> {"ok": true, "seconds": 0.12}  or  {"ok": false, "fatal": bool, "error": "..."}
    host  -> {"quit": true}                 (or end of file: the macro ends LibreOffice)

Only the standard library is used; `uno` is imported lazily, inside LibreOffice.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

MACRO_URL = "vnd.sun.star.script:regpack_convert_worker.py$serve?language=Python&location=user"


# ---------------------------------------------------------------- inside LibreOffice

def _props(**values):
    from com.sun.star.beans import PropertyValue

    out = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name = name
        prop.Value = value
        out.append(prop)
    return tuple(out)


def _convert(desktop, job):
    import uno

    url = uno.systemPathToFileUrl(job["docx"])
    try:
        doc = desktop.loadComponentFromURL(
            url, "_blank", 0, _props(Hidden=True, ReadOnly=True, MacroExecutionMode=0, UpdateDocMode=0)
        )
    except Exception as exc:  # IllegalArgumentException, IOException: the file is unusable
        return {"ok": False, "fatal": True, "error": f"cannot open {job['docx']}: {exc}"}
    if doc is None:
        return {"ok": False, "fatal": True, "error": f"cannot open {job['docx']} (not a document?)"}
    try:
        doc.getTextFields().refresh()  # first: fields change text, so pagination, so index page numbers
        indexes = doc.getDocumentIndexes()  # tables of contents, indexes (lay out, then fill page numbers)
        for i in range(indexes.getCount()):
            indexes.getByIndex(i).update()
        filter_data = _props(
            ExportBookmarks=True,
            UseTaggedPDF=True,
            EmbedStandardFonts=True,
            ExportNotes=False,  # review comments belong in the Word drafts, not in what the HKMA reads
            **({"SelectPdfVersion": 2} if job.get("pdfa", True) else {}),
        )
        doc.storeToURL(
            uno.systemPathToFileUrl(job["pdf"]),
            _props(
                FilterName="writer_pdf_Export",
                FilterData=uno.Any("[]com.sun.star.beans.PropertyValue", filter_data),
            ),
        )
    finally:
        try:
            doc.close(True)
        except Exception:
            doc.dispose()
    return {"ok": True}


def serve(*_args):
    """Macro entry point: convert documents until told to quit, then end LibreOffice."""
    desktop = XSCRIPTCONTEXT.getDesktop()  # noqa: F821 (injected by the script provider)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(os.environ["REGPACK_WORKER_SOCKET"])
        stream = conn.makefile("rwb", buffering=0)
        hello = {"ready": True, "pid": os.getpid(), "python": sys.version.split()[0]}
        stream.write((json.dumps(hello) + "\n").encode())
        for line in stream:
            job = json.loads(line)
            if job.get("quit"):
                break
            started = time.monotonic()
            try:
                reply = _convert(desktop, job)
            except Exception:
                reply = {"ok": False, "fatal": False, "error": traceback.format_exc(limit=3)}
            reply["seconds"] = time.monotonic() - started
            stream.write((json.dumps(reply) + "\n").encode())
    finally:
        conn.close()
        desktop.terminate()


g_exportedScripts = (serve,)

# ---------------------------------------------------------------- host side (the venv's Python)

class WorkerFailure(Exception):
    def __init__(self, message: str, fatal: bool = False):
        super().__init__(message)
        self.fatal = fatal  # the document itself is unusable: retrying will not help


class WorkerCancelled(Exception):
    pass


class WorkerProcess:
    """One LibreOffice process running the conversion macro, reached over a Unix socket.
    Used by one thread at a time (hold `lock`); other threads may only call `signal_kill`."""

    def __init__(self, soffice: str, timeout: float):
        self.soffice, self.timeout = soffice, timeout
        self.lock = threading.Lock()
        self.cancel = threading.Event()
        self.proc: subprocess.Popen | None = None
        self.office_pid: int | None = None  # soffice.bin, reported by the macro
        self.conn: socket.socket | None = None
        self.buffer, self.home = b"", None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and self.conn is not None

    def start(self) -> None:
        self.kill()
        self.home = Path(tempfile.mkdtemp(prefix="regpack-lo-"))
        scripts = self.home / "profile/user/Scripts/python"
        scripts.mkdir(parents=True)
        shutil.copyfile(__file__, scripts / "regpack_convert_worker.py")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.home / "sock"))
        listener.listen(1)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH", "VIRTUAL_ENV")}
        # LibreOffice's embedded system Python locates its stdlib via `python3` on PATH;
        # a pyenv/venv python3 first on PATH makes it abort, so put the system one first.
        env["PATH"] = os.pathsep.join(["/usr/bin", "/bin", env.get("PATH", "")])
        env.update(REGPACK_WORKER_SOCKET=str(self.home / "sock"), TMPDIR=str(self.home))
        args = [self.soffice, f"-env:UserInstallation={(self.home / 'profile').as_uri()}", "--headless",
                "--invisible", "--nocrashreport", "--nodefault", "--nologo", "--nolockcheck", "--norestore",
                MACRO_URL]
        with open(self.home / "soffice.log", "wb") as log:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         env=env, start_new_session=True)
        deadline = time.monotonic() + self.timeout
        try:
            while not select.select([listener], [], [], 0.05)[0]:
                self._check(deadline, "waiting for LibreOffice to start")
            self.conn = listener.accept()[0]
        finally:
            listener.close()
        self.office_pid = self._readline(deadline, "waiting for LibreOffice to start").get("pid")

    def _check(self, deadline: float, doing: str) -> None:
        if self.cancel.is_set():
            raise WorkerCancelled()
        if (status := self.proc.poll()) is not None:
            raise WorkerFailure(f"LibreOffice exited with status {status} while {doing}")
        if time.monotonic() > deadline:
            raise WorkerFailure(f"timed out after {self.timeout:g} s {doing}")

    def _readline(self, deadline: float, doing: str) -> dict:
        while b"\n" not in self.buffer:
            self._check(deadline, doing)
            if select.select([self.conn], [], [], 0.05)[0]:
                try:
                    chunk = self.conn.recv(65536)
                except OSError:  # connection reset: LibreOffice died
                    chunk = b""
                if not chunk:
                    time.sleep(0.2)  # let the process finish dying so its exit status is reported
                    self._check(deadline, doing)
                    raise WorkerFailure(f"LibreOffice closed the connection while {doing}")
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def convert(self, docx: Path, pdf: Path, pdfa: bool) -> None:
        request = {"docx": str(docx.resolve()), "pdf": str(pdf.resolve()), "pdfa": pdfa}
        try:
            self.conn.sendall((json.dumps(request) + "\n").encode())
        except OSError as exc:
            raise WorkerFailure(f"LibreOffice is gone ({exc})") from None
        reply = self._readline(time.monotonic() + self.timeout, f"converting {docx.name}")
        if not reply.get("ok"):
            raise WorkerFailure(reply.get("error", "unknown error").strip(), fatal=reply.get("fatal", False))

    def tail(self, lines: int = 15) -> str:
        try:
            text = (self.home / "soffice.log").read_text(errors="replace") if self.home else ""
        except OSError:
            text = ""
        kept = [line for line in text.splitlines() if line.strip() and "javaldx" not in line]
        return "\n".join(kept[-lines:]) or "(no output)"

    def signal_kill(self) -> None:
        """Kill LibreOffice now; safe from any thread (the owner reaps it and cleans up).
        soffice.bin goes first, so that its parent (oosplash) reaps it rather than init,
        then whatever is left of the process group."""
        if (proc := self.proc) is None:
            return
        try:
            if self.office_pid and proc.poll() is None and os.getpgid(self.office_pid) == proc.pid:
                os.kill(self.office_pid, signal.SIGKILL)
                proc.wait(timeout=1)
        except (OSError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def kill(self) -> None:
        """Kill the process group, reap it and delete its profile (a throwaway: nothing to save)."""
        if self.conn is not None:
            self.conn.close()
            self.conn, self.buffer = None, b""
        if self.proc is not None:
            self.signal_kill()
            self.proc.wait()
            self.proc, self.office_pid = None, None
        if self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)
            self.home = None

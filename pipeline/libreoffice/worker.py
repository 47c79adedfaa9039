"""One conversion worker: a LibreOffice process running this file as a Python macro.

Both ends of the protocol live here. Host side (`WorkerProcess`, in the venv): copy this
file into a private profile's `user/Scripts/python/`, start `soffice` headless with the
script URL in its own process group, accept the macro's connection on a Unix socket.
Macro side (`serve`, in LibreOffice's own Python: no UNO bridge in between): convert
documents on request. JSON lines over the socket:

    macro -> {"ready": true, "pid": ..., "version": "LibreOffice 7.4.7.2 40(Build:2)"}
    host  -> {"docx": "...", "pdf": "...", "pdfa": true}
    macro -> {"ok": true}  or  {"ok": false, "fatal": bool, "error": "one line"}
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
import tempfile
import threading
import time
import traceback
from pathlib import Path

MACRO_URL = "vnd.sun.star.script:regpack_convert_worker.py$serve?language=Python&location=user"


# ---------------------------------------------------------------- inside LibreOffice

def _props(**values):
    from com.sun.star.beans import PropertyValue
    return tuple(PropertyValue(Name=name, Value=value) for name, value in values.items())


# Fields that layout computes (page number, page count) or that have no value (comments):
# refreshing them changes nothing, and the refresh costs ~0.1 s on a 40-page document.
_SELF_UPDATING = ("PageNumber", "PageCount", "Annotation")


def _needs_refresh(doc):
    fields = doc.getTextFields().createEnumeration()
    while fields.hasMoreElements():
        field = fields.nextElement()
        if not any(field.supportsService(f"com.sun.star.text.TextField.{kind}") for kind in _SELF_UPDATING):
            return True
    return False


def _convert(desktop, job):
    import uno
    url = uno.systemPathToFileUrl(job["docx"])
    try:  # read-only: no lock file beside the .docx; never run macros or update links
        doc = desktop.loadComponentFromURL(
            url, "_blank", 0, _props(Hidden=True, ReadOnly=True, MacroExecutionMode=0, UpdateDocMode=0))
    except Exception as exc:  # IllegalArgumentException, IOException: the file is unusable
        return {"ok": False, "fatal": True, "error": f"cannot open {job['docx']}: {exc}"}
    if doc is None:
        return {"ok": False, "fatal": True, "error": f"cannot open {job['docx']} (not a document?)"}
    try:
        if _needs_refresh(doc):  # first: fields change text, so pagination, so index page numbers
            doc.getTextFields().refresh()
        indexes = doc.getDocumentIndexes()  # tables of contents, indexes (lay out, then fill page numbers)
        for i in range(indexes.getCount()):
            indexes.getByIndex(i).update()
        filter_data = _props(
            ExportBookmarks=True, UseTaggedPDF=True, EmbedStandardFonts=True,
            ExportNotes=False,  # review comments belong in the Word drafts, not in what the HKMA reads
            **({"SelectPdfVersion": 2} if job.get("pdfa", True) else {}),  # 2: PDF/A-2b
        )
        filter_data = uno.Any("[]com.sun.star.beans.PropertyValue", filter_data)
        doc.storeToURL(uno.systemPathToFileUrl(job["pdf"]),
                       _props(FilterName="writer_pdf_Export", FilterData=filter_data))
    finally:
        doc.close(True)
    return {"ok": True}


def _version(ctx):
    """What `soffice --version` prints ("LibreOffice 7.4.7.2 40(Build:2)"), without another process."""
    try:
        config = ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.configuration.ConfigurationProvider", ctx)
        product = config.createInstanceWithArguments("com.sun.star.configuration.ConfigurationAccess",
                                                     _props(nodepath="/org.openoffice.Setup/Product"))
        expander = ctx.getValueByName("/singletons/com.sun.star.util.theMacroExpander")
        build = expander.expandMacros("${$BRAND_BASE_DIR/program/" + "versionrc:buildid}")
        get = product.getByName
        return f"{get('ooName')} {get('ooSetupVersion')}{get('ooSetupExtension')} {build}"
    except Exception:
        return None


def serve(*_args):
    """Macro entry point: convert documents until told to quit, then end LibreOffice."""
    desktop = XSCRIPTCONTEXT.getDesktop()  # noqa: F821 (injected by the script provider)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(os.environ["REGPACK_WORKER_SOCKET"])
        stream = conn.makefile("rwb", buffering=0)
        version = _version(XSCRIPTCONTEXT.getComponentContext())  # noqa: F821
        stream.write((json.dumps({"ready": True, "pid": os.getpid(), "version": version}) + "\n").encode())
        for line in stream:
            job = json.loads(line)
            if job.get("quit"):
                break
            try:
                reply = _convert(desktop, job)
            except Exception as exc:  # one line, e.g. "uno.com.sun.star.io.IOException: ... failed"
                reply = {"ok": False, "fatal": False, "error": traceback.format_exception_only(exc)[-1]}
            stream.write((json.dumps(reply) + "\n").encode())
    finally:
        conn.close()
        desktop.terminate()


g_exportedScripts = (serve,)

# ---------------------------------------------------------------- host side (the venv's Python)

def one_line(text: str, limit: int = 300) -> str:
    """Messages from LibreOffice on one line, cut to `limit` characters: errors are one line a document."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


class WorkerFailure(Exception):
    def __init__(self, message: str, fatal: bool = False, timed_out: bool = False):
        super().__init__(one_line(message))
        self.fatal = fatal  # the document itself is unusable: retrying will not help
        self.timed_out = timed_out  # likely to time out again: retry once at most
        self.slow_document = False  # timed out while converting (not while starting)


class WorkerCancelled(Exception):
    """convert_all gave up (another document failed, or an interrupt): abandon the document."""


class WorkerProcess:
    """One LibreOffice process running the conversion macro, reached over a Unix socket.
    Used by one thread at a time (hold `lock`); other threads may only call `signal_kill`."""

    def __init__(self, soffice: str, timeout: float):
        self.soffice, self.timeout = soffice, timeout
        self.lock = threading.Lock()
        self.cancel = threading.Event()
        self.proc: subprocess.Popen | None = None
        self.office_pid: int | None = None  # soffice.bin, reported by the macro
        self.version: str | None = None  # as `soffice --version` prints it, reported by the macro
        self.conn: socket.socket | None = None
        self.listener: socket.socket | None = None
        self.buffer, self.home = b"", None  # bytes read, not yet a line; temp folder: profile, socket, log

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and self.conn is not None

    def start(self) -> None:
        self.kill()
        try:
            self._launch()
        except OSError as exc:  # no temporary folder, socket or process (a full disk, no memory)
            if self.listener is not None:
                self.listener.close()
            raise WorkerFailure(f"LibreOffice could not be started: {exc}") from None
        deadline = time.monotonic() + self.timeout
        try:
            while not select.select([self.listener], [], [], 0.05)[0]:
                self._check(deadline, "waiting for LibreOffice to start")
            self.conn = self.listener.accept()[0]
        finally:
            self.listener.close()
        hello = self._readline(deadline, "waiting for LibreOffice to start")
        self.office_pid, self.version = hello.get("pid"), hello.get("version")

    def _launch(self) -> None:
        from pipeline.libreoffice.install import office_env, profile_template  # host side only: not inside LibreOffice
        self.home = Path(tempfile.mkdtemp(prefix="regpack-lo-"))
        try:
            if template := profile_template(self.soffice, self.timeout):
                shutil.copytree(template, self.home / "profile", symlinks=True)
        except OSError:  # the cache changed under us: a fresh profile works too
            shutil.rmtree(self.home / "profile", ignore_errors=True)
        scripts = self.home / "profile/user/Scripts/python"
        scripts.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(__file__, scripts / "regpack_convert_worker.py")
        self.listener = listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.home / "sock"))
        listener.listen(1)
        env = office_env(REGPACK_WORKER_SOCKET=str(self.home / "sock"), TMPDIR=str(self.home))
        args = [self.soffice, f"-env:UserInstallation={(self.home / 'profile').as_uri()}", "--headless",
                "--invisible", "--nocrashreport", "--nodefault", "--nologo", "--nolockcheck", "--norestore",
                MACRO_URL]
        with open(self.home / "soffice.log", "wb") as log:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         env=env, start_new_session=True)

    def _check(self, deadline: float, doing: str) -> None:
        if self.cancel.is_set():
            raise WorkerCancelled()
        if (status := self.proc.poll()) is not None:
            how = f"was killed by signal {-status}" if status < 0 else f"exited with status {status}"
            raise WorkerFailure(f"LibreOffice {how} while {doing}")
        if time.monotonic() > deadline:
            raise WorkerFailure(f"timed out after {self.timeout:g} s {doing}", timed_out=True)

    def _readline(self, deadline: float, doing: str) -> dict:
        while b"\n" not in self.buffer:
            self._check(deadline, doing)
            if select.select([self.conn], [], [], 0.05)[0]:
                try:
                    chunk = self.conn.recv(65536)
                except OSError:  # connection reset: LibreOffice died
                    chunk = b""
                if not chunk:
                    try:  # let the process finish dying so its exit status is reported
                        self.proc.wait(timeout=2)
                    except subprocess.TimeoutExpired:
                        pass
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
        try:
            reply = self._readline(time.monotonic() + self.timeout, f"converting {docx.name}")
        except WorkerFailure as failure:
            failure.slow_document = failure.timed_out
            raise
        if not reply.get("ok"):
            raise WorkerFailure(reply.get("error", "unknown error").strip(), fatal=reply.get("fatal", False))

    def tail(self, lines: int = 3) -> str:
        log = self.home / "soffice.log" if self.home else None
        text = log.read_text(errors="replace") if log and log.is_file() else ""
        kept = [line for line in text.splitlines() if line.strip() and "javaldx" not in line]
        return "\n".join(kept[-lines:])

    def signal_kill(self, wait: bool = True) -> None:
        """Kill LibreOffice now; safe from any thread (the owner reaps it and cleans up).
        soffice.bin goes first, so that its parent (oosplash) reaps it rather than init,
        then whatever is left of the process group. wait=False: only the first step."""
        if (proc := self.proc) is None:
            return
        try:
            if self.office_pid and proc.poll() is None and os.getpgid(self.office_pid) == proc.pid:
                os.kill(self.office_pid, signal.SIGKILL)
                if not wait:
                    return
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

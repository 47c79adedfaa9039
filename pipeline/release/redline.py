"""The Word outputs of `regpack diff`: the change summary (python-docx) and the redlines, for which
LibreOffice compares the old and new .docx and saves native tracked changes.

One private soffice process (own profile, UNO pipe) is started for all documents; the UNO side runs in
Debian's system Python (`redline_uno.py`), since python3-uno cannot be imported in the virtualenv.
Both run in their own process groups, under a timeout; on timeout or error both groups are killed.

Review comments are taken out of both copies first: Debian's LibreOffice "nogui" packages have no
Writer UI files, and soffice aborts (NoSuchElementException) when it lays out a comment in a view.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from pipeline.word.finalize import write_deterministic_zip

SCRIPT = Path(__file__).parents[1] / "libreoffice" / "compare.py"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_COMMENT_MARKS = {_W + "commentRangeStart", _W + "commentRangeEnd", _W + "commentReference"}


@dataclass(frozen=True)
class RedlineJob:
    old: Path
    new: Path
    out: Path


@dataclass
class RedlineResult:
    written: list[Path] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unavailable: str | None = None
    """One line saying why no redlines could be made (LibreOffice or UNO missing, timeout)."""
    seconds: float = 0.0


def _soffice() -> str | None:
    try:
        from pipeline.libreoffice.converter import find_soffice
        found = find_soffice()
        if found:
            return str(found)
    except Exception:  # converter missing or unfinished, or LibreOffice not installed
        pass
    return shutil.which("soffice") or shutil.which("libreoffice")


def _kill_group(proc: subprocess.Popen | None) -> None:
    """Kill the whole process group (soffice forks soffice.bin), even if the leader has exited."""
    if proc is None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait(timeout=10)


def strip_comments(src: Path, dst: Path) -> None:
    """A copy of `src` without comments: their parts, relationships, anchors and reference runs."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            name, data = info.filename, zin.read(info)
            if name.startswith("word/comments") and name.endswith(".xml"):
                continue
            if (name.startswith("word/") and name.endswith(".xml")) or name == "[Content_Types].xml" \
                    or name.endswith(".rels"):
                data = _strip_xml(data)
            zout.writestr(info, data)


def _strip_xml(data: bytes) -> bytes:
    root = etree.fromstring(data)
    hits = [el for el in root.iter() if el.tag in _COMMENT_MARKS
            or (el.get("Type") or "").rsplit("/", 1)[-1].startswith("comments")
            or (el.get("PartName") or "").startswith("/word/comments")]
    if not hits:
        return data
    for el in hits:
        parent = el.getparent()
        parent.remove(el)
        if parent.tag == _W + "r" and all(c.tag == _W + "rPr" for c in parent):
            parent.getparent().remove(parent)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


_LVL_ORDER = [_W + t for t in ("start", "numFmt", "lvlRestart", "pStyle", "isLgl", "suff", "lvlText",
                               "lvlPicBulletId", "legacy", "lvlJc", "pPr", "rPr")]
_MARK_FIRST = {_W + t: i for i, t in enumerate(("ins", "del", "moveFrom", "moveTo"))}


def fix_ooxml(src: Path, dst: Path) -> None:
    """Put LibreOffice's output in schema order, which Word insists on: the paragraph mark's
    <w:ins>/<w:del> first in its <w:rPr>, and <w:numFmt> before <w:pStyle> in numbering levels.
    Also fixed dates and zip entries, so that the same two documents give the same redline bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename in ("word/document.xml", "word/numbering.xml", "word/styles.xml") \
                    or info.filename.startswith(("word/header", "word/footer")):
                root = etree.fromstring(data)
                for rpr in root.iter(_W + "rPr"):
                    if rpr.getparent().tag == _W + "pPr":
                        _reorder(rpr, lambda el: _MARK_FIRST.get(el.tag, len(_MARK_FIRST)))
                for lvl in root.iter(_W + "lvl"):
                    _reorder(lvl, lambda el: _LVL_ORDER.index(el.tag) if el.tag in _LVL_ORDER else len(_LVL_ORDER))
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            elif info.filename == "docProps/core.xml":
                data = _modified_as_created(data)
            elif info.filename == "docProps/app.xml":   # page and word counts depend on layout timing
                data = re.sub(rb"<(Pages|Words|Characters|CharactersWithSpaces|Lines|Paragraphs)>\d*</\1>", b"", data)
            zout.writestr(info, data)
    write_deterministic_zip(out.getvalue(), dst)


def _modified_as_created(data: bytes) -> bytes:
    """LibreOffice stamps the save time as `modified`; use the document's own (build) date instead."""
    root = etree.fromstring(data)
    ns = {"dcterms": "http://purl.org/dc/terms/"}
    created, modified = root.find("dcterms:created", ns), root.find("dcterms:modified", ns)
    if created is None or modified is None:
        return data
    modified.text = created.text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _reorder(parent, key) -> None:
    children = list(parent)
    ordered = sorted(children, key=key)  # stable: elements of equal rank keep their order
    if ordered != children:
        for child in children:
            parent.remove(child)
        parent.extend(ordered)


def _crash(soffice: subprocess.Popen, work: Path) -> str:
    """soffice's own words when it died, for the error line."""
    if soffice.poll() in (None, 0):
        return ""
    log = (work / "soffice.log").read_text(errors="replace").splitlines()
    said = next((line for line in log if line.strip() and "javaldx" not in line), "no message")
    return f" (soffice exited with status {soffice.returncode}: {said})"


def uno_python() -> str:
    """Debian's system Python, which has python3-uno; REGPACK_UNO_PYTHON overrides it."""
    return os.environ.get("REGPACK_UNO_PYTHON", "/usr/bin/python3")


def unavailable_reason() -> str | None:
    soffice = _soffice()
    if soffice is None:
        return "LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui"
    if not Path(uno_python()).is_file():
        return f"{uno_python()} is missing: redlines need Debian's python3 with python3-uno"
    probe = subprocess.run([uno_python(), "-c", "import uno"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return f"python3-uno is not importable by {uno_python()}: apt-get install python3-uno"
    return None


def make_redlines(jobs: list[RedlineJob], timeout: float = 180.0) -> RedlineResult:
    """Write each job's redline docx. Never raises for LibreOffice trouble: it is reported in the result."""
    result = RedlineResult()
    if not jobs:
        return result
    started = time.monotonic()
    result.unavailable = unavailable_reason()
    if result.unavailable:
        return result
    work = Path(tempfile.mkdtemp(prefix="regpack-redline-"))
    pipe = f"regpack-redline-{uuid.uuid4().hex[:12]}"
    soffice = script = None
    try:
        ready = []
        for i, job in enumerate(jobs):
            try:
                strip_comments(job.old, work / f"{i}-old.docx")
                strip_comments(job.new, work / f"{i}-new.docx")
                ready.append(i)
            except (OSError, zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
                result.failed.append(f"{job.out.name}: cannot read {job.old.name} or {job.new.name}: {exc}")
        if not ready:
            return result
        (work / "jobs.json").write_text(json.dumps(
            [{"old": str(work / f"{i}-old.docx"), "new": str(work / f"{i}-new.docx"), "out": str(work / f"{i}.docx")}
             for i in ready]), encoding="utf-8")
        log = open(work / "soffice.log", "wb")
        soffice = subprocess.Popen(
            [_soffice(), "--headless", "--invisible", "--nologo", "--norestore", "--nodefault", "--nolockcheck",
             f"-env:UserInstallation={(work / 'profile').as_uri()}", f"--accept=pipe,name={pipe};urp;"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        script = subprocess.Popen([uno_python(), str(SCRIPT), pipe, str(work / "jobs.json")], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            stdout, stderr = script.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            result.unavailable = f"LibreOffice compare timed out after {timeout:g} s; no redlines written"
            _kill_group(soffice)
            return result
        reports = {}
        for line in stdout.splitlines():
            try:
                report = json.loads(line)
                reports[report["out"]] = report
            except (ValueError, KeyError, TypeError):
                continue
        for i in ready:
            job, made = jobs[i], work / f"{i}.docx"
            report = reports.get(str(made), {})
            if report.get("ok") and made.is_file() and made.stat().st_size > 0:
                fix_ooxml(made, job.out)
                os.chmod(job.out, 0o644)
                result.written.append(job.out)
            else:
                why = report.get("error") or (stderr.strip().splitlines() or ["no output"])[-1]
                result.failed.append(f"{job.out.name}: LibreOffice compare failed: {why}{_crash(soffice, work)}")
    finally:
        _kill_group(script)
        if soffice is not None:
            try:
                soffice.wait(timeout=5)       # the script asked it to terminate
            except subprocess.TimeoutExpired:
                pass
            _kill_group(soffice)
            log.close()
            for tmp in {Path(tempfile.gettempdir()), Path("/tmp")}:   # a killed soffice leaves its pipe
                (tmp / f"OSL_PIPE_{os.getuid()}_{pipe}").unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
        result.seconds = time.monotonic() - started
    return result

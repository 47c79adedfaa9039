"""Run under Debian's /usr/bin/python3 (python3-uno), not the virtualenv: Word redlines by LibreOffice compare.

    /usr/bin/python3 redline_uno.py PIPE_NAME JOBS.json

Connects to a running `soffice --accept=pipe,name=PIPE_NAME;urp;` (started and killed by
pipeline/redline.py), and for each job {old, new, out}: loads NEW hidden, compares it with OLD
(`.uno:CompareDocuments`), and stores the result with native tracked changes as MS Word 2007 XML.
Tracked changes take their author and date from the documents' core properties (deterministic).
Prints one JSON object per job on stdout: {"out": ..., "ok": true} or {"out": ..., "error": ...}.
"""

import json
import sys
import time

import uno
from com.sun.star.beans import PropertyValue


def props(**kw):
    out = []
    for k, v in kw.items():
        p = PropertyValue()
        p.Name, p.Value = k, v
        out.append(p)
    return tuple(out)


def connect(pipe, seconds=60.0):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + seconds
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def compare(ctx, desktop, job):
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(job["new"]), "_blank", 0,
                                       props(Hidden=True, ReadOnly=False))
    try:
        dispatcher = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
        frame = doc.getCurrentController().getFrame()
        dispatcher.executeDispatch(frame, ".uno:CompareDocuments", "", 0,
                                   props(URL=uno.systemPathToFileUrl(job["old"]), NoAcceptDialog=True))
        changes = _count(doc)
        doc.storeToURL(uno.systemPathToFileUrl(job["out"]), props(FilterName="MS Word 2007 XML", Overwrite=True))
        return changes
    finally:
        doc.close(True)


def _count(doc):
    n, e = 0, doc.getRedlines().createEnumeration()
    while e.hasMoreElements():
        e.nextElement()
        n += 1
    return n


def main(pipe, jobs_file):
    jobs = json.load(open(jobs_file, encoding="utf-8"))
    ctx = connect(pipe)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    for job in jobs:
        try:
            changes = compare(ctx, desktop, job)
            print(json.dumps({"out": job["out"], "ok": True, "changes": changes}), flush=True)
        except Exception as exc:  # report per job; the caller decides
            print(json.dumps({"out": job["out"], "error": f"{type(exc).__name__}: {exc}"}), flush=True)
    try:
        desktop.terminate()
    except Exception:
        pass  # the bridge drops as soffice exits


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

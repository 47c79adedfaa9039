"""One build at a time per project: an advisory lock on build/.lock naming the build that holds it.

The lock is the kernel's (flock), so a build that dies releases it and a stale lock file is simply
taken over; the file's text (pid, start time, command) only serves the message."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from pipeline.errors import RegpackError

LOCK = ".lock"


class BuildLocked(RegpackError):
    """Another regpack command is writing this project's build/ folder."""

    exit_code = 9


@contextlib.contextmanager
def build_lock(build: Path, what: str):
    """Hold the project's build lock for the duration of `what` (e.g. "build"), or raise BuildLocked.
    The lock file is removed on release (and build/ too when the lock created it and it is empty), so a
    failed build leaves build/ exactly as it was."""
    created = not build.exists()
    build.mkdir(parents=True, exist_ok=True)
    path = build / LOCK
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 400, 0).decode("utf-8", "replace").strip() or "another regpack process"
            os.close(fd)
            raise BuildLocked(f"another regpack command is using {build} ({holder}); wait for it to "
                              "finish, then run this again") from None
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break  # still the file others open: ours
        except FileNotFoundError:
            pass  # the previous holder removed it as we opened it: take the new one
        os.close(fd)
    try:
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        text = f"regpack {what}, pid {os.getpid()}, started {started}, command: {' '.join(sys.argv[1:])[:200]}"
        os.ftruncate(fd, 0)
        os.pwrite(fd, text.encode("utf-8"), 0)
        yield
    finally:
        path.unlink(missing_ok=True)  # before the lock is released: a waiter then takes a fresh file
        os.close(fd)
        if created:
            with contextlib.suppress(OSError):
                build.rmdir()  # only when empty

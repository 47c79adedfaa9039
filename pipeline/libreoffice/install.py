"""The LibreOffice installation: finding it, its version, and how its processes are started
(environment, memory allocator, a ready-made profile)."""

from __future__ import annotations

import ctypes.util
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from pipeline.errors import ToolMissing

INSTALL_HINT = (
    "LibreOffice is not installed: run `apt-get install libreoffice-writer-nogui "
    "fonts-crosextra-carlito fonts-crosextra-caladea fonts-noto-cjk python3-uno "
    "libreoffice-script-provider-python` (Debian/Ubuntu) or set REGPACK_SOFFICE to the soffice command"
)


def find_soffice() -> str:
    """The LibreOffice command: env REGPACK_SOFFICE, else `soffice`/`libreoffice` on PATH."""
    wanted = os.environ.get("REGPACK_SOFFICE")
    for candidate in [wanted] if wanted else ["soffice", "libreoffice"]:
        if found := shutil.which(candidate):
            return found
    raise ToolMissing(INSTALL_HINT + (f" (REGPACK_SOFFICE={wanted!r} not found)" if wanted else ""))


_VERSIONS: dict[str, str] = {}  # command -> version; also filled in by running workers


def libreoffice_version(soffice: str | None = None) -> str:
    """E.g. "LibreOffice 7.4.7.2 40(Build:2)"; cached per command (free once a worker has started)."""
    command = soffice or find_soffice()
    if command not in _VERSIONS:
        try:
            done = subprocess.run([command, "--version"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ToolMissing(f"{INSTALL_HINT} ({command} --version failed: {exc})") from None
        _VERSIONS[command] = done.stdout.strip() or done.stderr.strip()
    return _VERSIONS[command]


# LibreOffice spends about a tenth of its conversion time in glibc's malloc and free. Measured on
# regpack's documents, it needs ~20% less CPU with tcmalloc (Debian libtcmalloc-minimal4) and ~13%
# less with jemalloc (libjemalloc2). REGPACK_LO_MALLOC: "system" for glibc's, or a library to preload.
FAST_ALLOCATORS = ("tcmalloc_minimal", "jemalloc")


def fast_allocator() -> str | None:
    """The allocator library LibreOffice workers preload, or None for the system's."""
    wanted = os.environ.get("REGPACK_LO_MALLOC", "").strip()
    if wanted:
        return None if wanted == "system" else wanted
    for name in FAST_ALLOCATORS:
        if found := ctypes.util.find_library(name):
            return found
    return None


def office_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH", "VIRTUAL_ENV")}
    # LibreOffice's embedded system Python locates its stdlib via `python3` on PATH;
    # a pyenv/venv python3 first on PATH makes it abort, so put the system one first.
    env["PATH"] = os.pathsep.join(["/usr/bin", "/bin", env.get("PATH", "")])
    if allocator := fast_allocator():
        env["LD_PRELOAD"] = " ".join(filter(None, [allocator, env.get("LD_PRELOAD")]))
    return {**env, **extra}


_TEMPLATE_LOCK = threading.Lock()


def profile_template(soffice: str, timeout: float) -> Path | None:
    """An initialised profile to copy for each worker, cached per installation: on a fresh
    profile LibreOffice initialises it and restarts itself, ~0.2 s more per start."""
    program = Path(os.path.realpath(soffice)).parent
    if not (program / "soffice.bin").is_file():
        return None  # not an installation this knows (a test double, say): use fresh profiles
    stamp = f"{program}:{(program / 'soffice.bin').stat().st_mtime_ns}".encode()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "regpack"
    template = cache / f"lo-profile-{hashlib.sha256(stamp).hexdigest()[:16]}"
    with _TEMPLATE_LOCK:
        if template.is_dir():
            return template
        try:
            cache.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=cache, prefix=".making-", ignore_cleanup_errors=True) as work:
                profile = Path(work) / "profile"
                proc = subprocess.Popen([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                                         "--terminate_after_init", "--norestore", "--nolockcheck"],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, env=office_env(), start_new_session=True)
                try:
                    status = proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    status = proc.wait()
                if status == 0 and (profile / "user").is_dir():
                    os.rename(profile, template)  # atomic; fails if another process was first
        except OSError:
            pass  # no template: fresh profiles work too
    return template if template.is_dir() else None

"""The `libreoffice` marker: which tests start LibreOffice, and a guard for runs without them.

`make test-fast` runs `pytest -m "not libreoffice"`. A test is marked `libreoffice` when it carries
`@pytest.mark.libreoffice`, or when the rule below (applied by tests/conftest.py) finds that it starts
LibreOffice: it uses the `built_project` fixture, or its code, the code of a fixture it uses or of a test
helper it calls (followed through the test suite's own modules) runs `regpack build` or `regpack
diff` (RUNS_REGPACK and COMMAND: `regpack(p, "build")`, `main([..., "diff"])`, or a command listed as
`("build",)` beside a regpack call) or makes one of the calls in STARTS_LIBREOFFICE. Mark explicitly
what the rule cannot see.

The guard catches what both miss: in a run whose `-m` deselects `libreoffice`, `soffice` (on PATH and
through REGPACK_SOFFICE) is a script that refuses to start and records which test called it; that test
then fails with a message saying to mark it.
"""

from __future__ import annotations

import inspect
import os
import re
import shlex
import shutil
import tempfile
from functools import cache
from pathlib import Path

LIBREOFFICE_FIXTURES = frozenset({"built_project"})
RUNS_REGPACK = re.compile(r"\b(?:regpack|main)\(")
COMMAND = re.compile(r"""[(\[,]\s*["'](?:build|diff)["']\s*[,)\]]""")
"""With RUNS_REGPACK: `regpack build` or `regpack diff` (redlines), in a call or listed as a command."""
STARTS_LIBREOFFICE = re.compile(r"""
      \bConverter\((?![^()]*\bsoffice=)                         # a converter on the installed LibreOffice
    | \bprofile_template\( | \blibreoffice_version\(            # LibreOffice's profile, its --version
    | \[\s*find_soffice\(\)                                     # soffice run as a command
    | \bwhich\(\s*["'](?:soffice|libreoffice)["']
    | (?<![\w.])diff\(                                          # regpack diff in-process (redlines)
""", re.VERBOSE)
CALLED = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\(")
MARKEXPR_WITHOUT = re.compile(r"\bnot\s+libreoffice\b")


def starts_libreoffice(func, _seen: set | None = None) -> bool:
    """True when `func`'s source, or that of a test-suite function it calls by name, starts LibreOffice."""
    seen = set() if _seen is None else _seen
    if func in seen:
        return False
    seen.add(func)
    source = _source(func)
    if STARTS_LIBREOFFICE.search(source) or (RUNS_REGPACK.search(source) and COMMAND.search(source)):
        return True
    helpers = getattr(func, "__globals__", {})
    return any(_is_test_code(helper := helpers.get(name)) and starts_libreoffice(helper, seen)
               for name in sorted(set(CALLED.findall(source))))


@cache
def _source(func) -> str:
    try:
        return inspect.getsource(func)
    except (OSError, TypeError):
        return ""


def _is_test_code(obj) -> bool:
    """A function of the test suite (a folder with a conftest.py, or below one), not of regpack,
    pytest or a library."""
    if not inspect.isfunction(obj):
        return False
    path = inspect.getsourcefile(obj)
    return path is not None and _in_test_folder(Path(path).resolve().parent)


@cache
def _in_test_folder(folder: Path) -> bool:
    return any((p / "conftest.py").is_file() for p in (folder, *folder.parents))


def needs_libreoffice(item) -> bool:
    """The rule for one collected test: fixtures it uses, its own code and its fixtures' code."""
    if item.get_closest_marker("libreoffice"):
        return True
    if LIBREOFFICE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    functions = [getattr(item, "function", None)]
    info = getattr(item, "_fixtureinfo", None)
    for defs in (info.name2fixturedefs.values() if info else ()):
        functions += [d.func for d in defs]
    functions = [inspect.unwrap(f) for f in functions if f is not None]
    return any(_is_test_code(f) and starts_libreoffice(f) for f in functions)


class Guard:
    """`soffice` replaced by a script that records the test calling it and exits 1."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="regpack-no-libreoffice-"))
        self.log = self.folder / "started.log"
        self.log.touch()
        self.seen = 0
        script = (f'#!/bin/sh\necho "${{PYTEST_CURRENT_TEST:-?}}" >> {shlex.quote(str(self.log))}\n'
                  'echo "soffice: LibreOffice is switched off in this run (-m \'not libreoffice\'); '
                  'mark the test @pytest.mark.libreoffice" >&2\nexit 1\n')
        for name in ("soffice", "libreoffice"):
            (self.folder / name).write_text(script)
            (self.folder / name).chmod(0o755)
        self.saved = {k: os.environ.get(k) for k in ("PATH", "REGPACK_SOFFICE")}
        os.environ["PATH"] = f"{self.folder}{os.pathsep}{os.environ.get('PATH', '')}"
        os.environ["REGPACK_SOFFICE"] = str(self.folder / "soffice")

    def new_starts(self) -> list[str]:
        lines = self.log.read_text().splitlines()
        new, self.seen = lines[self.seen:], len(lines)
        return new

    def close(self) -> None:
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(self.folder, ignore_errors=True)


def fast_run(config) -> bool:
    """True when the marker expression leaves LibreOffice tests out (`-m "not libreoffice"`)."""
    return bool(MARKEXPR_WITHOUT.search(config.getoption("markexpr", "") or ""))


def unmarked_start_message(nodeid: str, started: list[str]) -> str:
    return (f"{nodeid} started LibreOffice in a run without LibreOffice tests ({'; '.join(started)}): "
            "mark it @pytest.mark.libreoffice (see tests/libreoffice_marker.py)")

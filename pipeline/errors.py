"""The exception hierarchy of regpack. Only the CLI prints these and chooses the exit code."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class RegpackError(Exception):
    """Base class: a problem the user can fix. `exit_code` is what the CLI returns."""

    exit_code = 1


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one source file, reported as `file:line: path: message`.

    `code` says what kind of problem it is and `data` carries its facts, so that review comments,
    coverage and the CLI act on the kind, never on the wording (codes are listed in `CODES`)."""

    file: str
    line: int
    path: str
    message: str
    severity: str = field(default="error", compare=False)
    code: str = field(default="", compare=False)
    data: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_warning(self) -> bool:
        return self.severity == "warning"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field_path = f" {self.path}:" if self.path else ""
        return f"{where}:{field_path} {self.message}"


CODES = {
    "todo-marker": "a TODO, todo:, TBD or TBC marker in a source file (data: note, marker)",
    "stale-attestation": "an attestation whose period ended over 12 months before the notification (data: index)",
    "edited-draft": "a Word draft in build/ changed since regpack wrote it (data: path)",
    "missing-response": "an applicable requirement without a response in a final build (data: requirement)",
    "continuity-breach": "an RTO/MTO beyond the tolerance or the MTO, a scenario beyond the tolerance, or a test that "
                         "missed the RTO or RPO (data: field, value, limit_field, limit, unit)",
    "past-due-action": "an open item's action due before the HKMA notification date (data: requirement, due)",
    "na-without-reason": "not_applicable on an applicable requirement without a reason (data: requirement)",
    "bidi-character": "a bidirectional control character in a source text (data: character)",
    "unrenderable-character": "a character no installed font has (data: character)",
    "markdown-image": "a Markdown image: only its alt text reaches the documents (data: src, alt)",
    "relative-link": "a Markdown link other than http(s)/mailto: only its text is kept (data: href, text)",
    "markdown-too-deep": "Markdown lists or quotes nested deeper than the documents can show (data: depth)",
    "word-too-long": "a word too long for LibreOffice to lay out (no data)",
}
"""The problem codes that something acts on; other problems have no code and are only reported."""


class SourceErrors(RegpackError):
    """All problems found in the sources, reported together."""

    exit_code = 2

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ToolMissing(RegpackError):
    """An external tool (LibreOffice) is not installed."""

    exit_code = 3


class ConversionError(RegpackError):
    """LibreOffice failed to produce a valid PDF for a document."""

    exit_code = 4


class CoverageGap(RegpackError):
    """A final build found applicable requirements without a response."""

    exit_code = 5


class ArchiveError(RegpackError):
    """Sealing, verifying or diffing an archived pack failed."""

    exit_code = 6


class EditedDraft(RegpackError):
    """A Word draft in build/ was edited by a person since regpack wrote it."""

    exit_code = 7


def relpath(path: Path, base: Path | None = None) -> str:
    """A path as the user typed it: relative to `base` (default: cwd) when possible."""
    base = base or Path.cwd()
    try:
        return str(Path(path).resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)

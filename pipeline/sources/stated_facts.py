"""Facts that prose in the sources states and the build computes: they must agree; and words the regulator
must not receive (regpack's own requirement ids, the tool's name) in text that reaches its documents.

A count of requirements written into an executive summary goes stale the day a requirement is added;
an exit "of nine to twelve months" contradicts a plan of ten. Such statements are found in the source
text and compared with the computed fact; a difference is a warning with the file and line."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import Problem, relpath

_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_NUM = r"(\d+|" + "|".join(_NUMBER_WORDS) + r")"
REQUIREMENTS = re.compile(_NUM + r"\s+(?:applicable\s+|regulatory\s+|relevant\s+)*requirements\b", re.IGNORECASE)
MONTHS = re.compile(_NUM + r"(?:\s+(?:to|-|–)\s+" + _NUM + r")?\s+months?\b", re.IGNORECASE)


def _value(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word.lower()]


def stated_fact_problems(files: list[Path], root: Path, applicable: int, exit_months: float) -> list[Problem]:
    """Warnings for requirement counts other than `applicable`, and exit durations other than
    `exit_months`, stated in the prose of `files` (YAML and Markdown sources)."""
    problems = []
    for path in files:
        if path.suffix not in (".yaml", ".yml", ".md"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            lower = line.lower()  # the patterns' own words first: a plain search is ~50 times cheaper
            if ("requirement" not in lower and "month" not in lower) or (
                    path.suffix != ".md" and line.lstrip().startswith("#")):
                continue
            for m in REQUIREMENTS.finditer(line) if "requirement" in lower else ():
                if _value(m.group(1)) != applicable:
                    problems.append(Problem(
                        relpath(path, root), number, "", f"the text states {m.group(0)!r} but {applicable} "
                        "requirements apply to this arrangement (`regpack coverage`): correct the number or say "
                        "'every applicable requirement'", "warning", "stated-count",
                        {"stated": m.group(0), "computed": applicable}))
            if "exit" not in lower or "month" not in lower:
                continue
            for m in MONTHS.finditer(line):
                low, high = _value(m.group(1)), _value(m.group(2)) if m.group(2) else None
                if (low, high) != (exit_months, None):
                    problems.append(Problem(
                        relpath(path, root), number, "", f"the text states an exit of {m.group(0)!r} but the exit "
                        f"strategy plans {exit_months:g} months (exit.duration_months): make them agree",
                        "warning", "stated-duration", {"stated": m.group(0), "computed": exit_months}))
    return problems


TOKEN = re.compile(r"\b[A-Z][A-Za-z0-9]*-[A-Za-z0-9][A-Za-z0-9.()-]*[A-Za-z0-9)]")
"""A word shaped like a requirement id; it counts when the catalog has that id."""
TOOL = re.compile(r"\bregpack\b", re.IGNORECASE)
REQUIREMENT_KEYS = re.compile(r"\brequirements?:\s*(\[[^\]]*\]|\S+)")


def internal_text_problems(loaded, root: Path, requirement_ids: frozenset[str] = frozenset()) -> list[Problem]:
    """Warnings (a final build refuses them) for catalog ids written into prose and for the tool's name, in
    the sources that reach the regulator's documents (all but the board paper's)."""
    files = {f.path for kind, f in loaded.files.items() if kind != "board"}
    files |= {p for kind, f in loaded.files.items() if kind != "board" for p in f.includes}
    problems = []
    for path in sorted(files):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if "-" not in line and "regpack" not in line.lower():  # an id has a hyphen; the tool's name
                continue
            text = line.strip()
            if path.suffix != ".md" and text.startswith("#"):
                continue
            if path.suffix != ".md":  # the ids as values of their own keys are data, not prose
                line = REQUIREMENT_KEYS.sub("", line)
            found = [(m.group(0), "regpack's requirement id") for m in TOKEN.finditer(line)
                     if m.group(0) in requirement_ids]
            found += [(m.group(0), "the tool's name") for m in TOOL.finditer(line)]
            for text_found, what in found[:1]:
                problems.append(Problem(
                    relpath(path, root), number, "", f"{text_found!r} is {what}, which the HKMA's documents must not "
                    "show: cite the instrument and paragraph instead (e.g. SA-2 §2.9.1(c))", "warning",
                    "internal-text", {"stated": text_found}))
    return problems

"""Formatting shared by every document, so a date or a duration reads the same everywhere."""

from __future__ import annotations

import re
from datetime import date


def fmt_date(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else "Not yet performed"


def hours(value: float) -> str:
    value = int(value) if float(value).is_integer() else value
    return f"{value} hour{'s' if value != 1 else ''}"


def duration(hours_: float) -> str:
    """A recovery or outage time as people write it: "15 minutes", "2 hours", "none" for zero."""
    if hours_ == 0:
        return "none: the service continues"
    total = round(hours_ * 60)
    whole, rest = divmod(total, 60)
    if not whole:
        return minutes(total)
    return hours(whole) + (f" {minutes(rest)}" if rest else "")


def weeks(value: float) -> str:
    value = int(value) if float(value).is_integer() else value
    return f"{value} week{'s' if value != 1 else ''}"


def minutes(value: float) -> str:
    value = int(value) if float(value).is_integer() else value
    return f"{value} minute{'s' if value != 1 else ''}"


def money(value) -> str:
    """An amount with its note: "HKD 9,800,000 (estimate at list prices)"."""
    return f"{value} ({value.note})" if value.note else str(value)


def person(p) -> str:
    """Name, title and department, as far as the sources give them."""
    return ", ".join(part for part in (p.name, p.title, p.department) if part)


def reach(p) -> str:
    """How to reach a person: "on +852 ... or at x@y", "at x@y", "" (never "None")."""
    ways = [f"on {p.phone}" if p.phone else "", f"at {p.email}" if p.email else ""]
    return " or ".join(w for w in ways if w)


def yesno(value: bool) -> str:
    return "Yes" if value else "No"


def places(locations) -> str:
    return "; ".join(dict.fromkeys(str(loc) for loc in locations))


def plain_summary(markdown_text: str, limit: int = 180) -> str:
    """First sentence of a Markdown text, without Markdown syntax, for tables."""
    text = re.sub(r"[*_`#>\[\]]", "", markdown_text).replace("\n", " ")
    text = re.sub(r"\(https?://[^)]*\)", "", text)
    text = " ".join(text.split())
    first = re.split(r"(?<=[.;])\s", text, maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"


def response_text(resp) -> str:
    text = resp.response
    if resp.provider_response:
        text += f"\n\n*Provider:* {resp.provider_response}"
    if resp.action:
        text += (f"\n\n**Open action:** {resp.action.description} (owner: {resp.action.owner}; "
                 f"due {fmt_date(resp.action.due)})")
    return text

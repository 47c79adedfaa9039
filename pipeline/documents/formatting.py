"""Formatting shared by every document, so a date or a duration reads the same everywhere."""

from __future__ import annotations

import re
from datetime import date


def fmt_date(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else "Not yet performed"


def hours(value: float) -> str:
    value = int(value) if float(value).is_integer() else value
    return f"{value} hour{'s' if value != 1 else ''}"


def minutes(value: float) -> str:
    value = int(value) if float(value).is_integer() else value
    return f"{value} minute{'s' if value != 1 else ''}"


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

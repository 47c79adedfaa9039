"""What a Word document carries besides its text: core properties and review comments.

Plain data, apart from the Word machinery, so that deciding what a build must redo stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CoreProps:
    title: str
    subject: str
    author: str
    keywords: str
    category: str
    comments: str
    created: datetime  # tz-aware; also used for modified


@dataclass(frozen=True)
class ReviewComment:
    anchor: str  # text to find in the main document body (first paragraph containing it)
    text: str
    author: str = "regpack"
    initials: str = "RP"


@dataclass(frozen=True)
class Picture:
    """A picture a template shows with `{{ images.name }}`: PNG bytes, printed width, alternative text."""

    png: bytes
    width_mm: float
    alt: str

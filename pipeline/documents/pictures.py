"""Pictures for the board paper: the residual-risk heat map and the regulatory timeline (PNG bytes)."""

from __future__ import annotations

import functools
import io
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/crosextra")
CELL = 110
WIDTH_MM = {"heatmap": 115, "timeline": 165}
"""Printed width of each picture in the documents."""
LEVEL_COLOURS = {"Low": (146, 208, 80), "Medium": (255, 192, 0), "High": (230, 80, 60)}


@functools.lru_cache(maxsize=None)
def _font(size: int, bold: bool = False):
    path = FONT_DIR / ("Carlito-Bold.ttf" if bold else "Carlito-Regular.ttf")
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:  # font package missing: Pillow's own font keeps the picture readable
        return ImageFont.load_default(size)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=1)  # fast; the docx zips it anyway
    return out.getvalue()


def heat_map(points: list[tuple[str, int, int]]) -> bytes:
    """5x5 likelihood-by-impact grid with each (risk id, likelihood, impact) placed in its cell."""
    left, top = 150, 30
    img = Image.new("RGB", (left + 5 * CELL + 30, top + 5 * CELL + 110), "white")
    draw = ImageDraw.Draw(img)
    small, label, bold = _font(20), _font(24), _font(22, bold=True)
    for likelihood in range(1, 6):
        for impact in range(1, 6):
            score = likelihood * impact
            level = "High" if score >= 15 else "Medium" if score >= 8 else "Low"
            x, y = left + (impact - 1) * CELL, top + (5 - likelihood) * CELL
            draw.rectangle([x, y, x + CELL, y + CELL], fill=LEVEL_COLOURS[level], outline="white", width=3)
    cells: dict[tuple[int, int], list[str]] = {}
    for rid, likelihood, impact in points:
        cells.setdefault((likelihood, impact), []).append(rid)
    for (likelihood, impact), ids in sorted(cells.items()):
        x, y = left + (impact - 1) * CELL, top + (5 - likelihood) * CELL
        for n, rid in enumerate(ids[:4]):
            draw.text((x + 10 + (n % 2) * 50, y + 15 + (n // 2) * 40), rid, fill="black", font=bold)
    for i in range(1, 6):
        draw.text((left + (i - 1) * CELL + CELL // 2 - 5, top + 5 * CELL + 8), str(i), fill="black", font=label)
        draw.text((left - 30, top + (5 - i) * CELL + CELL // 2 - 12), str(i), fill="black", font=label)
    draw.text((left + 5 * CELL // 2 - 40, top + 5 * CELL + 45), "Impact", fill="black", font=label)
    draw.text((10, top + 5 * CELL // 2 - 12), "Likelihood", fill="black", font=label)
    for n, (level, colour) in enumerate(LEVEL_COLOURS.items()):
        x = left + n * 160
        draw.rectangle([x, top + 5 * CELL + 80, x + 20, top + 5 * CELL + 100], fill=colour)
        draw.text((x + 28, top + 5 * CELL + 78), level, fill="black", font=small)
    return _png(img)


def timeline(milestones: list[tuple[date, str]]) -> bytes:
    """Milestones on a horizontal line, spaced by date, labels alternating above and below."""
    width, height, margin = 1400, 330, 110
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    font, bold = _font(28), _font(28, bold=True)
    y = 190
    draw.line([margin - 40, y, width - margin + 40, y], fill=(31, 58, 95), width=5)
    items = sorted(milestones)
    first, last = items[0][0], items[-1][0]
    span = max((last - first).days, 1)
    previous_x = -1000
    for n, (when, text) in enumerate(items):
        x = margin + int((when - first).days / span * (width - 2 * margin))
        x = max(x, previous_x + 30)
        previous_x = x
        draw.ellipse([x - 10, y - 10, x + 10, y + 10], fill=(31, 58, 95))
        up = n % 2 == 0
        ty = y - 150 if up else y + 30
        draw.line([x, y - 12 if up else y + 12, x, ty + (110 if up else 0)], fill=(120, 120, 120), width=2)
        draw.text((x - 80, ty), f"{when.day} {when:%b %Y}", fill="black", font=bold)
        for k, chunk in enumerate(_wrap(text, 18)[:2]):
            draw.text((x - 80, ty + 34 + 32 * k), chunk, fill="black", font=font)
    return _png(img)


def _wrap(text: str, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current] if current else lines

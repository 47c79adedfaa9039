"""Writes the initial Word templates into `templates/`: `python tools/templates/make_templates.py`.

Re-running it overwrites edits legal made in Word; after the first release edit the .docx files.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import board  # noqa: E402
import notification  # noqa: E402
import pack_cover  # noqa: E402
import raf  # noqa: E402

OUT = Path(__file__).resolve().parents[2] / "templates"


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, module in (("notification-package", notification), ("risk-assessment-form", raf),
                         ("board-paper", board), ("pack-cover", pack_cover)):
        module.build(OUT / f"{name}.docx")
        print("wrote", OUT / f"{name}.docx")


if __name__ == "__main__":
    main()

"""Bootstrap the Word templates: `make templates` (`python tools/templates/make_templates.py [--force]`).

`templates/*.docx` are the truth once written: legal edits them in Word, a bank adopts its letterhead into
them (`regpack templates adopt`). This script writes a template only when it is missing or is still
exactly what the script last wrote (the sha256 of each file it wrote is kept in templates/.generated.json);
a template changed since, or present with no record, is skipped and named. `--force` overwrites them.
Files are written atomically and deterministically (the same scripts give the same bytes).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import zipfile
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).parent))

import annexes  # noqa: E402
import board  # noqa: E402
import notification  # noqa: E402
import pack_cover  # noqa: E402
import raf  # noqa: E402

from pipeline.files import read_json, sha256_file, write_json, write_zip  # noqa: E402

OUT = Path(__file__).resolve().parents[2] / "templates"
RECORD = ".generated.json"
TEMPLATES = (("notification-package", notification), ("risk-assessment-form", raf), ("board-paper", board),
             ("pack-cover", pack_cover), ("contingency-plan", SimpleNamespace(build=annexes.build_contingency)),
             ("exit-strategy", SimpleNamespace(build=annexes.build_exit)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="overwrite templates edited since they were written")
    parser.add_argument("--out", type=Path, default=OUT, help="templates folder (default: the project's)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    record = read_json(args.out / RECORD) or {}
    skipped = []
    for name, module in TEMPLATES:
        path = args.out / f"{name}.docx"
        if path.exists() and not args.force and record.get(path.name) != sha256_file(path):
            skipped.append(path)
            continue
        before = sha256_file(path) if path.exists() else None
        with tempfile.TemporaryDirectory() as tmp:
            module.build(Path(tmp) / path.name)
            with zipfile.ZipFile(Path(tmp) / path.name) as z:
                write_zip({n: z.read(n) for n in z.namelist()}, path, first="[Content_Types].xml")
        record[path.name] = sha256_file(path)
        print(("unchanged" if record[path.name] == before else "wrote"), path)
    write_json(args.out / RECORD, dict(sorted(record.items())))
    for path in skipped:
        print(f"skipped {path}: changed since this script wrote it (or not written by it), so it holds someone's "
              "edits; --force overwrites it (make templates FORCE=1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

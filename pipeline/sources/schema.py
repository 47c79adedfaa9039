"""`regpack schema DIR`: one JSON Schema per kind of source, for editor completion and checking.

Sources start with `# yaml-language-server: $schema=...`; editors with the YAML language server
then complete keys and flag errors as people type.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.catalog.loader import load_catalog
from pipeline.errors import RegpackError, relpath
from pipeline.files import write_atomic
from pipeline.models import INSTITUTION_KIND, SOURCE_KINDS


class SchemaFolderError(RegpackError):
    """`regpack schema DIR` cannot write into DIR."""

_INCLUDE = {"type": "object", "properties": {"markdown_file": {"type": "string"}},
            "required": ["markdown_file"], "additionalProperties": False,
            "description": "Text kept in a Markdown file beside the YAML file"}


def _allow_includes(node):
    """Every text field may instead be `{markdown_file: x.md}`: say so in the schema."""
    if isinstance(node, dict):
        if node.get("type") == "string" and "enum" not in node and "pattern" not in node and "format" not in node:
            return {"anyOf": [dict(node), _INCLUDE]}
        return {k: _allow_includes(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_allow_includes(v) for v in node]
    return node


def _requirement_ids(schema: dict) -> None:
    """The controls schema lists the catalog's requirement ids, in catalog order, so editors complete them."""
    field = schema["$defs"]["ControlResponse"]["properties"]["requirement"]
    field.pop("pattern", None)
    field["enum"] = [r.id for r in load_catalog().requirements]


def schemas() -> dict[str, dict]:
    kinds = {INSTITUTION_KIND[0]: INSTITUTION_KIND[1], **SOURCE_KINDS}
    result = {}
    for kind, model in kinds.items():
        schema = model.model_json_schema()
        if kind == "controls":
            _requirement_ids(schema)
        schema = _allow_includes(schema)
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = f"regpack {kind} source"
        result[kind] = schema
    return result


def write_schemas(folder: Path) -> list[Path]:
    """Write (or replace, atomically) one `<kind>.schema.json` per kind; refuse before writing any when a
    target cannot be written."""
    if folder.exists() and not folder.is_dir():
        raise SchemaFolderError(f"{relpath(folder)} is a file, not a folder: name the folder the schemas go "
                                "in (e.g. `regpack schema sources/schema`)")
    contents = {folder / f"{kind}.schema.json": (json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
                .encode("utf-8") for kind, schema in schemas().items()}
    for path in contents:
        if path.exists() and not path.is_file():
            raise SchemaFolderError(f"{relpath(path)} exists and is not a file: move it away and run again")
    for path, data in contents.items():
        try:
            write_atomic(path, data)
        except OSError as exc:
            raise SchemaFolderError(f"cannot write {relpath(path)}: {exc.strerror or exc}") from None
    return list(contents)

"""`regpack schema DIR`: one JSON Schema per kind of source, for editor completion and checking.

Sources start with `# yaml-language-server: $schema=...`; editors with the YAML language server
then complete keys and flag errors as people type.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.files import write_atomic
from pipeline.models import INSTITUTION_KIND, SOURCE_KINDS

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


def schemas() -> dict[str, dict]:
    kinds = {INSTITUTION_KIND[0]: INSTITUTION_KIND[1], **SOURCE_KINDS}
    result = {}
    for kind, model in kinds.items():
        schema = _allow_includes(model.model_json_schema())
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = f"regpack {kind} source"
        result[kind] = schema
    return result


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, schema in schemas().items():
        path = folder / f"{kind}.schema.json"
        write_atomic(path, (json.dumps(schema, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        written.append(path)
    return written

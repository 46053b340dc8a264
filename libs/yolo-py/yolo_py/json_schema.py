"""Checks a JSON document against one of the artifact schemas TypeScript emits from its zod schemas.

The schemas live in yolo_py/contracts/<name>.schema.json (libs/core/src/python-contracts.ts writes them; a test
fails when one is stale), so both sides of the bridge check a request or an artifact against one definition.
Only the JSON Schema keywords zod emits for these schemas are understood; a schema using any other keyword is
refused when loaded, so no constraint is ever silently skipped. A failure is a ValueError naming the file and
the field, which the entry points turn into the bad-input exit code.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

CONTRACTS_DIR = Path(__file__).parent / "contracts"

_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}
_CHECKED = {
    "type", "properties", "required", "additionalProperties", "propertyNames", "items", "enum", "anyOf",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "pattern", "minItems", "maxItems",
}
_IGNORED = {"$schema", "description"}


def load_schema(file_name: str) -> dict:
    """contracts/<file_name>, after checking it uses only keywords this validator checks.

    Callers spell the whole file name (run.schema.json, quoted): the stage declarations find a stage's contract
    files, its inputs, by those literals (libs/core/src/code-closure.ts).
    """
    schema = json.loads((CONTRACTS_DIR / file_name).read_text())
    _check_keywords(schema, file_name)
    return schema


def _check_keywords(schema: Any, where: str) -> None:
    if not isinstance(schema, dict):
        return
    unknown = set(schema) - _CHECKED - _IGNORED
    if unknown:
        raise ValueError(f"{where}: JSON Schema keyword '{sorted(unknown)[0]}' is not understood by yolo_py.json_schema")
    for key in ("items", "additionalProperties", "propertyNames"):
        _check_keywords(schema.get(key), where)
    for sub in (*schema.get("properties", {}).values(), *schema.get("anyOf", [])):
        _check_keywords(sub, where)


def _is_type(value: Any, kind: str) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool) or isinstance(value, float) and value.is_integer()
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, _TYPES[kind])


def problem(value: Any, schema: dict, path: str = "") -> tuple[str, str] | None:
    """The first (field, what is wrong) of `value` against `schema`, or None when it conforms. Pure."""
    field = path or "(top level)"
    if "anyOf" in schema:
        found = [problem(value, option, path) for option in schema["anyOf"]]
        if all(found):
            # The option of the value's own type explains best (an object missing a key, not "expected null").
            typed = [p for p, option in zip(found, schema["anyOf"]) if "type" in option and _is_type(value, option["type"])]
            return (typed or found)[0]
        return None
    kind = schema.get("type")
    if kind is not None and not _is_type(value, kind):
        return field, f"expected {kind}, got {json.dumps(value)[:80]}"
    if "enum" in schema and value not in schema["enum"]:
        return field, f"expected one of {schema['enum']}, got {json.dumps(value)[:80]}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        for key, holds in (
            ("minimum", lambda v, b: v >= b),
            ("maximum", lambda v, b: v <= b),
            ("exclusiveMinimum", lambda v, b: v > b),
            ("exclusiveMaximum", lambda v, b: v < b),
        ):
            if key in schema and not holds(value, schema[key]):
                return field, f"expected {key} {schema[key]}, got {value}"
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        return field, f"expected a string matching {schema['pattern']}, got {json.dumps(value)[:80]}"
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", len(value)):
            return field, f"expected {schema.get('minItems', 0)} to {schema.get('maxItems', 'any number of')} items, got {len(value)}"
        for i, item in enumerate(value):
            found = problem(item, schema.get("items", {}), f"{path}[{i}]")
            if found:
                return found
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                return (f"{path}.{key}" if path else key), "missing"
        extra = schema.get("additionalProperties", {})
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key in properties:
                found = problem(item, properties[key], where)
            elif extra is False:
                found = where, f"unknown key (known: {', '.join(sorted(properties))})"
            else:
                found = problem(item, extra, where) if isinstance(extra, dict) else None
            if found:
                return found
    return None


def check(value: Any, schema_name: str, shown: str | Path) -> Any:
    """`value` when it conforms to contracts/<schema_name>; else a ValueError naming `shown` and the field."""
    found = problem(value, load_schema(schema_name))
    if found:
        raise ValueError(f"{shown}: {found[0]}: {found[1]}")
    return value


def read_checked(path: str | Path, schema_name: str) -> Any:
    """The JSON document at `path`, checked; a missing, unparsable or malformed file is a ValueError naming it."""
    try:
        document = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: cannot read it as JSON ({error})") from error
    return check(document, schema_name, path)

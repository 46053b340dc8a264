"""Key casing of the JSON artifacts Python writes for the TypeScript stages (run.json, progress.json, export.json).

Every artifact a stage writes for another is camelCase, whatever language writes it; only request.json files,
which are Python dataclasses' fields, are snake_case. Python builds its dicts with its own snake_case names and
converts them once, here, at the write.
"""

from __future__ import annotations

import re
from typing import Any

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")


def camel_case(key: str) -> str:
    """file_bytes -> fileBytes; a key that is not snake_case (an op name, a package name) is kept as it is."""
    if not _SNAKE.match(key):
        return key
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def camel_keys(value: Any) -> Any:
    """`value` with every dict key, at any depth, in camelCase; lists and other values are kept."""
    if isinstance(value, dict):
        return {camel_case(k) if isinstance(k, str) else k: camel_keys(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [camel_keys(v) for v in value]
    return value

"""What the two post-training quantization entry points share (ptq_w4a16_cli, ptq_w8a8_cli), and nothing of either
step's own work, so an edit to one step's code never reaches the other stage's hash.

Both read a request (a checked dataclass), do their work into its out_dir (a staging folder) and write their JSON
artifacts last, camelCase and checked against the schemas emitted from TypeScript. A bad request or input exits
with exit_codes.json's badInput and a message naming the file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable, TypeVar

from yolo_py import offline
from yolo_py.artifacts import write_artifact
from yolo_py.exit_codes import EXIT_BAD_INPUT

# The file names of both steps, defined once in libs/core/src/layout.ts (ptqFiles) and emitted into contracts/.
FILES: dict[str, dict[str, str]] = json.loads((Path(__file__).parent / "contracts" / "ptq_files.json").read_text())
# Written from the step's result (as JSON artifacts), not listed among the files of its summary.
RESULT_FILES = ("report", "summary")

Request = TypeVar("Request")


class BadInput(Exception):
    """A request or input file the user must fix; the message names it."""


def file_entries(out: Path, step: str) -> dict:
    """Name, size and sha256 of each file the step wrote into `out`, by its key in FILES."""
    from yolo_py.files import sha256_of

    names = {key: name for key, name in FILES[step].items() if key not in RESULT_FILES}
    return {key: {"file": name, "bytes": (out / name).stat().st_size, "sha256": sha256_of(out / name)} for key, name in names.items()}


def main(argv: list[str], usage: str, read_request: Callable[[Path], Request], run: Callable[[Request], dict[Path, tuple[dict, str]]]) -> int:
    """Reads the request, runs the step, then writes each artifact it returns ({path: (data, schema file)})."""
    if len(argv) != 2:
        print(usage, file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        request = read_request(Path(argv[0]))
    except ValueError as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    offline.configure(Path(argv[1]))
    try:
        artifacts = run(request)
    except BadInput as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    for path, (data, schema_name) in artifacts.items():
        write_artifact(path, data, schema_name)
    return 0


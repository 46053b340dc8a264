"""Exit codes of the yolo_py entry points, read from contracts/exit_codes.json.

Defined once in libs/core/src/python.ts (pythonExitCodes), which the stages check a Python exit against, and emitted
into contracts/ (a TypeScript test fails when the file is stale).
"""

from __future__ import annotations

import json
from pathlib import Path

_CODES = json.loads((Path(__file__).parent / "contracts" / "exit_codes.json").read_text())

EXIT_BAD_INPUT: int = _CODES["badInput"]
"""The request or the arguments are wrong: the stage reports the last stderr line as the user's error."""
EXIT_OUT_OF_MEMORY: int = _CODES["outOfMemory"]
"""The GPU ran out of memory: the stage names the batch and how to resume."""
EXIT_DEVICE_UNAVAILABLE: int = _CODES["deviceUnavailable"]
"""The requested device is not on this machine (no CUDA GPU, or a GPU index past the count): the last stderr line
says what torch found, and the stage names the profile, the device and where it was set."""
EXIT_DIVERGED: int = _CODES["diverged"]
"""Training hit non-finite numbers it could not recover from; no checkpoint holds them, the run can resume."""

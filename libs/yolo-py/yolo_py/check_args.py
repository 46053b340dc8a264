"""Validates Ultralytics train arguments with Ultralytics' own rules, naming the offending key.

Usage: python -m yolo_py.check_args <args.json>   (exit 0: valid; exit 2: a message on stderr names the key)
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from yolo_py import offline


def check_train_args(args: dict) -> None:
    """Raises ValueError naming the key when Ultralytics would reject an argument or does not know it."""
    from ultralytics.cfg import get_cfg
    from ultralytics.utils import DEFAULT_CFG_DICT

    unknown = sorted(set(args) - set(DEFAULT_CFG_DICT))
    if unknown:
        raise ValueError(f"'{unknown[0]}' is not an Ultralytics train argument")
    try:
        get_cfg(DEFAULT_CFG_DICT, args)
    except (TypeError, ValueError, SyntaxError) as error:
        raise ValueError(str(error).strip()) from None


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m yolo_py.check_args <args.json>", file=sys.stderr)
        return 2
    args = json.loads(Path(argv[0]).read_text())
    with tempfile.TemporaryDirectory(prefix="yolo-config-") as config_dir:
        offline.configure(Path(config_dir))
        try:
            check_train_args(args)
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Makes Ultralytics offline-safe. Import this module before anything imports ultralytics.

Ultralytics reaches for the network in several places: the online check, Arial.ttf for plots, telemetry/sync,
hub callbacks, auto pip installs of missing extras, and third-party loggers; each is closed here. Its AMP check
(which downloads yolo26n.pt) is replaced by yolo_py.amp_check. tests/network_guard/sitecustomize.py records and
refuses every network attempt of a Python started with it on PYTHONPATH; no test runs the trainer under it yet.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

# Ultralytics' offline and no-auto-install switches, and the third-party loggers it would enable if installed: defined
# in libs/core/src/python.ts (offlineSwitches), which sets them on every Python child, and emitted into contracts/.
OFFLINE_ENV: dict[str, str] = json.loads((Path(__file__).parent / "contracts" / "offline_env.json").read_text())

# Fonts Ultralytics may ask for by name; any local TrueType font serves for plot labels.
_FONT_NAMES = ("Arial.ttf", "Arial.Unicode.ttf")
_LOCAL_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)


def find_local_font() -> Path | None:
    """A TrueType font on this machine: DejaVu first, else the one matplotlib ships (always installed with it)."""
    for candidate in _LOCAL_FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    try:
        import matplotlib

        bundled = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
        if bundled.is_file():
            return bundled
    except ImportError:
        pass
    return None


def configure(config_dir: Path) -> None:
    """Point Ultralytics at a run-local config dir holding a local font, and switch off every network path.

    Must run before `import ultralytics`: settings and env flags are read at import time.
    """
    config_dir.mkdir(parents=True, exist_ok=True)
    os.environ["YOLO_CONFIG_DIR"] = str(config_dir)
    # The switches the TypeScript side also sets on every Python child: one table for both.
    os.environ.update(OFFLINE_ENV)
    os.environ.setdefault("YOLO_VERBOSE", "true")
    font = find_local_font()
    if font is not None:
        for name in _FONT_NAMES:
            target = config_dir / name
            if not target.exists():
                shutil.copyfile(font, target)


def apply_settings() -> None:
    """Persist the offline settings in the run-local settings file (after ultralytics is importable)."""
    from ultralytics.utils import SETTINGS

    SETTINGS.update(
        {
            "sync": False,
            "tensorboard": True,
            "wandb": False,
            "mlflow": False,
            "comet": False,
            "clearml": False,
            "dvc": False,
            "raytune": False,
            "vscode_msg": False,
            "openvino_msg": False,
        }
    )

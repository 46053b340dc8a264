"""No training outlives the stage that started it.

A user stops a run with Ctrl-C, Nx stops it, or the stage is killed with SIGKILL; the next run of the target
resumes from the last checkpoint, so nothing may still be writing to that folder. The launcher process asks
Linux to send it SIGTERM when its parent (the TypeScript stage) dies. DDP workers are grandchildren through
torch.distributed.run, so they watch the launcher's pid themselves and exit when it is gone.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

LAUNCHER_PID_ENV = "YOLO_PY_LAUNCHER_PID"
WATCH_SECONDS = 2.0


def die_with_parent() -> None:
    """Linux: SIGTERM this process when its parent exits, even by SIGKILL."""
    if sys.platform != "linux":
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def mark_launcher() -> None:
    """Called by the launcher: DDP workers inherit the variable and watch this pid."""
    os.environ[LAUNCHER_PID_ENV] = str(os.getpid())


def watch_launcher() -> None:
    """Called in a DDP worker: exit at once when the launcher has died (its pid no longer exists)."""
    pid = int(os.environ.get(LAUNCHER_PID_ENV, "0"))
    if pid <= 0 or pid == os.getpid():
        return

    def watch() -> None:
        while True:
            time.sleep(WATCH_SECONDS)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(143)  # the stage is gone: stop writing checkpoints now
            except PermissionError:
                pass

    threading.Thread(target=watch, name="launcher-watch", daemon=True).start()

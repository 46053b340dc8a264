"""Runs one command and appends a line to a TSV: name, exit, wall seconds, peak RSS (GiB) of its process tree.

    python3 tools/bench/gpu/stages/measure.py <tsv> <name> <log> [--time-box S] -- <command...>

The command runs in a session of its own; every 0.5 s the resident sets of all the session's processes (the stage's
node, its Python child, the dataloader workers) are summed from /proc, and the largest sum is the peak. With
--time-box, the whole session is killed after S seconds (a rehearsal's training is cut this way, from outside the
product) and the exit is recorded as "timebox".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def session_rss(sid: int) -> int:
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # fields after the command name: state, ppid, pgrp, session, ..., rss is 22nd
            total += int(fields[21]) * PAGE
    return total


def main(argv: list[str]) -> int:
    tsv, name, log, *rest = argv
    time_box = None
    if rest[:1] == ["--time-box"]:
        time_box, rest = float(rest[1]), rest[2:]
    assert rest[:1] == ["--"], "usage: measure.py <tsv> <name> <log> [--time-box S] -- <command...>"
    began = time.monotonic()
    peak = 0
    with open(log, "ab") as out:
        proc = subprocess.Popen(rest[1:], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        code: int | str | None = None
        while code is None:
            peak = max(peak, session_rss(proc.pid))
            try:
                code = proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                if time_box is not None and time.monotonic() - began > time_box:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    code = "timebox"
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # dataloader workers a finished stage may leave behind
        except ProcessLookupError:
            pass
    wall = time.monotonic() - began
    with open(tsv, "a") as table:
        table.write(f"{name}\t{code}\t{wall:.1f}\t{peak / 2**30:.2f}\n")
    print(f"{name}: exit {code}, {wall:.1f} s, peak RSS of its processes {peak / 2**30:.2f} GiB", flush=True)
    return 0 if code == "timebox" else int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

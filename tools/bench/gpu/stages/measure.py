"""Runs one command and appends a line to a TSV: name, exit code, wall seconds, peak RSS (GiB) of its largest process.

    python3 tools/bench/gpu/stages/measure.py <tsv> <name> <log> [--time-box S] -- <command...>

With --time-box, the command's whole process group is killed after S seconds (a rehearsal's training is cut this way,
from outside the product) and its exit is recorded as "timebox".

The peak is getrusage(RUSAGE_CHILDREN).ru_maxrss after the wait: the largest resident set of any process of the tree
that was waited for (a stage's node process or its Python child), not their sum.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    tsv, name, log, *rest = argv
    time_box = None
    if rest[:1] == ["--time-box"]:
        time_box, rest = float(rest[1]), rest[2:]
    assert rest[:1] == ["--"], "usage: measure.py <tsv> <name> <log> [--time-box S] -- <command...>"
    command = rest[1:]
    began = time.monotonic()
    with open(log, "ab") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            code: int | str = proc.wait(timeout=time_box)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            code = "timebox"
    wall = time.monotonic() - began
    peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    with open(tsv, "a") as table:
        table.write(f"{name}\t{code}\t{wall:.1f}\t{peak_gib:.2f}\n")
    print(f"{name}: exit {code}, {wall:.1f} s, peak RSS {peak_gib:.2f} GiB", flush=True)
    return 0 if code == "timebox" else int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

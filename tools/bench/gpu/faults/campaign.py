"""GPU fault campaign for long runs (issue 25): kill -9 at random moments and during checkpoint writes, a NaN
mid-run, an OOM in the first epoch; then checks what a user relies on. Runs yolo_py.train as the training stage
does (a request file; a rerun resumes from weights/last.pt when any checkpoint exists, as libs/training's
planResume decides), on the synthetic shapes of tools/bench/gpu/prepare-data.ts, CUDA graphs on.

    python3 tools/bench/gpu/faults/campaign.py <data-dir> <out-dir> [--kills 6] [--epochs 10] [--imgsz 256]

Per variant (`--variants`), in parallel on one GPU: uninterrupted runs (`--seeds`: the run-to-run spread that
"within noise" is judged against), one run per `--killed-seeds` seed killed `--kills` times, half at a random moment,
half the instant a checkpoint's temporary file appears (mid-write), and with `--branch-epoch N` a copy of seed 0's
epoch-N checkpoint resumed once (the same history, one resume: what a resume alone costs). Then: results.csv holds
every epoch once, every checkpoint loads and is finite, and each interrupted run's last-epoch mAP50-95 is compared
with the uninterrupted seeds' range.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "libs" / "yolo-py"))
from yolo_py.resume_point import UnusableCheckpoint, inspect_checkpoint  # noqa: E402

QAT = {"weight_bit_width": 4, "per_channel": True, "narrow_range": True, "keep_float": ["*.dfl.conv"], "layers": []}
COLLAPSE_WATCH = {"drop_fraction": 0.3, "epochs": 3, "min_best": 0.05}  # conf/watch.yaml
MAP = "metrics/mAP50-95(B)"


def request(args, work: Path, tag: str, variant: str, seed: int) -> Path:
    hyps = json.loads((args.data / "hyps.json").read_text())
    body = {
        "variant": variant, "model": args.model, "data": str(args.data / "data.yaml"), "save_dir": str(work / tag),
        "epochs": args.epochs, "batch": args.batch, "imgsz": args.imgsz, "seed": seed, "optimizer": "SGD", "amp": True,
        "close_mosaic": 2, "save_period": 2, "device": args.device, "workers": args.workers, "cuda_graphs": True, "hyps": hyps,
        "qat": QAT if variant == "qat" else None, "resume_from": None, "val_head": "one2one", "distill": None, "fine_tune": None,
        "collapse_watch": COLLAPSE_WATCH if variant == "qat" else None,
    }
    path = work / f"{tag}.request.json"
    path.write_text(json.dumps(body))
    return path


def set_resume(path: Path) -> None:
    """As the stage does before a rerun: resume when any checkpoint exists, else start afresh."""
    body = json.loads(path.read_text())
    weights = Path(body["save_dir"]) / "weights"
    has_checkpoint = weights.is_dir() and any(p.suffix == ".pt" and not p.name.startswith(".") for p in weights.iterdir())
    body["resume_from"] = str(weights / "last.pt") if has_checkpoint else None
    if not has_checkpoint:
        shutil.rmtree(body["save_dir"], ignore_errors=True)
    path.write_text(json.dumps(body))


def start(entry: list[str], req: Path, log: Path, work: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    out = open(log, "a")
    return subprocess.Popen([sys.executable, *entry, str(req), str(work / "yolo-config")], stdout=out, stderr=subprocess.STDOUT,
                            env=env, cwd=ROOT, start_new_session=True)


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the trainer and its dataloader workers, as a crash or kill -9 of the stage
    except ProcessLookupError:
        pass
    proc.wait()


def results_rows(save_dir: Path) -> int:
    csv = save_dir / "results.csv"
    return len(csv.read_text().strip().splitlines()) - 1 if csv.exists() else 0


def checkpoint_since(save_dir: Path, moment: float) -> bool:
    last = save_dir / "weights" / "last.pt"
    try:
        return last.stat().st_mtime > moment
    except FileNotFoundError:
        return False


def checkpoint_after_results(save_dir: Path) -> bool:
    try:
        return (save_dir / "weights" / "last.pt").stat().st_mtime >= (save_dir / "results.csv").stat().st_mtime
    except FileNotFoundError:
        return False


def temp_files(save_dir: Path) -> list[str]:
    weights = save_dir / "weights"
    return [p.name for p in weights.iterdir() if p.name.startswith(".")] if weights.is_dir() else []


def killed_run(args, work: Path, variant: str, seed: int, rng: random.Random) -> dict:
    tag = f"{variant}-killed" + (f"-s{seed}" if seed else "")
    req, log, save_dir = request(args, work, tag, variant, seed=seed), work / f"{tag}.log", work / tag
    kills, sessions = [], 0
    while True:
        if time.time() >= args.deadline:
            return {"tag": tag, "exit": "timeout", "sessions": sessions, "kills": kills}
        set_resume(req)
        sessions += 1
        proc = start(["-m", "yolo_py.train"], req, log, work)
        if len(kills) < args.kills:
            mid_write = len(kills) % 2 == 1
            began, seen = time.time(), None
            if args.final_kill and len(kills) == args.kills - 1:
                # The window between the last epoch's checkpoint and the end of the final validation of best.pt:
                # the last epoch's results row is written first, then its last.pt.
                while proc.poll() is None and time.time() < args.deadline and not (
                    results_rows(save_dir) >= args.epochs and checkpoint_after_results(save_dir)
                ):
                    time.sleep(0.02)
                if proc.poll() is None and time.time() < args.deadline:
                    kill_group(proc)
                    kills.append({"after_s": round(time.time() - began, 2), "mode": "after-last-checkpoint",
                                  "temp_files_at_kill": temp_files(save_dir), "results_rows": results_rows(save_dir)})
                    continue
            # Each kill waits for this session's first checkpoint, so every kill costs work the resume must restore
            # (a kill during start-up would only restart an empty run); then a random moment of the next epoch, or
            # the instant the next checkpoint's temporary file appears.
            while proc.poll() is None and time.time() < args.deadline and not checkpoint_since(save_dir, began):
                time.sleep(0.05)
            deadline = min(args.deadline, time.time() + (120 if mid_write else rng.uniform(0, 10)))
            while proc.poll() is None and time.time() < deadline:
                if mid_write and (seen := temp_files(save_dir)):
                    break
                time.sleep(0.002 if mid_write else 0.05)
            if proc.poll() is None:
                kill_group(proc)
                kills.append({"after_s": round(time.time() - began, 2), "mode": "mid-write" if mid_write else "random",
                              "temp_files_at_kill": seen or temp_files(save_dir), "results_rows": results_rows(save_dir)})
                continue
        code = wait_within(proc, args.deadline)
        if code != 0 or (save_dir / "run.json").exists():
            return {"tag": tag, "exit": code, "sessions": sessions, "kills": kills}


def clean_run(args, work: Path, variant: str, seed: int, fault: str | None = None) -> dict:
    tag = f"{variant}-{fault or 'seed' + str(seed)}"
    req, log = request(args, work, tag, variant, seed=seed), work / f"{tag}.log"
    entry = [str(ROOT / "tools/bench/gpu/faults/inject_train.py"), fault] if fault else ["-m", "yolo_py.train"]
    code = wait_within(start(entry, req, log, work), args.deadline)
    return {"tag": tag, "exit": code, "sessions": 1, "kills": []}


def branch_run(args, work: Path, variant: str) -> dict:
    """Seed 0's run resumed once from its own epoch-N checkpoint (copied when it appears) while seed 0 goes on
    uninterrupted: the same history up to N, so the two differ only by that one resume."""
    tag, source = f"{variant}-branch{args.branch_epoch}", work / f"{variant}-seed0"
    checkpoint = source / "weights" / f"epoch{args.branch_epoch}.pt"
    while not checkpoint.exists() and time.time() < args.deadline:
        time.sleep(0.5)
    if not checkpoint.exists():
        return {"tag": tag, "exit": "timeout", "sessions": 0, "kills": []}
    time.sleep(2)  # epochN.pt is renamed into place whole; results.csv already has row N
    weights = work / tag / "weights"
    weights.mkdir(parents=True)
    shutil.copy2(checkpoint, weights / "last.pt")
    shutil.copy2(source / "results.csv", work / tag / "results.csv")  # the trainer drops rows past the checkpoint
    req, log = request(args, work, tag, variant, seed=0), work / f"{tag}.log"
    set_resume(req)
    code = wait_within(start(["-m", "yolo_py.train"], req, log, work), args.deadline)
    return {"tag": tag, "exit": code, "sessions": 1, "kills": [], "resumed_at_epoch": args.branch_epoch}


def wait_within(proc: subprocess.Popen, deadline: float) -> int | str:
    """The exit code, or 'timeout' (the run killed) when the campaign's time box ends first."""
    try:
        return proc.wait(timeout=max(deadline - time.time(), 1))
    except subprocess.TimeoutExpired:
        kill_group(proc)
        return "timeout"


def verify(args, work: Path, run: dict) -> dict:
    save_dir = work / run["tag"]
    csv = save_dir / "results.csv"
    epochs = [int(float(r.split(",")[0])) for r in csv.read_text().strip().splitlines()[1:]] if csv.exists() else []
    bad = []
    for path in sorted((save_dir / "weights").glob("*.pt")) if (save_dir / "weights").is_dir() else []:
        try:
            inspect_checkpoint(path)
        except UnusableCheckpoint as error:
            bad.append(f"{path.name}: {error}")
    run_json = json.loads((save_dir / "run.json").read_text()) if (save_dir / "run.json").exists() else {}
    # The last epoch's validation mAP50-95 (results.csv): the same measurement for every run, whichever best.pt is.
    header, *rows = csv.read_text().strip().splitlines() if csv.exists() else [""]
    final = float(rows[-1].split(",")[header.split(",").index(MAP)]) if rows and MAP in header else None
    return {
        **run,
        "epochs_once": epochs == list(range(1, args.epochs + 1)),
        "results_epochs": epochs,
        "bad_checkpoints": bad,
        "temp_files_left": temp_files(save_dir),
        "final_map50_95": final,
        "final_validation_in_run_json": bool((run_json.get("finalMetrics") or {}).get(MAP) is not None),
        "batch": run_json.get("batch"),
        "events": [f"{e['kind']}@{e['epoch']}: {e['message']}" for e in run_json.get("events", [])],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--imgsz", type=int, default=256)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--model", default="yolov10n.yaml")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--device", default="0", help="cpu: a smoke run of the campaign's own logic (no graphs there)")
    parser.add_argument("--seeds", default="0,1", help="uninterrupted runs per variant ('' for none)")
    parser.add_argument("--killed-seeds", default="0", help="killed runs per variant, one per seed ('' for none)")
    parser.add_argument("--variants", default="fp16,qat")
    parser.add_argument("--branch-epoch", type=int, default=0,
                        help="also resume a copy of seed 0's epoch-N checkpoint once (N a multiple of save_period 2; 0: off)")
    parser.add_argument("--final-kill", action="store_true", help="the last kill of each run lands after its last epoch's checkpoint")
    parser.add_argument("--faults", default="nan,oom", help="injected-fault runs beside the kill campaign")
    parser.add_argument("--time-box-s", type=float, default=480, help="runs still going then are killed and reported as timeout")
    args = parser.parse_args()
    args.deadline = time.time() + args.time_box_s
    args.data, work = args.data.resolve(), Path("/tmp/fault-campaign")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    import torch

    header = [
        f"command: python3 tools/bench/gpu/faults/campaign.py {' '.join(sys.argv[1:])}",
        f"date: {datetime.now(timezone.utc).isoformat(timespec='seconds')}",
        f"machine: {torch.cuda.get_device_name(0) if torch.cuda.is_available() else platform.processor() or 'cpu'}, {os.cpu_count()} CPU cores, python {platform.python_version()}, torch {torch.__version__}",
    ]
    print("\n".join(header), flush=True)
    jobs = []
    with ThreadPoolExecutor(max_workers=16) as pool:
        for variant in args.variants.split(","):
            jobs += [pool.submit(killed_run, args, work, variant, int(seed), random.Random(rng.random()))
                     for seed in args.killed_seeds.split(",") if seed]
            jobs += [pool.submit(clean_run, args, work, variant, int(seed)) for seed in args.seeds.split(",") if seed]
            if args.branch_epoch:
                jobs.append(pool.submit(branch_run, args, work, variant))
        if "nan" in args.faults:
            jobs.append(pool.submit(clean_run, args, work, "qat", 0, "nan"))
        if "oom" in args.faults:
            jobs.append(pool.submit(clean_run, args, work, "fp16", 0, "oom"))
        results = [verify(args, work, job.result()) for job in jobs]
    report = {"header": header, "runs": results}
    (args.out / "fault-campaign.json").write_text(json.dumps(report, indent=2))
    subprocess.run(["tar", "-czf", str(args.out / "fault-campaign-logs.tgz"), "-C", str(work),
                    *[p.name for p in work.glob("*.log")]], check=False)
    print(summary(results, args), flush=True)
    return 0


def summary(results: list[dict], args) -> str:
    by_tag = {r["tag"]: r for r in results}
    lines = ["", "| run | exit | sessions | kills (mid-write) | every epoch once | bad checkpoints | temp files left | batch | last-epoch mAP50-95 | final val in run.json | events |",
             "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |"]
    for r in results:
        mid = sum(k["mode"] == "mid-write" for k in r["kills"])
        lines.append(f"| {r['tag']} | {r['exit']} | {r['sessions']} | {len(r['kills'])} ({mid}) | {r['epochs_once']} | {len(r['bad_checkpoints'])} | "
                     f"{len(r['temp_files_left'])} | {r['batch']} | {_f(r['final_map50_95'])} | {r['final_validation_in_run_json']} | {'; '.join(e.split(':')[0] for e in r['events']) or '-'} |")
    for variant in args.variants.split(","):
        # The same measurement (last epoch's validation) of every run of the variant that reached the last epoch.
        reached = {r["tag"]: r["final_map50_95"] for r in results
                   if r["tag"].startswith(variant + "-") and r["final_map50_95"] is not None and r["results_epochs"][-1:] == [args.epochs]}
        clean = [v for t, v in reached.items() if "-seed" in t]
        for tag, value in reached.items():
            if "-seed" in tag or not clean:
                continue
            inside = min(clean) <= value <= max(clean)
            lines.append(f"{tag}: {value:.4f} vs uninterrupted seeds {', '.join(f'{v:.4f}' for v in clean)}: "
                         f"{'within' if inside else 'OUTSIDE'} their range ({value - sum(clean) / len(clean):+.4f} from their mean)")
    for r in results:
        for k in r["kills"]:
            lines.append(f"kill {r['tag']}: {k['mode']} after {k['after_s']} s, results rows {k['results_rows']}, temp files {k['temp_files_at_kill'] or '-'}")
        for e in r["events"]:
            lines.append(f"event {r['tag']}: {e}")
        for b in r["bad_checkpoints"]:
            lines.append(f"BAD {r['tag']}: {b}")
    return "\n".join(lines)


def _f(x) -> str:
    return "-" if x is None else f"{x:.4f}"


if __name__ == "__main__":
    sys.exit(main())

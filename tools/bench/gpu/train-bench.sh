#!/usr/bin/env bash
# GPU training benchmark of one variant with the experiment's own trainer (yolo_py.train), on the synthetic
# shapes from prepare-data.ts. Runs on the lent GPU machine (Python + torch there; Ultralytics, Brevitas and
# friends carried as wheels in .whl/), and writes its figures to $OUT.
#
#   bash tools/bench/gpu/train-bench.sh <fp16|qat|qat-stock> <epochs> [model=yolov10m.yaml] [imgsz=640] [batch=32] [device=0] [time-limit-s=540] [train-hours]
# train-hours: Ultralytics' `time` (fits the epoch count and LR schedule to that many hours after epoch 1), through
# time_boxed_train.py: the training request has no time box.
# BENCH_TAG names the run and its files (default: the variant); BENCH_RESUME=1 resumes the tagged run from its
# weights/last.pt instead of starting over. BENCH_WORKERS: dataloader workers (default 8). qat-stock: QAT without the
# batched weight quantization (stock Brevitas per layer), through stock_qat_train.py.
set -euo pipefail
variant=$1 epochs=$2 model=${3:-yolov10m.yaml} imgsz=${4:-640} batch=${5:-32} device=${6:-0} limit=${7:-540} hours=${8:-}
out=${OUT:-/tmp/bench-out}; mkdir -p "$out"
tag=${BENCH_TAG:-$variant}
root=$(pwd); data=$root/.gpu-data; run=/tmp/bench-$tag
if [ ! -f /tmp/site/.installed ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  touch /tmp/site/.installed
fi
export PYTHONPATH=/tmp/site:$root/libs/yolo-py:$root/tools/bench/gpu/polars_stub PYTHONUNBUFFERED=1
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
sed -i "s#^path: .*#path: \"$data\"#" "$data/data.yaml"
resume=
if [ "${BENCH_RESUME:-0}" = 1 ]; then
  [ -f "$run/weights/last.pt" ] || { echo "BENCH_RESUME=1 but $run/weights/last.pt does not exist" >&2; exit 2; }
  resume=$run/weights/last.pt
else
  rm -rf "$run"
fi
python3 - "$variant" "$epochs" "$model" "$imgsz" "$batch" "$device" "$run" "$data" "$resume" "${BENCH_WORKERS:-8}" > /tmp/request-$tag.json <<'PY'
import json, sys
variant, epochs, model, imgsz, batch, device, run, data, resume, workers = sys.argv[1:]
variant = variant.removesuffix("-stock")
qat = {"weight_bit_width": 4, "per_channel": True, "narrow_range": True, "keep_float": ["*.dfl.conv"], "layers": []}
print(json.dumps({
    "variant": variant, "model": model, "data": f"{data}/data.yaml", "save_dir": run, "epochs": int(epochs),
    "batch": int(batch), "imgsz": int(imgsz), "seed": 0, "optimizer": "SGD", "amp": True, "close_mosaic": 10,
    "save_period": 25, "device": device, "workers": int(workers), "cuda_graphs": True, "hyps": json.load(open(f"{data}/hyps.json")),
    "qat": qat if variant == "qat" else None, "resume_from": resume or None, "val_head": "one2one", "collapse_watch": None, "distill": None, "fine_tune": None,
}))
PY
{
  echo "command: bash tools/bench/gpu/train-bench.sh $*"
  echo "date: $(date -u +%FT%TZ)"
  echo "machine: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | paste -sd';'), $(nproc) CPU cores"
  python3 -c 'import torch, ultralytics, brevitas, platform; print(f"python {platform.python_version()}, torch {torch.__version__} (CUDA {torch.version.cuda}), ultralytics {ultralytics.__version__}, brevitas {brevitas.__version__}")'
} | tee "$out/bench-$tag.txt"
# Copy the running totals out every 20 s, so a run cut short by the time limit still reports.
( while sleep 20; do cp "$run"/results.csv "$out/results-$tag.csv" 2>/dev/null; cp "$run"/progress.json "$out/progress-$tag.json" 2>/dev/null; done ) &
copier=$!
set +e
entry=(-m yolo_py.train); [ "$variant" = qat-stock ] && entry=("$root/tools/bench/gpu/stock_qat_train.py")
[ -n "$hours" ] && entry=("$root/tools/bench/gpu/time_boxed_train.py" "$hours" "${entry[@]}")
timeout "$limit" python3 "${entry[@]}" /tmp/request-$tag.json /tmp/yolo-config-$tag 2>&1 | tr '\r' '\n' | grep -v '━' | tee "$out/log-$tag.txt" | grep -E '^\[|AMP|epochs completed|all |Error|error'
status=${PIPESTATUS[0]}
set -e
kill $copier 2>/dev/null || true
cp "$run"/results.csv "$out/results-$tag.csv" 2>/dev/null || true
cp "$run"/progress.json "$out/progress-$tag.json" 2>/dev/null || true
cp "$run"/run.json "$out/run-$tag.json" 2>/dev/null || true
echo "exit status: $status" | tee -a "$out/bench-$tag.txt"
python3 - "$run" "$tag" <<'PY' | tee -a "$out/bench-$tag.txt"
import json, sys, pathlib
run, variant = pathlib.Path(sys.argv[1]), sys.argv[2]
p = json.loads((run / "progress.json").read_text()) if (run / "progress.json").exists() else {}
epochs = p.get("epochSeconds") or []
rows = (run / "results.csv").read_text().strip().splitlines() if (run / "results.csv").exists() else []
best = max((float(r.split(",")[8]) for r in rows[1:]), default=float("nan")) if rows else float("nan")
last = float(rows[-1].split(",")[8]) if len(rows) > 1 else float("nan")
steady = epochs[2:] or epochs
print(f"{variant}: epochs {p.get('epochsCompleted')}, train images/s {p.get('imagesSeen', 0) / max(p.get('trainSeconds', 1e-9), 1e-9):.1f}, "
      f"median train epoch {sorted(steady)[len(steady) // 2] if steady else float('nan'):.2f} s, peak GPU memory {p.get('peakGpuMemoryGiB')} GiB, "
      f"AMP {p.get('amp')}, batch {p.get('batch')}, mAP50-95 last {last:.4f} best {best:.4f}")
PY

#!/usr/bin/env bash
# Training speed, side by side in one call on the lent GPU (issue: fast training):
#   1. the step benchmark (step_bench.py): FP16 NCHW / channels_last / fused SGD, QAT with stock Brevitas and
#      with the batched weight quantization, interleaved rounds; and stock-vs-batched losses step by step;
#   2. end to end (trainer_speed.py): plain Ultralytics DetectionTrainer, our FP16 and our QAT trainers on the same
#      data and arguments, interleaved and repeated; optionally QAT with stock Brevitas once.
# Data: .gpu-data from prepare-data.ts (700 synthetic train images), each listed `repeat` times per epoch so an
# epoch is long enough to time. Wheels of the packages the machine lacks ride in .whl/ (see docs/benchmarks.md).
#
# SKIP_STEP=1 leaves part 1 out (another end-to-end round in a short call); PROFILE=1 runs step_profile.py (per phase,
# eager vs torch.compile) as part 1 instead of step_bench.py. with-compile=1 adds fp16-compile and qat-compile to
# every end-to-end round. EXTRA_KINDS (e.g. "qat-ustep fp16-eager", see trainer_speed.py) adds those kinds to every
# round, after the three. KINDS (default "plain fp16 qat") replaces the three; WORKERS (default 8; e.g. "8 14") runs
# every kind of a round once per dataloader worker count, labelled kind@wN beyond the first count.
#   bash tools/bench/gpu/speed-bench.sh [rounds=2] [epochs=3] [repeat=3] [budget-s=540] [with-stock=1] [with-compile=0]
set -uo pipefail
rounds=${1:-2} epochs=${2:-3} repeat=${3:-3} budget=${4:-540} with_stock=${5:-1} with_compile=${6:-0}
out=${OUT:-/tmp/speed-out}; mkdir -p "$out"
root=$(pwd); data=$root/.gpu-data; began=$(date +%s)
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$root/libs/yolo-py:$root/tools/bench/gpu/polars_stub PYTHONUNBUFFERED=1
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
report=$out/speed-bench.txt
{
  echo "command: bash tools/bench/gpu/speed-bench.sh $*"
  echo "date: $(date -u +%FT%TZ)"
  echo "machine: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | paste -sd';'), $(nproc) CPU cores"
  python3 -c 'import torch, ultralytics, brevitas, platform; print(f"python {platform.python_version()}, torch {torch.__version__} (CUDA {torch.version.cuda}), ultralytics {ultralytics.__version__}, brevitas {brevitas.__version__}")'
} | tee "$report"

echo "== 0. torch's fused SGD after a skipped first step (why the trainer zeroes its momentum buffers)" | tee -a "$report"
python3 tools/bench/gpu/fused_sgd_probe.py 2>&1 | tee -a "$report"
echo "== 1. step benchmark" | tee -a "$report"
[ "${SKIP_STEP:-0}" = 1 ] && echo "skipped (SKIP_STEP=1)" | tee -a "$report" ||
  if [ "${PROFILE:-0}" = 1 ]; then
    (cd tools/bench/gpu && python3 step_profile.py "$data/hyps.json" --rounds 3 --steps 10 --parity ${PROFILE_ONLY:+--only "$PROFILE_ONLY"}) 2>&1 | grep -v Warning | tee -a "$report"
  else
    python3 tools/bench/gpu/step_bench.py "$data/hyps.json" --rounds 3 --steps 10 2>&1 | grep -v Warning | tee -a "$report"
  fi

# The train list: every image `repeat` times (Ultralytics finds each label beside its image).
sed -i "s#^path: .*#path: \"$data\"#" "$data/data.yaml"
for _ in $(seq "$repeat"); do ls "$data"/images/train2017/*; done > "$data/train-repeated.txt"
sed -e "s#^train: .*#train: $data/train-repeated.txt#" "$data/data.yaml" > "$data/data-repeated.yaml"
request() {  # <variant> <file> <workers>
  python3 - "$1" "$epochs" "$data" "/tmp/speed-run-$1" "$3" > "$2" <<'PY'
import json, sys
variant, epochs, data, run, workers = sys.argv[1:]
qat = {"weight_bit_width": 4, "per_channel": True, "narrow_range": True, "keep_float": ["*.dfl.conv"], "layers": []}
print(json.dumps({
    "variant": variant, "model": "yolov10m.yaml", "data": f"{data}/data-repeated.yaml", "save_dir": run,
    "epochs": int(epochs), "batch": 32, "imgsz": 640, "seed": 0, "optimizer": "SGD", "amp": True, "close_mosaic": 0,
    "save_period": -1, "device": "0", "workers": int(workers), "cuda_graphs": True, "hyps": json.load(open(f"{data}/hyps.json")),
    "qat": qat if variant == "qat" else None, "resume_from": None, "val_head": "one2one", "collapse_watch": None, "distill": None, "fine_tune": None,
}))
PY
}
workers_list=${WORKERS:-8}; first_workers=${workers_list%% *}
for w in $workers_list; do
  request fp16 "/tmp/request-fp16-w$w.json" "$w"
  request qat "/tmp/request-qat-w$w.json" "$w"
done
run_one() {  # <kind> <request> <round> [label]
  local elapsed=$(( $(date +%s) - began ))
  if [ "$elapsed" -gt "$budget" ]; then echo "skipped $1 round $3: time budget spent ($elapsed s)" | tee -a "$report"; return; fi
  rm -rf /tmp/speed-run-fp16 /tmp/speed-run-qat
  local label=${4:-$1}
  python3 tools/bench/gpu/trainer_speed.py "$1" "$2" /tmp/yolo-config > "$out/log-$label-$3.txt" 2>&1
  local line; line=$(grep '^RESULT ' "$out/log-$label-$3.txt" | tail -1)
  if [ -n "$line" ]; then echo "$label round $3 ${line#RESULT }" | tee -a "$out/e2e.jsonl"; else echo "$label round $3 FAILED: $(tail -3 "$out/log-$label-$3.txt")" | tee -a "$report"; fi
}
echo "== 2. end to end: $epochs epochs of $(wc -l < "$data/train-repeated.txt") images, interleaved, $rounds rounds" | tee -a "$report"
kinds="${KINDS:-plain fp16 qat} ${EXTRA_KINDS:-}"
[ "$with_compile" = 1 ] && kinds="$kinds fp16-compile qat-compile"
request_of() {  # <kind> <workers>: plain trains with the fp16 request's arguments
  local variant=${1%%-*}; [ "$variant" = plain ] && variant=fp16
  echo "/tmp/request-$variant-w$2.json"
}
for r in $(seq "$rounds"); do
  for w in $workers_list; do
    suffix=""; [ "$w" = "$first_workers" ] || suffix="@w$w"
    for k in $kinds; do run_one "$k" "$(request_of "$k" "$w")" "$r" "$k$suffix"; done
  done
done
[ "$with_stock" = 1 ] && run_one qat-stock "$(request_of qat "$first_workers")" 1
python3 - "$out/e2e.jsonl" <<'PY' | tee -a "$report"
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kind, _, _, payload = line.split(" ", 3)
    rows.setdefault(kind, []).append(json.loads(payload))
med = {k: statistics.median(r["steady_images_per_s"] for r in v) for k, v in rows.items()}
print("| trainer | step ms (median) | steady images/s (median) | per round | peak GiB | optimizer | channels_last | / plain | / our fp16 |")
print("| --- | ---: | ---: | --- | ---: | --- | --- | ---: | ---: |")
for k, v in rows.items():
    per = " ".join(str(r["steady_images_per_s"]) for r in v)
    step = statistics.median(r.get("step_ms", float("nan")) for r in v)
    print(f"| {k} | {step:.1f} | {med[k]:.1f} | {per} | {max(r['peak_gib'] for r in v)} | {v[0]['optimizer']} | {v[0]['channels_last']} | "
          f"{med[k] / med['plain']:.2f} | {med[k] / med['fp16']:.2f} |" if 'plain' in med and 'fp16' in med else f"| {k} | {med[k]:.1f} | {per} |")
# Ratios within each round (the trainers ran back to back there), then their median over the rounds.
suffixes = sorted({k[k.index("@"):] if "@" in k else "" for k in rows})  # "" and "@w14", ...
ratios = [(n + s, d + s) for s in suffixes for n, d in (("fp16", "plain"), ("qat", "fp16"), ("qat-ustep", "fp16"), ("qat", "qat-ustep"),
                                                          ("fp16-graphedloss", "fp16"), ("qat-graphedloss", "qat"), ("fp16-graphedloss", "plain"))]
ratios += [(k, k.partition("@")[0]) for k in rows if "@" in k]  # the same kind at another worker count
for num, den in ratios:
    pairs = [a["steady_images_per_s"] / b["steady_images_per_s"] for a, b in zip(rows.get(num, []), rows.get(den, []))]
    if pairs:
        print(f"{num} / {den} per round: {' '.join(f'{p:.2f}' for p in pairs)}; median {statistics.median(pairs):.2f}")
print("\nseconds waiting for the train loader per epoch (first epoch = warm-up), round 1:")
for k, v in rows.items():
    print(f"  {k} ({v[0].get('workers')} workers): {v[0].get('loader_wait_s')} of {v[0]['epoch_seconds']}")
print("\ntrain losses (box, cls, dfl) per epoch, round 1 (batches whose loss took a graph / graphed batches):")
for k, v in rows.items():
    print(f"  {k}: {v[0]['train_losses']} ({v[0].get('loss_replays')}/{v[0].get('graph_replays')})")
PY
echo "total wall: $(( $(date +%s) - began )) s" | tee -a "$report"

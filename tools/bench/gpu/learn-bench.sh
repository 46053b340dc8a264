#!/usr/bin/env bash
# Learning, epoch for epoch (issue: fast training): our FP16 and our QAT trainers (batched weight quantization)
# on the same synthetic set (.gpu-data: the gpu profile's 700/100 images) with the same fixed schedule, both at
# once on the one lent GPU (so their wall times are not speed figures: speed-bench.sh measures speed). Prints
# mAP50-95 and mAP50 per epoch side by side and the FP16 - QAT gap.
#
#   bash tools/bench/gpu/learn-bench.sh [epochs=30] [model=yolov10m.yaml] [imgsz=640] [limit-s=430]
# With STOCK_MODEL set (e.g. yolov10n.yaml, STOCK_IMGSZ 320, STOCK_EPOCHS 40), also trains QAT with the batched
# weight quantization and QAT with stock Brevitas on that smaller model at the same time, and prints their curves
# side by side (stock Brevitas is ~4x slower per step, so the experiment's model would not fit one call).
set -uo pipefail
epochs=${1:-30} model=${2:-yolov10m.yaml} imgsz=${3:-640} limit=${4:-430}
out=${OUT:-/tmp/learn-out}; mkdir -p "$out"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl && touch /tmp/site/.installed || exit 1
BENCH_TAG=fp16-learn bash tools/bench/gpu/train-bench.sh fp16 "$epochs" "$model" "$imgsz" 32 0 "$limit" > "$out/fp16.out" 2>&1 &
BENCH_TAG=qat-learn bash tools/bench/gpu/train-bench.sh qat "$epochs" "$model" "$imgsz" 32 0 "$limit" > "$out/qat.out" 2>&1 &
if [ -n "${STOCK_MODEL:-}" ]; then
  for v in qat qat-stock; do
    BENCH_TAG=$v-small BENCH_WORKERS=4 bash tools/bench/gpu/train-bench.sh $v "${STOCK_EPOCHS:-40}" "$STOCK_MODEL" "${STOCK_IMGSZ:-320}" 32 0 "$limit" > "$out/$v-small.out" 2>&1 &
  done
fi
wait
tail -2 "$out"/*.out
small=(); [ -n "${STOCK_MODEL:-}" ] && small=("$out/results-qat-small.csv" "$out/results-qat-stock-small.csv")
python3 - "$out/results-fp16-learn.csv" "$out/results-qat-learn.csv" "${small[@]}" <<'PY' | tee "$out/learn.txt"
import csv, sys
def read(path):
    try:
        rows = list(csv.DictReader(open(path)))
    except FileNotFoundError:
        return {}
    return {int(float(r["epoch"])): (float(r["metrics/mAP50-95(B)"]), float(r["metrics/mAP50(B)"])) for r in (
        {k.strip(): v for k, v in row.items()} for row in rows)}
def table(a, b, name_a, name_b):
    print(f"| epoch | {name_a} mAP50-95 | {name_b} mAP50-95 | difference | {name_a} mAP50 | {name_b} mAP50 |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for e in sorted(set(a) | set(b)):
        f, q = a.get(e, (float("nan"),) * 2), b.get(e, (float("nan"),) * 2)
        print(f"| {e} | {f[0]:.4f} | {q[0]:.4f} | {f[0] - q[0]:+.4f} | {f[1]:.4f} | {q[1]:.4f} |")
fp16, qat = read(sys.argv[1]), read(sys.argv[2])
if len(sys.argv) > 3:
    print("\nsmall model, QAT batched vs QAT stock Brevitas:")
    table(read(sys.argv[3]), read(sys.argv[4]), "batched", "stock")
    print()
print("| epoch | FP16 mAP50-95 | QAT mAP50-95 | FP16 - QAT | FP16 mAP50 | QAT mAP50 |")
print("| ---: | ---: | ---: | ---: | ---: | ---: |")
for e in sorted(set(fp16) | set(qat)):
    f, q = fp16.get(e, (float("nan"),) * 2), qat.get(e, (float("nan"),) * 2)
    print(f"| {e} | {f[0]:.4f} | {q[0]:.4f} | {f[0] - q[0]:+.4f} | {f[1]:.4f} | {q[1]:.4f} |")
PY

#!/usr/bin/env bash
# Learning, epoch for epoch (issue: fast training): our FP16 and our QAT trainers (batched weight quantization)
# on the same synthetic set (.gpu-data: the gpu profile's 700/100 images) with the same fixed schedule, both at
# once on the one lent GPU (so their wall times are not speed figures: speed-bench.sh measures speed). Prints
# mAP50-95 and mAP50 per epoch side by side and the FP16 - QAT gap.
#
#   bash tools/bench/gpu/learn-bench.sh [epochs=30] [model=yolov10m.yaml] [imgsz=640] [limit-s=430]
set -uo pipefail
epochs=${1:-30} model=${2:-yolov10m.yaml} imgsz=${3:-640} limit=${4:-430}
out=${OUT:-/tmp/learn-out}; mkdir -p "$out"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl && touch /tmp/site/.installed || exit 1
BENCH_TAG=fp16-learn bash tools/bench/gpu/train-bench.sh fp16 "$epochs" "$model" "$imgsz" 32 0 "$limit" > "$out/fp16.out" 2>&1 &
BENCH_TAG=qat-learn bash tools/bench/gpu/train-bench.sh qat "$epochs" "$model" "$imgsz" 32 0 "$limit" > "$out/qat.out" 2>&1 &
wait
tail -2 "$out/fp16.out" "$out/qat.out"
python3 - "$out/results-fp16-learn.csv" "$out/results-qat-learn.csv" <<'PY' | tee "$out/learn.txt"
import csv, sys
def read(path):
    try:
        rows = list(csv.DictReader(open(path)))
    except FileNotFoundError:
        return {}
    return {int(float(r["epoch"])): (float(r["metrics/mAP50-95(B)"]), float(r["metrics/mAP50(B)"])) for r in (
        {k.strip(): v for k, v in row.items()} for row in rows)}
fp16, qat = read(sys.argv[1]), read(sys.argv[2])
print("| epoch | FP16 mAP50-95 | QAT mAP50-95 | FP16 - QAT | FP16 mAP50 | QAT mAP50 |")
print("| ---: | ---: | ---: | ---: | ---: | ---: |")
for e in sorted(set(fp16) | set(qat)):
    f, q = fp16.get(e, (float("nan"),) * 2), qat.get(e, (float("nan"),) * 2)
    print(f"| {e} | {f[0]:.4f} | {q[0]:.4f} | {f[0] - q[0]:+.4f} | {f[1]:.4f} | {q[1]:.4f} |")
PY

#!/usr/bin/env bash
# Runs the evaluator benchmarks (inference-ceiling.ts, bench.ts) on a bare Linux x86-64 host that has Python with
# torch, onnxruntime and cv2 but no node (the lent GPU machine); PAYLOAD is described in bare-host-setup.sh.
# Usage: bash tools/bench/eval/on-bare-host.sh PAYLOAD OUTDIR [IMAGES] [ROUNDS] [SESSION COUNTS...]
# Writes OUTDIR/ceiling-yolov10n.txt, ceiling-yolov10m.txt and bench.txt (each with command, machine and date).
set -euo pipefail
payload=$1 out=$2 images=${3:-64} rounds=${4:-3}
shift $(( $# < 4 ? $# : 4 ))
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 4 8)

mkdir -p "$out"
. "$(dirname "$0")/bare-host-setup.sh" "$payload"

models=/tmp/eval-models
PYTHONPATH=libs/yolo-py:/tmp/site python3 tools/bench/eval/export_project_models.py "$models" 640 18 yolov10n yolov10m > "$out/export.log" 2>&1
lscpu > "$out/lscpu.txt"
for m in yolov10n yolov10m; do
  node --import tsx tools/bench/eval/inference-ceiling.ts "$models/$m/fp16.onnx" --rounds "$rounds" --runs 20 --sessions 4 > "$out/ceiling-$m.txt"
done
variants=()
for n in "${counts[@]}"; do variants+=("--variant=--sessions $n"); done
node --import tsx tools/bench/eval/bench.ts --images "$images" --imgsz 640 --onnx "$models/yolov10n/fp16.onnx,$models/yolov10m/fp16.onnx" \
  --rounds "$rounds" --latency-runs 10 "${variants[@]}" > "$out/bench.txt"

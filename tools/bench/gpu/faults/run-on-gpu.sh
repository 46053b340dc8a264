#!/usr/bin/env bash
# Issue 25's GPU checks in one call on the lent GPU machine: the capture-vs-pin-thread probe and the fault
# campaign (kill -9 x N per variant, NaN mid-run, OOM in the first epoch), side by side on the one GPU.
# Carried: .whl/ (ultralytics, brevitas and the packages the machine lacks) and .gpu-data/ (prepare-data.ts).
#   bash tools/bench/gpu/faults/run-on-gpu.sh [campaign options...]
set -uo pipefail
root=$(pwd); out=${OUT:-/tmp/fault-out}; mkdir -p "$out"
# Installed once per machine: another check may already be importing from /tmp/site.
[ -f /tmp/site/.installed ] || python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$root/libs/yolo-py:$root/tools/bench/gpu/polars_stub PYTHONUNBUFFERED=1 YOLO_OFFLINE=true
export FAULT_EPOCH=${FAULT_EPOCH:-5} FAULT_CALL=${FAULT_CALL:-3}
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
sed -i "s#^path: .*#path: \"$root/.gpu-data\"#" .gpu-data/data.yaml
touch /tmp/site/.installed  # train-bench.sh installs nothing more
if [ "${PROBE:-1}" = 1 ]; then python3 tools/bench/gpu/capture_vs_pin_thread.py > "$out/capture-vs-pin-thread.txt" 2>&1 & fi
# CURVE=1: beside the campaign, the gpu profile's QAT training (yolov10m, 640 px, 30 epochs; its results.csv has the
# per-epoch code-change share) through train-bench.sh, cut at CURVE_LIMIT_S.
if [ "${CURVE:-0}" = 1 ]; then BENCH_TAG=qat-gpu-profile BENCH_WORKERS=6 bash tools/bench/gpu/train-bench.sh qat 30 yolov10m.yaml 640 32 0 "${CURVE_LIMIT_S:-500}" > /tmp/curve-console.txt 2>&1 & fi
python3 tools/bench/gpu/faults/campaign.py .gpu-data "$out" "$@" 2>&1 | tee "$out/fault-campaign.txt" | grep -v '^\s*$' | tail -60
wait
[ -f "$out/capture-vs-pin-thread.txt" ] && cat "$out/capture-vs-pin-thread.txt"
[ -f "$out/bench-qat-gpu-profile.txt" ] && cat "$out/bench-qat-gpu-profile.txt"
true

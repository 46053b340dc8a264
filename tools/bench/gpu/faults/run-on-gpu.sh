#!/usr/bin/env bash
# Issue 25's GPU checks in one call on the lent GPU machine: the capture-vs-pin-thread probe and the fault
# campaign (kill -9 x N per variant, NaN mid-run, OOM in the first epoch), side by side on the one GPU.
# Carried: .whl/ (ultralytics, brevitas and the packages the machine lacks) and .gpu-data/ (prepare-data.ts).
#   bash tools/bench/gpu/faults/run-on-gpu.sh [campaign options...]
set -uo pipefail
root=$(pwd); out=${OUT:-/tmp/fault-out}; mkdir -p "$out"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$root/libs/yolo-py:$root/tools/bench/gpu/polars_stub PYTHONUNBUFFERED=1 YOLO_OFFLINE=true
export FAULT_EPOCH=${FAULT_EPOCH:-5} FAULT_CALL=${FAULT_CALL:-3}
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
sed -i "s#^path: .*#path: \"$root/.gpu-data\"#" .gpu-data/data.yaml
python3 tools/bench/gpu/capture_vs_pin_thread.py > "$out/capture-vs-pin-thread.txt" 2>&1 &
probe=$!
python3 tools/bench/gpu/faults/campaign.py .gpu-data "$out" "$@" 2>&1 | tee "$out/fault-campaign.txt" | grep -v '^\s*$' | tail -60
wait $probe
cat "$out/capture-vs-pin-thread.txt"

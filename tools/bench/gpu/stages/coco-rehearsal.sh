#!/usr/bin/env bash
# The coco profile rehearsed at COCO's scale on the lent GPU (issue 26, item 6), through the product's stage scripts
# (run-stages.sh): the gpu profile's dataset stage makes the synthetic source, make_coco_scale.py turns it into a
# COCO2017 layout with COCO's image and annotation counts, then the coco profile's dataset and hyps stages run on
# it, and train-fp16 with the coco profile's settings runs until TRAIN_BOX_S (start-up with label caching, then
# steady training; its progress lines give images/s).
#   bash tools/bench/gpu/stages/coco-rehearsal.sh PAYLOAD [TRAIN_BOX_S=180]
set -uo pipefail
payload=$1 box=${2:-180}
out=${OUT:-/tmp/stages-out}; mkdir -p "$out"
coco=/tmp/coco-scale
bash tools/bench/gpu/stages/run-stages.sh "$payload" gpu source dataset > "$out/source.txt" 2>&1 || { cat "$out/source.txt"; exit 1; }
source_root=$(pwd)/tmp/yolov10m_scratch_fp16_vs_w4a16_qat_brevitas/source/dataset/source
python3 tools/bench/gpu/stages/make_coco_scale.py "$source_root" "$coco" | tee "$out/coco-scale.txt"
df -h /tmp | tail -1 >> "$out/coco-scale.txt"
COCO_ROOT=$coco bash tools/bench/gpu/stages/run-stages.sh "$payload" coco rehearsal dataset hyps "train-fp16@$box"
log=tmp/stages-done/rehearsal/train-fp16.log
# What the training said while it ran: start-up lines, progress lines (images/s, ETA), memory.
tr '\r' '\n' < "$log" | grep -a -E '^\[fp16\]|Scanning.*100%|cache created|Using [0-9]+ train|CUDA graphs|dataset:' | uniq | tail -60 > "$out/train-fp16-excerpt.txt"
cat "$out/train-fp16-excerpt.txt" | tail -25

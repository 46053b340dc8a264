#!/usr/bin/env bash
# Trains a small model with the project's trainer long enough to detect something (YOLOv10n, 160 px, on a finished
# run's dataset), and exports it with the export stage's code, for tools/parity/ultralytics-val.ts.
#   bash tools/parity/train-model.sh [run-id=demo] [epochs=30]   ->  tmp/parity-model/{fp16,onnx}
set -euo pipefail
cd "$(dirname "$0")/../.."
run_id=${1:-demo} epochs=${2:-30}
dataset=$PWD/tmp/yolov10m_scratch_fp16_vs_w4a16_qat_brevitas/$run_id/dataset
out=$PWD/tmp/parity-model
[ -f "$dataset/data.yaml" ] || { echo "no dataset at $dataset: run the pipeline first" >&2; exit 2; }
rm -rf "$out" && mkdir -p "$out/onnx"
python=$(node --import tsx -e "import('./libs/core/src/python-env.ts').then(async (m) => console.log(await m.ensureVenv()))")
export PYTHONPATH=$PWD/libs/yolo-py YOLO_OFFLINE=true YOLO_AUTOINSTALL=false
hyps=$(node --import tsx -e "import('./libs/hyps/src/mapping.ts').then(async (m) => { const y = await import('yaml'); const fs = await import('node:fs'); console.log(JSON.stringify(m.mapHyps(y.parse(fs.readFileSync('conf/hyp.scratch.yaml', 'utf8'))).args)); })")
cat > "$out/request.json" <<JSON
{"variant": "fp16", "model": "yolov10n.yaml", "data": "$dataset/data.yaml", "save_dir": "$out/fp16", "epochs": $epochs,
 "batch": 16, "imgsz": 160, "seed": 0, "optimizer": "SGD", "amp": true, "close_mosaic": 5, "save_period": 100,
 "device": "cpu", "workers": 2, "cuda_graphs": true, "hyps": $hyps, "qat": null, "resume_from": null,
 "val_head": "one2one", "collapse_watch": null, "distill": null, "fine_tune": null}
JSON
"$python" -m yolo_py.train "$out/request.json" "$out/yolo-config" | grep -E "^\[fp16\] (training|epoch [0-9]+/[0-9]+ done)"
cat > "$out/export.json" <<JSON
{"out_dir": "$out/onnx", "imgsz": 160, "opset": 18, "models": [{"variant": "fp16", "head": "one2one", "checkpoint": "$out/fp16/weights/best.pt", "file": "model.onnx"}]}
JSON
"$python" -m yolo_py.export_cli "$out/export.json" "$out/yolo-config"

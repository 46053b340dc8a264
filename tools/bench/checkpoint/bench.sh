#!/usr/bin/env bash
# Checkpoint write time and size per training variant (issue 26 item 6, issue 29 item 3), through the product's own
# trainer: yolo_py.train runs the experiment's model (yolov10m) for a few short epochs on a tiny synthetic dataset, so
# nearly all of an epoch's out-of-loop time is the checkpoint writes (last.pt, best.pt when it improved, epochN.pt
# every save_period), which depend on the model alone, not on the data. Plain Ultralytics (the reference), FP16 and
# QAT runs alternate, repeated.
# The trainer prints each epoch's "(… s checkpoints)"; this script collects them and the files' sizes.
#   bash tools/bench/checkpoint/bench.sh [rounds=2] [epochs=3] [device=cpu] [save_period=1]
# Needs node (prepare-data.ts) and the project's Python (.venv, or PYTHON=python3).
set -uo pipefail
rounds=${1:-2} epochs=${2:-3} device=${3:-cpu} save_period=${4:-1}
root=$(pwd) python=${PYTHON:-$root/.venv/bin/python}
work=$(mktemp -d /tmp/ckpt-bench.XXXXXX); trap 'rm -rf "$work"' EXIT
echo "command: bash tools/bench/checkpoint/bench.sh $*"
echo "date: $(date -u +%FT%TZ)"
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
echo "machine: ${gpu:+$gpu, }$(nproc) CPU cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); disk of $work: $(df -h --output=source,fstype "$work" | tail -1 | xargs)"
"$python" -c 'import torch, ultralytics, brevitas, platform; print(f"python {platform.python_version()}, torch {torch.__version__}, ultralytics {ultralytics.__version__}, brevitas {brevitas.__version__}")' 2>/dev/null
npx tsx tools/bench/gpu/prepare-data.ts "$work/data" --train 8 --val 4 > "$work/prepare.log" 2>&1 || { cat "$work/prepare.log"; exit 1; }
sed -i "s#^path: .*#path: \"$work/data\"#" "$work/data/data.yaml"
request() {  # <variant> <round>: the experiment's model and optimizer, at a size where the epoch's own work is small
  "$python" - "$1" "$epochs" "$work" "$device" "$save_period" "$work/run-$1-$2" <<'PY'
import json, sys
variant, epochs, work, device, save_period, run = sys.argv[1:]
qat = {"weight_bit_width": 4, "per_channel": True, "narrow_range": True, "keep_float": ["*.dfl.conv"], "layers": []}
print(json.dumps({
    "variant": variant, "model": "yolov10m.yaml", "data": f"{work}/data/data.yaml", "save_dir": run,
    "epochs": int(epochs), "batch": 4, "imgsz": 64, "seed": 0, "optimizer": "SGD", "amp": device != "cpu", "close_mosaic": 0,
    "save_period": int(save_period), "device": device, "workers": 0, "cuda_graphs": False, "hyps": json.load(open(f"{work}/data/hyps.json")),
    "qat": qat if variant == "qat" else None, "resume_from": None, "val_head": "one2one", "collapse_watch": None, "distill": None, "fine_tune": None,
}))
PY
}
# save_period 1 (the default here): every epoch writes last.pt, copies it to epochN.pt and, when it improved, to
# best.pt: the most an epoch of a coco run writes (its save_period is 5). The size is the first epoch*.pt's: a
# checkpoint as written during training, with the optimizer's state (the finished files are stripped of it).
# plain: the reference, Ultralytics' own trainer on the FP16 request (plain_ultralytics.py, its save_model timed).
printf 'variant\tround\tepoch\tcheckpoint_s\tvalidation_s\tcheckpoint_MB\n'
for r in $(seq "$rounds"); do
  for variant in plain fp16 qat; do
    log=$work/log-$variant-$r.txt run=$work/run-$variant-$r
    if [ "$variant" = plain ]; then
      request fp16 "$r" | sed "s#run-fp16-$r#run-plain-$r#" > "$work/request-plain-$r.json"
      command=(tools/bench/checkpoint/plain_ultralytics.py "$work/request-plain-$r.json" "$work/yolo-config")
      pattern="s#^\[plain\] epoch ([0-9]+): ([0-9.]+) s checkpoints#\1\t\2\t-#"
    else
      request "$variant" "$r" > "$work/request-$variant-$r.json"
      command=(-m yolo_py.train "$work/request-$variant-$r.json" "$work/yolo-config")
      pattern="s#^\[$variant\] epoch ([0-9]+)/[0-9]+ done.*, ([0-9.]+) s validation, ([0-9.]+) s checkpoints\)#\1\t\3\t\2#"
    fi
    if ! PYTHONPATH=$root/libs/yolo-py "$python" "${command[@]}" > "$log" 2>&1; then
      echo "$variant round $r FAILED:"; tail -5 "$log"; exit 1
    fi
    first=$(ls "$run"/weights/epoch*.pt 2>/dev/null | sort -V | head -1)
    size=$([ -n "$first" ] && stat -c %s "$first" | awk '{printf "%.0f", $1/1e6}')
    tr '\r' '\n' < "$log" | grep -a -E "^\[$variant\] epoch [0-9]+" | sed -E "$pattern" | grep -v '^\[' |
      while IFS=$'\t' read -r epoch ckpt val; do printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$variant" "$r" "$epoch" "$ckpt" "$val" "${size:--}"; done
  done
done

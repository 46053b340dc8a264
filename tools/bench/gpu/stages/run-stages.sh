#!/usr/bin/env bash
# The product's stages on a GPU host without node (the lent GPU machine), each started exactly as the Nx stage
# executor starts it: `node --import tsx libs/<stage>/src/stage.ts --profile P --run-id R`. node, node_modules and the
# wheels come from PAYLOAD (tools/bench/gpu/stages/make-payload.sh); the stages' Python is python3 through a
# .venv/bin/python wrapper stamped with requirements.lock's hash, so the stages build no environment.
#   bash tools/bench/gpu/stages/run-stages.sh PAYLOAD PROFILE RUN_ID [STAGE ...]
# A STAGE "a+b" runs a and b side by side (the two trainings on one GPU); "a@S" cuts a after S seconds (measure.py's
# time box: a rehearsal of a days-long training). A stage that finished in an earlier call on
# the same (still warm) machine is skipped. After each stage, OUT gets stages.tsv (exit, wall s, peak RSS per stage),
# the stage logs and artifacts.tar.xz: the run root's files under 2 MB (run.json, results.csv, metrics, export and
# PTQ reports: what the summary stage reads), so a summary can be rendered where Chromium runs.
set -uo pipefail
payload=$1 profile=$2 run_id=$3; shift 3
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(dataset hyps train-fp16+train-qat train-qat-ft export ptq-w4a16 ptq-w8a8 eval)
root=$(pwd) out=${OUT:-/tmp/stages-out} done_dir=$(pwd)/tmp/stages-done/$run_id
mkdir -p "$out" "$done_dir"
{ date -u +"date: %Y-%m-%dT%H:%M:%SZ"; echo "command: bash tools/bench/gpu/stages/run-stages.sh PAYLOAD $profile $run_id ${stages[*]}";
  echo "machine: $(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null | head -1), $(nproc) CPU cores"; } | tee -a "$out/header.txt"

if ! command -v node >/dev/null || [ ! -d node_modules/tsx ]; then
  . tools/bench/eval/bare-host-setup.sh "$payload"
fi
export PATH=/tmp/node/bin:$PATH
mkdir -p .venv/bin
printf '#!/bin/sh\nexport PYTHONPATH="$PYTHONPATH:/tmp/site:%s/tools/bench/gpu/polars_stub"\nexec python3 "$@"\n' "$root" > .venv/bin/python
chmod +x .venv/bin/python
sha256sum requirements.lock | cut -d' ' -f1 > .venv/.lock-sha256

run_root=$root/tmp/yolov10m_scratch_fp16_vs_w4a16_qat_brevitas/$run_id
pack() {
  cp "$done_dir/stages.tsv" "$out/" 2>/dev/null
  (cd "$root" && tar -cJf "$out/logs.tar.xz" -C "$done_dir" --exclude=stages.tsv . 2>/dev/null)
  [ -d "$run_root" ] && (cd "$run_root" && { find . -type f -size -2M ! -name '*.pt' ! -name '*.onnx' ! -path './dataset/*' -print0;
    find ./dataset -maxdepth 1 -type f -print0 2>/dev/null; } | tar -cJf "$out/artifacts.tar.xz" --null -T -)
  [ -d "$run_root" ] && (cd "$run_root" && find . -type f ! -path './dataset/labels/*' -printf '%s\t%p\n' | sort -k2 > "$out/files.tsv"; du -sh . >> "$out/files.tsv")
}
one() {
  local stage=${1%@*} box=()
  [ "$1" != "$stage" ] && box=(--time-box "${1#*@}")
  python3 tools/bench/gpu/stages/measure.py "$done_dir/stages.tsv" "$stage" "$done_dir/$stage.log" "${box[@]}" -- \
    node --import tsx "libs/$stage/src/stage.ts" --profile "$profile" --run-id "$run_id" || return 1
  [ ${#box[@]} -gt 0 ] || touch "$done_dir/$stage.done"  # a cut stage is measured, not finished
}
for group in "${stages[@]}"; do
  IFS=+ read -r -a parts <<< "$group"
  pids=()
  for stage in "${parts[@]}"; do
    if [ -f "$done_dir/${stage%@*}.done" ]; then echo "$stage: finished in an earlier call"; continue; fi
    one "$stage" & pids+=($!)
  done
  failed=0
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  pack
  if [ $failed = 1 ]; then echo "stopped: a stage of '$group' failed (logs in $out/logs.tar.xz)"; break; fi
done
cat "$done_dir/stages.tsv" 2>/dev/null

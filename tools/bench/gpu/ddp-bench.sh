#!/usr/bin/env bash
# Multi-GPU benchmark on one host with two GPUs (run on the lent nvidia-h200-x2), using train-bench.sh:
#   part "scaling":  each variant on one GPU and with DDP on two ("0,1"): images/s and the scaling ratio
#   part "side":     both trainings side by side (fp16 on GPU 0, qat on GPU 1)
#   part "resume":   a DDP run of each variant stopped mid-run (SIGTERM to the launcher once the 2nd epoch's
#                    checkpoint exists) and resumed from its last checkpoint; qat gets its own epoch count
#                    because its epochs are 4x longer
# Results: $OUT/ddp-<part>.txt (the figures) and $OUT/ddp-<part>-raw.tar.gz (every log, results.csv, run.json).
#
#   bash tools/bench/gpu/ddp-bench.sh <scaling|side|resume> [epochs=6] [qat-epochs=epochs]
set -uo pipefail
part=$1 epochs=${2:-6} qat_epochs=${3:-${2:-6}}
final_out=${OUT:-/tmp/ddp-out}; mkdir -p "$final_out"
export OUT=/tmp/ddp-raw-$part; rm -rf "$OUT"; mkdir -p "$OUT"
bench() { BENCH_TAG=$1 bash tools/bench/gpu/train-bench.sh "${@:2}"; }
summary=$final_out/ddp-$part.txt
{
  echo "command: bash tools/bench/gpu/ddp-bench.sh $*"
  echo "date: $(date -u +%FT%TZ)"
  echo "machine: $(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | paste -sd';'), $(nproc) CPU cores"
} > "$summary"
case $part in
  scaling)
    for variant in fp16 qat; do
      bench "$variant-1gpu" "$variant" "$epochs" yolov10m.yaml 640 32 0 240
      bench "$variant-2gpu" "$variant" "$epochs" yolov10m.yaml 640 32 0,1 240
    done
    ;;
  side)
    bench fp16-side "fp16" "$epochs" yolov10m.yaml 640 32 0 240 &
    bench qat-side "qat" "$qat_epochs" yolov10m.yaml 640 32 1 240 &
    wait
    ;;
  resume)
    for variant in fp16 qat; do
      tag=$variant-ddp-resume n=$epochs
      [ "$variant" = qat ] && n=$qat_epochs
      # Stop the DDP launcher with SIGTERM once the second epoch's checkpoint exists (mid-run, not by a guessed
      # timeout), check its workers exit with it (yolo_py/lifeline.py), then resume.
      OUT=$OUT/first bench "$tag" "$variant" "$n" yolov10m.yaml 640 32 0,1 240 &
      bench_pid=$!
      # The fp16 checkpoint pickles Ultralytics classes: the poll needs the carried packages on its path.
      until PYTHONPATH=/tmp/site python3 -c "import sys, torch; c = torch.load(sys.argv[1], map_location='cpu', weights_only=False); sys.exit(0 if c.get('extra', c).get('epoch', -1) >= 1 else 1)" /tmp/bench-$tag/weights/last.pt 2>/dev/null; do
        sleep 2; kill -0 $bench_pid 2>/dev/null || break
      done
      pkill -TERM -f "yolo_py.train /tmp/request-$tag.json"
      wait $bench_pid
      sleep 5
      echo "$tag: DDP processes left after stopping the launcher: $(pgrep -fc "yolo-config-$tag/Ultralytics/DDP" || true)" >> "$OUT/bench-$tag-stop.txt"
      echo "$tag: epochs in results.csv before resuming: $(($(wc -l < /tmp/bench-$tag/results.csv) - 1))" >> "$OUT/bench-$tag-stop.txt"
      BENCH_RESUME=1 bench "$tag" "$variant" "$n" yolov10m.yaml 640 32 0,1 240
      {
        echo "$tag: weights after resuming: $(ls /tmp/bench-$tag/weights | paste -sd' ')"
        echo "$tag: results.csv epochs after resuming: $(tail -n +2 /tmp/bench-$tag/results.csv | cut -d, -f1 | paste -sd' ')"
      } >> "$OUT/bench-$tag-stop.txt"
    done
    ;;
  *) echo "unknown part '$part'" >&2; exit 2 ;;
esac
grep -h -E "^(fp16|qat)|exit status|^\[.*(resuming|training from)" "$OUT"/bench-*.txt "$OUT"/log-*.txt "$OUT"/first/*.txt 2>/dev/null | tee -a "$summary"
tar czf "$final_out/ddp-$part-raw.tar.gz" -C "$OUT" .

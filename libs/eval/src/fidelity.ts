/**
 * Export and eval fidelity, checked on every eval: the ONNX file's mAP50-95 on Ultralytics' metric against the
 * training's own final validation of the same checkpoint (best.pt) and head (run.json finalMetrics and valHead). The
 * two score the same weights on the same val images with Ultralytics' matching and AP, so what is left between them
 * is how the model is run and fed to the metric:
 *  - rect batches vs square letterbox: Ultralytics validates a training in rectangular batches (each batch padded only
 *    to its own aspect ratio, plus half a stride); the fixed-size ONNX file sees every image letterboxed to a square,
 *    with other padding around it, so boxes and scores move;
 *  - half precision: under AMP on CUDA the final validation runs the model in float16, the ONNX file runs in float32;
 *  - clipped boxes: this evaluator's Ultralytics metric matches the boxes written to the COCO results, clipped to the
 *    image (ultralytics-metric/), where Ultralytics matches the model's unclipped boxes in the letterboxed input; a
 *    clipped box overlaps its in-image ground truth at least as well, so this only ever raises the ONNX score;
 *  - torch vs ONNX Runtime float32 arithmetic (export.json's torch-vs-ORT agreement: well under 0.01 px) and the
 *    label files' 6-digit boxes: too small to show in mAP50-95.
 * Measured on a CPU (tools/bench/fidelity/results/, README.md "Export and eval fidelity"; yolov10n at 160 px, FP16 and
 * QAT, 40 epochs, 150 val images, checkpoints at mAP50-95 0.03-0.09, both heads): rect vs square moved mAP50-95 by
 * -0.0031 to +0.0024 (up to 4% of it); clipping raised it by 0.0019-0.0039 (up to 7%); half precision moved it by at
 * most 0.0007 (0.8%). Together, -0.0003 to +0.0056, up to 9.9% of the training's mAP50-95 (at 0.04). The eval stage's
 * ONNX files came to +0.0002 (FP16) and +0.0018 (QAT) on the validated one-to-one heads, and -0.0002 and +0.0061 on the
 * one-to-many heads. What the check is for moves it by far more: pixels fed unnormalised (0.0833 -> 0.0001), every
 * QCDQ weight scale 5% off (0.0934 -> 0.0236), a wrong class map. Subtler faults stay inside the tolerance and are
 * caught elsewhere: scales 1% off (-0.0023) by export.json's torch-vs-ORT agreement, swapped colour channels (+0.0055
 * on these shapes) by the letterbox parity tests.
 */
import type { ValHead } from '../../core/src/config/schema.ts';
import type { Fidelity } from '../../core/src/schemas/eval.ts';
import { finalValidationMapKey } from '../../core/src/schemas/training.ts';

/**
 * Largest |ONNX − training| mAP50-95 that counts as the same model: 10% of the training's mAP50-95, the largest
 * relative difference measured, and never less than 0.01, above every absolute difference measured (0.0061, 0.0068
 * with half precision's 0.0007 added), where a small val set or a barely trained model makes a relative bound
 * meaningless (the ci and demo profiles' mAPs are near 0). Nothing was measured above mAP50-95 0.1: the relative part
 * assumes the effects keep scaling with mAP. On COCO at mAP50-95 0.5 it allows ±0.05.
 */
export const fidelityToleranceRule = { relative: 0.1, floor: 0.01 } as const;
export const fidelityTolerance = (trainingMap50_95: number): number =>
  Math.max(fidelityToleranceRule.floor, fidelityToleranceRule.relative * Math.abs(trainingMap50_95));

/** What a run.json says about its final validation: the head it validated and its mAP50-95 (null: none recorded). */
export interface FinalValidation {
  readonly head: ValHead;
  readonly map50_95: number | null;
}

/**
 * The final validation a run.json records. Runs trained before valHead existed validated the one-to-many head with
 * NMS (Ultralytics' default); runs that never reached the final validation have no finalMetrics.
 */
export function finalValidationOf(run: { valHead?: ValHead | undefined; finalMetrics?: Record<string, number> | null | undefined }): FinalValidation {
  const map = run.finalMetrics?.[finalValidationMapKey];
  return { head: run.valHead ?? 'one2many-nms', map50_95: typeof map === 'number' && Number.isFinite(map) ? map : null };
}

/** The comparison metrics.json carries as `fidelity`. Pure. */
export function compareFidelity(head: ValHead, trainingMap50_95: number, onnxMap50_95: number, tolerance = fidelityTolerance(trainingMap50_95)): Fidelity {
  const difference = onnxMap50_95 - trainingMap50_95;
  return { head, trainingMap50_95, onnxMap50_95, difference, tolerance, withinTolerance: Math.abs(difference) <= tolerance };
}

const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(4)}`;

/**
 * The line the eval stage prints: the two numbers and their difference, and beyond the tolerance a warning that names
 * the model, its file and both numbers. `model` names the model and head, `onnxFile` and `runJson` the two sources.
 */
export function describeFidelity(f: Fidelity, model: string, onnxFile: string, runJson: string): string {
  const numbers =
    `ONNX mAP50-95 ${f.onnxMap50_95.toFixed(4)} (${onnxFile}, Ultralytics' metric) vs the training's final validation ` +
    `${f.trainingMap50_95.toFixed(4)} (${runJson}): difference ${signed(f.difference)}`;
  const bound = `±${f.tolerance.toFixed(4)}`;
  if (f.withinTolerance) return `fidelity, ${model}: ${numbers}, within ${bound}`;
  return (
    `warning: fidelity, ${model}: ${numbers}, beyond the tolerance ${bound}. The ONNX file does not score what ` +
    'training measured for the same checkpoint and head: check the export (export.json torchVsOrt) and the evaluator'
  );
}

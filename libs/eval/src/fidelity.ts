/**
 * Export and eval fidelity, checked on every eval: the ONNX file's mAP50-95 on Ultralytics' metric against the
 * training's own final validation of the same checkpoint (best.pt) and head (run.json finalMetrics and valHead). The
 * two score the same weights on the same val images with the same matching and AP (ultralytics-metric/ reproduces
 * Ultralytics' to 1e-6), so what is left between them is how the model is run:
 *  - rect batches vs square letterbox: Ultralytics validates a training in rectangular batches (each batch padded only
 *    to its own aspect ratio, plus half a stride), the fixed-size ONNX file sees every image letterboxed to a square;
 *    the detector sees other padding around the image, and boxes near the border move;
 *  - half precision: under AMP on CUDA the training's validation runs the model in float16, the ONNX file in float32;
 *  - torch vs ONNX Runtime float32 arithmetic (export.json's torch-vs-ORT agreement: ~0.01 px, ~1e-5 in scores);
 *  - ground truth read from the YOLO label files' 6-digit text (training) vs the COCO json (eval).
 * None of these moves mAP50-95 by more than a few thousandths on a trained model; a broken export (a wrong scale, a
 * lost layer, a head mix-up) or a broken evaluator moves it by far more. The tolerance sits between the two:
 * fidelityTolerance below, measured in README.md ("Export and eval fidelity").
 */
import type { ValHead } from '../../core/src/config/schema.ts';
import type { Fidelity } from '../../core/src/schemas/eval.ts';
import { finalValidationMapKey } from '../../core/src/schemas/training.ts';

/**
 * Largest |ONNX − training| mAP50-95 that counts as the same model. Measured (README.md, "Export and eval fidelity"):
 * MEASURED_PLACEHOLDER
 */
export const fidelityTolerance = 0.01;

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
export function compareFidelity(head: ValHead, trainingMap50_95: number, onnxMap50_95: number, tolerance = fidelityTolerance): Fidelity {
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
  if (f.withinTolerance) return `fidelity, ${model}: ${numbers}, within ±${f.tolerance}`;
  return (
    `warning: fidelity, ${model}: ${numbers}, beyond the tolerance ±${f.tolerance}. The ONNX file does not score what ` +
    'training measured for the same checkpoint and head: check the export (export.json torchVsOrt) and the evaluator'
  );
}

/**
 * The eval stage: each variant's ONNX file (the trained FP16 and QAT models, the QAT models' packed INT4 copies,
 * W4A16 PTQ, W8A8 PTQ) scored on the dataset's val split by this project's evaluator
 * (onnxruntime-node + sharp + the COCO bbox metric) -> <run-root>/eval/<variant>.metrics.json.
 *
 * A variant whose ONNX file, annotations, eval settings and evaluator code are all unchanged since the last
 * good output is reused from it instead of re-evaluated (Nx reruns the stage as a whole when either model
 * changes; on COCO val a model costs minutes, so the other one is not scored again).
 *
 * Each trained model is scored with both heads (the one-to-one, NMS-free file and the one-to-many file with this
 * evaluator's NMS), and every eval checks fidelity (fidelity.ts): the file of the head the training validated against
 * the training's final validation (run.json), written into that file's metrics as `fidelity`.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSection, type Profile } from '../../core/src/config/load.ts';
import type { z } from 'zod';
import { readArtifact, requireArtifact } from '../../core/src/artifacts.ts';
import { closureDigest, type CodeEntries } from '../../core/src/code-closure.ts';
import { valHeads } from '../../core/src/config/schema.ts';
import { datasetProvenanceSchema } from '../../core/src/schemas/dataset.ts';
import { evalJsonSchema, metricsJsonSchema, type EvalMemoEntry } from '../../core/src/schemas/eval.ts';
import { exportJsonSchema } from '../../core/src/schemas/export.ts';
import { runJsonSchema } from '../../core/src/schemas/training.ts';
import { UserError } from '../../core/src/errors.ts';
import { canonicalJson, sha256File, sha256Text } from '../../core/src/hashing.ts';
import { artifactFiles, evalOnnxPath, evalVariantOfHead, evalVariants, metricsFileName, packedInt4Of, type EvalVariant, type RunLayout } from '../../core/src/layout.ts';
import { variants, type QuantizedVariant, type Variant } from '../../core/src/variants.ts';
import { evalVariantLabel, variantLabel } from '../../core/src/vocabulary.ts';
import { runStageMain } from '../../core/src/stage-args.ts';
import { exists, writeDirAtomically } from '../../core/src/staging.ts';
import { fromWorkspace, workspaceRoot } from '../../core/src/workspace.ts';
import { cocoIdOfYoloClass } from '../../dataset/src/coco-classes.ts';
import { detectionsPathFor, writeJsonAtomically } from './metrics.ts';
import { evaluateOnnx } from './evaluate-onnx.ts';
import { compareFidelity, describeFidelity, finalValidationOf } from './fidelity.ts';
import { checkPackedEqualsQcdq } from './packed-check.ts';
import type { EvaluatorSettings } from './settings.ts';

/**
 * The evaluator's code: the import closure of this file, the eval target's code input as Nx hashes it (declaration.ts
 * declares this file eval's code), so a fixed evaluator, or a fixed module it imports, never reuses an old score.
 */
export const evaluatorCode: CodeEntries = { ts: [fromWorkspace(fileURLToPath(import.meta.url))], python: [] };

/** The last run's memo; none (everything is scored again) when absent, and a malformed one is named and ignored. */
async function previousMemo(path: string): Promise<z.output<typeof evalJsonSchema> | null> {
  if (!(await exists(path))) return null;
  try {
    return await readArtifact(path, evalJsonSchema, 'eval');
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    process.stdout.write(`[eval] ignoring the previous memo, scoring again: ${error.message}\n`);
    return null;
  }
}

/**
 * The last evaluation's metrics file when it can stand for this one: present, valid, and holding every score this
 * evaluator writes. A file from before Ultralytics' metric was added lacks `ultralytics` and is scored again, whatever
 * the memo says.
 */
export async function reusableMetrics(path: string, variant: EvalVariant): Promise<z.output<typeof metricsJsonSchema> | null> {
  if (!(await exists(path))) return null;
  try {
    const metrics = await readArtifact(path, metricsJsonSchema, 'eval');
    if (metrics.ultralytics) return metrics;
    process.stdout.write(`[eval] ${variant}: ${fromWorkspace(path)} has no Ultralytics metric, scoring again\n`);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    process.stdout.write(`[eval] ${variant}: not reusing the last evaluation, scoring again: ${error.message}\n`);
  }
  return null;
}

/**
 * The fidelity check of one trained model (fidelity.ts): prints the comparison (a warning beyond the tolerance) and
 * writes it as `fidelity` into the metrics, in `dir`, of the file of the head its training validated (null when its
 * run.json records no final validation); the other head's metrics carry none.
 */
export async function checkFidelity(layout: RunLayout, dir: string, variant: Variant, log: (line: string) => void = (line) => void process.stdout.write(`${line}\n`)): Promise<void> {
  const runJson = join(layout.train[variant], artifactFiles.runJson);
  const { head, map50_95: trainingMap } = finalValidationOf(await readArtifact(runJson, runJsonSchema, layout));
  for (const other of valHeads) {
    const scored = evalVariantOfHead[variant][other];
    const path = join(dir, metricsFileName[scored]);
    const { fidelity: _stale, ...metrics } = await readArtifact(path, metricsJsonSchema, 'eval');
    if (other !== head) {
      await writeJsonAtomically(path, metrics);
      continue;
    }
    const model = `${variantLabel[variant]}, ${head} head`;
    const onnxMap = metrics.ultralytics?.mAP50_95;
    if (onnxMap === undefined) throw new UserError("no Ultralytics' metric to compare with the training's", fromWorkspace(path));
    if (trainingMap === null) {
      log(`[eval] warning: fidelity, ${model}: ${fromWorkspace(runJson)} records no final validation (finalMetrics), nothing to compare`);
      await writeJsonAtomically(path, { ...metrics, fidelity: null });
      continue;
    }
    const fidelity = compareFidelity(head, trainingMap, onnxMap);
    log(`[eval] ${describeFidelity(fidelity, model, fromWorkspace(evalOnnxPath(layout, scored)), fromWorkspace(runJson))}`);
    await writeJsonAtomically(path, { ...metrics, fidelity });
  }
}

async function valSplit(layout: RunLayout): Promise<{ imagesDir: string; annotationsPath: string }> {
  const provenancePath = join(layout.dataset, artifactFiles.provenance);
  const provenance = await readArtifact(provenancePath, datasetProvenanceSchema, layout);
  const annotationsPath = provenance.splits.val2017?.annotationFile;
  if (!annotationsPath) throw new UserError('no val2017 split recorded', fromWorkspace(provenancePath));
  return { imagesDir: join(layout.dataset, artifactFiles.valImages), annotationsPath };
}

export async function runEvalStage(profile: Profile, layout: RunLayout): Promise<void> {
  // The input size every scored file was exported at (the PTQ files keep it), from what export wrote.
  const { imgsz } = await readArtifact(join(layout.onnx, artifactFiles.exportJson), exportJsonSchema, layout);
  // Checked where they entered (loadSection: conf/'s schema; export.json's schema): the evaluator takes them as they are.
  const settings: EvaluatorSettings = { ...loadSection('eval', profile), letterbox: loadSection('preprocess', profile).letterbox, imgsz };
  const { imagesDir, annotationsPath } = await valSplit(layout);
  const annotationsSha256 = await sha256File(annotationsPath);
  const codeDigest = closureDigest(workspaceRoot, evaluatorCode);
  const previous = await previousMemo(join(layout.eval, artifactFiles.evalJson));

  await writeDirAtomically(layout.eval, async (staging) => {
    const memo = {} as Record<EvalVariant, EvalMemoEntry>;
    const stats = {} as Record<EvalVariant, readonly number[]>;
    for (const variant of evalVariants) {
      const onnxPath = await requireArtifact(evalOnnxPath(layout, variant), layout, 'no ONNX file');
      const onnxSha256 = await sha256File(onnxPath);
      const key = sha256Text(canonicalJson({ onnxSha256, annotationsSha256, settings, codeDigest }));
      const out = join(staging, metricsFileName[variant]);
      const before = join(layout.eval, metricsFileName[variant]);
      const reusable = previous?.[variant]?.key === key ? await reusableMetrics(before, variant) : null;
      if (reusable) {
        process.stdout.write(`[eval] ${variant}: unchanged since the last evaluation, reusing ${fromWorkspace(before)}\n`);
        await copyFile(before, out);
        if (await exists(detectionsPathFor(before))) await copyFile(detectionsPathFor(before), detectionsPathFor(out));
        memo[variant] = { key, onnxSha256, reused: true };
        stats[variant] = reusable.stats;
        continue;
      }
      process.stdout.write(`[eval] ${evalVariantLabel[variant]}: ${fromWorkspace(onnxPath)} on ${fromWorkspace(imagesDir)}\n`);
      const { metrics } = await evaluateOnnx({
        onnxPath,
        imagesDir,
        annotationsPath,
        classMap: cocoIdOfYoloClass, // the dataset stage's 91->80 labels, whatever categories the val file declares
        settings,
        out,
        log: (line) => process.stdout.write(`[eval] ${variant}: ${line}\n`),
      });
      const u = metrics.ultralytics;
      process.stdout.write(
        `[eval] ${variant}: mAP50-95 ${metrics.mAP50_95.toFixed(4)} mAP50 ${metrics.mAP50.toFixed(4)}; ` +
          `Ultralytics' metric: mAP50-95 ${u.mAP50_95.toFixed(4)} mAP50 ${u.mAP50.toFixed(4)} P ${u.precision.toFixed(4)} R ${u.recall.toFixed(4)}\n`,
      );
      memo[variant] = { key, onnxSha256, reused: false };
      stats[variant] = metrics.stats;
    }
    for (const variant of variants) await checkFidelity(layout, staging, variant);
    const packedChecks = Object.fromEntries(
      Object.entries(packedInt4Of).map(([qcdq, packed]) => {
        const check = checkPackedEqualsQcdq(stats[qcdq as QuantizedVariant], stats[packed], fromWorkspace(evalOnnxPath(layout, packed)));
        process.stdout.write(`[eval] ${packed} vs ${qcdq}: the 12 COCO stats agree (largest difference ${check.maxAbsDiff})\n`);
        return [qcdq, check];
      }),
    );
    await writeFile(join(staging, artifactFiles.evalJson), `${JSON.stringify({ ...memo, packedInt4VsQcdq: packedChecks }, null, 2)}\n`);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) runStageMain(runEvalStage);

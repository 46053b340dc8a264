/**
 * Evaluator parity with Ultralytics: the same ONNX file scored by Ultralytics' own val (save_json, then pycocotools)
 * and by this project's evaluator (libs/eval) with each letterbox style. Prints all, exits 1 if the val-style
 * mAP50-95 differs from Ultralytics' by more than --limit (0.001).
 *
 *   npx tsx tools/parity/ultralytics-val.ts [--run-id demo] [--variant fp16] [--onnx model.onnx] [--imgsz 160]
 *       [--dataset <folder with data.yaml, images/val2017 and provenance.json>] [--annotations <instances_val2017.json>] [--limit 0.001]
 * Uses <run-root>/dataset from a finished pipeline run (or --dataset), and its <run-root>/onnx/<variant>.onnx unless
 * --onnx names another model (e.g. tools/parity/train-model.sh's, trained long enough to detect something).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { defaultProfile, knownProfiles, loadSection, parseProfile } from '../../libs/core/src/config/load.ts';
import { UserError } from '../../libs/core/src/errors.ts';
import { fromWorkspace } from '../../libs/core/src/workspace.ts';
import { artifactFiles, onnxFileName, runLayout } from '../../libs/core/src/layout.ts';
import { readArtifact } from '../../libs/core/src/artifacts.ts';
import { datasetProvenanceSchema } from '../../libs/core/src/schemas/dataset.ts';
import { type Variant } from '../../libs/core/src/variants.ts';
import { pythonPackageRoot } from '../../libs/core/src/python.ts';
import { ensureVenv } from '../../libs/core/src/python-env.ts';
import { cocoIdOfYoloClass } from '../../libs/dataset/src/coco-classes.ts';
import { settingsWith } from '../../libs/eval/src/defaults.ts';
import { evaluateOnnx } from '../../libs/eval/src/evaluate-onnx.ts';
import type { LetterboxStyle } from '../../libs/core/src/images/letterbox.ts';

const { values } = parseArgs({
  options: {
    'run-id': { type: 'string', default: 'demo' },
    variant: { type: 'string', default: 'fp16' },
    onnx: { type: 'string' },
    imgsz: { type: 'string' },
    dataset: { type: 'string' },
    annotations: { type: 'string' },
    limit: { type: 'string', default: '0.001' },
  },
});
const limit = Number(values.limit);
const runId = values['run-id']!;
const layout = runLayout(runId);
const variant = values.variant as Variant;
// A run id named after a profile was made with that profile (Nx's configurations); any other with the default one.
const profile = (knownProfiles as readonly string[]).includes(runId) ? parseProfile(runId, '--run-id') : defaultProfile;
const imgsz = values.imgsz ? Number(values.imgsz) : loadSection('train', profile).imgsz;
const onnx = values.onnx ?? join(layout.onnx, onnxFileName[variant]);
const datasetDir = values.dataset ?? layout.dataset;
// The COCO instances file of the val split: given, or the one the dataset stage recorded.
const provenancePath = join(datasetDir, artifactFiles.provenance);
const annotations: string | undefined =
  values.annotations ?? (await readArtifact(provenancePath, datasetProvenanceSchema, 'dataset')).splits.val2017?.annotationFile;
if (!annotations) throw new UserError('no val2017 split recorded: give --annotations', fromWorkspace(provenancePath));
const scratch = await mkdtemp(join(tmpdir(), 'ultralytics-val-'));
try {
  const classMap = join(scratch, 'class-map.json');
  await writeFile(classMap, JSON.stringify(cocoIdOfYoloClass));
  const out = join(scratch, 'ultralytics.json');
  await execa(await ensureVenv(), [join(import.meta.dirname, 'ultralytics_val.py'), onnx, join(datasetDir, artifactFiles.dataYaml), String(imgsz), annotations, classMap, out], {
    env: { PYTHONPATH: pythonPackageRoot, YOLO_OFFLINE: 'true', YOLO_AUTOINSTALL: 'false' },
    stdio: 'inherit',
  });
  const theirs = JSON.parse(await readFile(out, 'utf8')) as { stats: number[]; ultralyticsMap50_95: number; detections: number };
  const score = (letterbox: LetterboxStyle) =>
    evaluateOnnx({ onnxPath: onnx, imagesDir: join(datasetDir, artifactFiles.valImages), annotationsPath: annotations, classMap: cocoIdOfYoloClass, settings: settingsWith({ imgsz, letterbox, skipLatency: true }), log: () => {} });
  const val = await score('val');
  const predict = await score('predict');
  const diff = Math.abs(val.metrics.mAP50_95 - theirs.stats[0]!);
  const predictDiff = Math.abs(predict.metrics.mAP50_95 - theirs.stats[0]!);
  process.stdout.write(
    [
      `command: npx tsx tools/parity/ultralytics-val.ts ${process.argv.slice(2).join(' ')}`,
      `machine: ${cpus()[0]?.model}, ${cpus().length} cores; ${new Date().toISOString()}; model ${onnx} at ${imgsz}`,
      `| scorer | mAP50-95 | mAP50 | detections |`,
      `| --- | --- | --- | --- |`,
      `| Ultralytics val (save_json) + pycocotools | ${theirs.stats[0]!.toFixed(4)} | ${theirs.stats[1]!.toFixed(4)} | ${theirs.detections} |`,
      `| this evaluator, val letterbox | ${val.metrics.mAP50_95.toFixed(4)} | ${val.metrics.mAP50.toFixed(4)} | ${val.results.length} |`,
      `| this evaluator, predict letterbox | ${predict.metrics.mAP50_95.toFixed(4)} | ${predict.metrics.mAP50.toFixed(4)} | ${predict.results.length} |`,
      `(Ultralytics' own metric: mAP50-95 ${theirs.ultralyticsMap50_95.toFixed(5)})`,
      `|difference in mAP50-95|: val letterbox ${diff.toFixed(5)}, predict letterbox ${predictDiff.toFixed(5)} (limit ${limit} for val): ${diff <= limit ? 'PASS' : 'FAIL'}`,
      '',
    ].join('\n'),
  );
  process.exitCode = diff <= limit ? 0 : 1;
} finally {
  await rm(scratch, { recursive: true, force: true });
}

import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { artifactFiles, metricsFileName, runLayout, type EvalVariant } from '../../core/src/layout.ts';
import { withTempDir } from '../../core/src/testing/temp-dir.ts';
import { cocoStatKeys } from '../../core/src/vocabulary.ts';
import { fidelityTolerance } from './fidelity.ts';
import { checkFidelity } from './stage.ts';

const runJson = (extra: object) => ({
  model: 'yolov10n.yaml', imgsz: 64, epochs: 2, epochsCompleted: 2, batch: 8, device: 'cpu', deviceName: 'cpu', worldSize: 1, amp: false,
  parameters: 1, quantization: null, wallSeconds: 1, trainSeconds: 1, imagesPerSecond: 1, peakGpuMemoryGiB: null, sessions: 1, versions: {},
  ...extra,
});
const metricsFile = (map: number, extra: object = {}) => ({
  stats: cocoStatKeys.map(() => 0.5),
  ...Object.fromEntries(cocoStatKeys.map((key) => [key, 0.5])),
  images: 10,
  latencyMs: null,
  ultralytics: { mAP50_95: map, mAP50: 0.6, precision: 0.7, recall: 0.5 },
  ...extra,
});

/** A run root with the fp16 training's run.json and both heads' metrics (in `dir`, the eval stage's staging folder). */
async function setUp(root: string, run: object, metrics: Partial<Record<EvalVariant, object>>) {
  const layout = runLayout('t', root);
  await mkdir(layout.train.fp16, { recursive: true });
  await writeFile(join(layout.train.fp16, artifactFiles.runJson), JSON.stringify(runJson(run)));
  const dir = join(root, 'staging');
  await mkdir(dir);
  for (const [variant, content] of Object.entries(metrics)) await writeFile(join(dir, metricsFileName[variant as EvalVariant]), JSON.stringify(content));
  const read = async (v: EvalVariant) => JSON.parse(await readFile(join(dir, metricsFileName[v]), 'utf8'));
  const lines: string[] = [];
  await checkFidelity(layout, dir, 'fp16', (line) => lines.push(line));
  return { read, lines };
}

test("every eval writes the fidelity of the head the training validated into that file's metrics, and prints it", async () => {
  await withTempDir(async (root) => {
    const stale = { head: 'one2one', trainingMap50_95: 0, onnxMap50_95: 0, difference: 0, tolerance: 0, withinTolerance: true };
    const { read, lines } = await setUp(root, { valHead: 'one2one', finalMetrics: { 'metrics/mAP50-95(B)': 0.412 } }, {
      fp16: metricsFile(0.409),
      'fp16-one2many': metricsFile(0.42, { fidelity: stale }), // a copy reused from a run whose training validated the other head
    });
    const { fidelity } = await read('fp16');
    assert.equal(fidelity.head, 'one2one');
    assert.equal(fidelity.trainingMap50_95, 0.412);
    assert.equal(fidelity.onnxMap50_95, 0.409);
    assert.ok(Math.abs(fidelity.difference + 0.003) < 1e-12);
    assert.equal(fidelity.tolerance, fidelityTolerance(0.412));
    assert.equal(fidelity.withinTolerance, true);
    assert.ok(!('fidelity' in (await read('fp16-one2many'))), 'the other head carries none');
    assert.deepEqual((await read('fp16')).ultralytics, metricsFile(0.409).ultralytics, 'the rest of the metrics kept');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^\[eval\] fidelity, FP16 \(AMP\), one2one head: ONNX mAP50-95 0\.4090 \(.*yolov10-fp16\.onnx, Ultralytics' metric\) vs the training's final validation 0\.4120 \(.*fp16\/run\.json\): difference -0\.0030, within/);
  });
});

test('a training that validated the one-to-many head is compared with the one-to-many file; beyond the tolerance it warns', async () => {
  await withTempDir(async (root) => {
    const { read, lines } = await setUp(root, { valHead: 'one2many-nms', finalMetrics: { 'metrics/mAP50-95(B)': 0.5 } }, {
      fp16: metricsFile(0.5),
      'fp16-one2many': metricsFile(0.3),
    });
    assert.equal((await read('fp16-one2many')).fidelity.withinTolerance, false);
    assert.ok(!('fidelity' in (await read('fp16'))));
    assert.match(lines[0]!, /^\[eval\] warning: fidelity, FP16 \(AMP\), one2many-nms head: ONNX mAP50-95 0\.3000 .*yolov10-fp16-one2many\.onnx.* 0\.5000 .*beyond the tolerance/);
  });
});

test('a run.json without a final validation: fidelity null and a warning naming the file', async () => {
  await withTempDir(async (root) => {
    const { read, lines } = await setUp(root, { valHead: 'one2one' }, { fp16: metricsFile(0.5), 'fp16-one2many': metricsFile(0.5) });
    assert.equal((await read('fp16')).fidelity, null);
    assert.match(lines[0]!, /warning: fidelity, FP16 \(AMP\), one2one head: .*fp16\/run\.json records no final validation/);
  });
});

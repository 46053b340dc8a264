import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArtifact, readArtifact, requireArtifact } from './artifacts.ts';
import { runLayout } from './layout.ts';
import { metricsJsonSchema } from './schemas/eval.ts';
import { fingerprintJsonSchema } from './schemas/dataset.ts';
import { progressJsonSchema, runJsonSchema, trainRequestSchema } from './schemas/training.ts';
import { UserError } from './errors.ts';
import { cocoStatKeys } from './vocabulary.ts';

const runJson = {
  model: 'yolov10n.yaml', imgsz: 64, epochs: 1, epochsCompleted: 1, batch: 4, device: 'cpu', deviceName: 'cpu', worldSize: 1, amp: false,
  parameters: 2_700_000, quantization: null, wallSeconds: 3.2, trainSeconds: 2.9, imagesPerSecond: 10.5, peakGpuMemoryGiB: null, sessions: 1,
  versions: { torch: '2.14.1', brevitas: null },
};
const stats = Array.from({ length: 12 }, (_, i) => i / 100);
const metricsJson = { stats, ...Object.fromEntries(cocoStatKeys.map((key, i) => [key, stats[i]])), images: 8, latencyMs: null, throughput: null, providers: ['cpu'], extra: 'kept' };

test('a well-formed run.json and metrics.json parse, extra fields kept', () => {
  assert.equal(parseArtifact(JSON.stringify(runJson), runJsonSchema, 'fp16/run.json').epochs, 1);
  assert.equal(parseArtifact(JSON.stringify(metricsJson), metricsJsonSchema, 'eval/fp16.metrics.json').extra, 'kept');
});

test('a corrupted run.json names the file and the field', () => {
  const bad = { ...runJson, epochsCompleted: 'three' };
  assert.throws(() => parseArtifact(JSON.stringify(bad), runJsonSchema, 'fp16/run.json'), (e: unknown) =>
    e instanceof UserError && /^fp16\/run\.json: epochsCompleted: .*number.*, got "three"$/.test(e.message));
  const { amp: _, ...missing } = runJson;
  assert.throws(() => parseArtifact(JSON.stringify(missing), runJsonSchema, 'fp16/run.json'), /fp16\/run\.json: amp: .*got nothing/);
  assert.throws(() => parseArtifact('{"model": ', runJsonSchema, 'fp16/run.json'), /fp16\/run\.json: not valid JSON/);
});

test("run.json's events and batchRequested are optional (older runs); an unknown event kind or a negative epoch names the element", () => {
  assert.equal(parseArtifact(JSON.stringify(runJson), runJsonSchema, 'qat/run.json').events, undefined);
  const events = [
    { epoch: 1, kind: 'batchReduced', message: 'out of GPU memory at batch 32; halved to 16' },
    { epoch: 212, kind: 'collapse', message: 'mAP50-95 below its best for 10 epochs' },
  ];
  const parsed = parseArtifact(JSON.stringify({ ...runJson, batch: 16, batchRequested: 32, events }), runJsonSchema, 'qat/run.json');
  assert.deepEqual([parsed.batch, parsed.batchRequested, parsed.events], [16, 32, events]);
  const unknownKind = { ...runJson, events: [{ epoch: 3, kind: 'meltdown', message: '' }] };
  assert.throws(() => parseArtifact(JSON.stringify(unknownKind), runJsonSchema, 'qat/run.json'), /qat\/run\.json: events\.0\.kind: .*"collapse"\|"nanRecovery"\|"batchReduced"\|"checkpointFallback", got "meltdown"/);
  const negative = { ...runJson, events: [{ epoch: -1, kind: 'nanRecovery', message: '' }] };
  assert.throws(() => parseArtifact(JSON.stringify(negative), runJsonSchema, 'qat/run.json'), /qat\/run\.json: events\.0\.epoch: /);
});

test('a corrupted metrics.json names the file and the field, down to the array element', () => {
  const short = { ...metricsJson, stats: metricsJson.stats.slice(0, 11) };
  assert.throws(() => parseArtifact(JSON.stringify(short), metricsJsonSchema, 'eval/fp16.metrics.json'), /eval\/fp16\.metrics\.json: stats: .*12/);
  const stats = [...metricsJson.stats];
  stats[3] = null as unknown as number;
  assert.throws(() => parseArtifact(JSON.stringify({ ...metricsJson, stats }), metricsJsonSchema, 'eval/fp16.metrics.json'), /eval\/fp16\.metrics\.json: stats\.3: .*got null/);
  const withoutAPs: Record<string, unknown> = { ...metricsJson };
  delete withoutAPs.APs;
  assert.throws(() => parseArtifact(JSON.stringify(withoutAPs), metricsJsonSchema, 'eval/fp16.metrics.json'), /eval\/fp16\.metrics\.json: APs: .*got nothing/);
});

test('a missing artifact names the target that writes it: given, or found by the output folder that holds it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'artifacts-'));
  try {
    await assert.rejects(readArtifact(join(dir, 'run.json'), runJsonSchema, 'train-fp16'), /run\.json: missing: run `npx nx run train-fp16:train-fp16` first/);
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...runJson, device: 3 }));
    await assert.rejects(readArtifact(join(dir, 'run.json'), runJsonSchema, 'train-fp16'), /run\.json: device: /);
    const layout = runLayout('r', dir);
    await assert.rejects(readArtifact(join(layout.train.qat, 'run.json'), runJsonSchema, layout), /qat-w4a16\/run\.json: missing: run `npx nx run train-qat:train-qat` first/);
    await assert.rejects(requireArtifact(join(layout.ptq.w8a8, 'x.onnx'), layout, 'no ONNX file'), /ptq-w8a8\/x\.onnx: no ONNX file: run `npx nx run ptq-w8a8:ptq-w8a8` first/);
    await assert.rejects(requireArtifact(join(layout.dataset, 'images', 'train2017'), layout), /train2017: not found: run `npx nx run dataset:dataset` first/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('request, progress and fingerprint schemas name the field: an unknown request key, a wrong type, a bad digest', () => {
  const request = {
    variant: 'fp16', model: 'yolov10n.yaml', data: '/d/data.yaml', save_dir: '/r/.in-progress/fp16', epochs: 1, batch: 4, imgsz: 64, seed: 0,
    optimizer: 'SGD', amp: false, close_mosaic: 0, save_period: 1, device: 'cpu', workers: 0, cuda_graphs: true, hyps: {}, qat: null, resume_from: null,
    val_head: 'one2one', collapse_watch: null, distill: null, fine_tune: null,
  };
  assert.equal(parseArtifact(JSON.stringify(request), trainRequestSchema, 'fp16.request.json').variant, 'fp16');
  assert.throws(() => parseArtifact(JSON.stringify({ ...request, extra: 1 }), trainRequestSchema, 'fp16.request.json'), /fp16\.request\.json: \(top level\): Unrecognized key: "extra"/);
  assert.throws(() => parseArtifact(JSON.stringify({ ...request, variant: 'int8' }), trainRequestSchema, 'fp16.request.json'), /fp16\.request\.json: variant: .*got "int8"/);
  const { val_head: _v, ...withoutValHead } = request;
  assert.throws(() => parseArtifact(JSON.stringify(withoutValHead), trainRequestSchema, 'fp16.request.json'), /fp16\.request\.json: val_head: .*got nothing/, 'every key is required');
  assert.throws(() => parseArtifact(JSON.stringify({ ...request, time_hours: 1 }), trainRequestSchema, 'fp16.request.json'), /Unrecognized key: "time_hours"/, 'no time box in a request');
  assert.throws(() => parseArtifact(JSON.stringify({ trainSeconds: 'soon' }), progressJsonSchema, 'progress.json'), /progress\.json: trainSeconds: .*got "soon"/);
  const fingerprint = { dataYamlSha256: 'a'.repeat(64), splits: { val2017: { annotationSha256: 'b'.repeat(64), labelsSha256: 'c'.repeat(64), images: 8 } } };
  assert.equal(parseArtifact(JSON.stringify(fingerprint), fingerprintJsonSchema, 'dataset/fingerprint.json').splits.val2017!.images, 8);
  const bad = { ...fingerprint, splits: { val2017: { ...fingerprint.splits.val2017, labelsSha256: 'xyz' } } };
  assert.throws(() => parseArtifact(JSON.stringify(bad), fingerprintJsonSchema, 'dataset/fingerprint.json'), /dataset\/fingerprint\.json: splits\.val2017\.labelsSha256: expected a sha256 hex digest/);
});

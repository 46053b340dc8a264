import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricsJsonSchema, parseArtifact, readArtifact, runJsonSchema } from './artifacts.ts';
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

test('a missing artifact names the target that writes it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'artifacts-'));
  try {
    await assert.rejects(readArtifact(join(dir, 'run.json'), runJsonSchema, 'train-fp16:train-fp16'), /run\.json: missing: run `npx nx run train-fp16:train-fp16` first/);
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...runJson, device: 3 }));
    await assert.rejects(readArtifact(join(dir, 'run.json'), runJsonSchema, 'train-fp16:train-fp16'), /run\.json: device: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

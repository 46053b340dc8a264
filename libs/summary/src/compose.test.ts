import { test } from 'node:test';
import assert from 'node:assert/strict';
import { composeSummary, formatDuration } from './compose.ts';
import type { SummaryInputs } from './inputs.ts';
import { cocoStatKeys } from '../../core/src/vocabulary.ts';

/** A metrics.json's 12 stats, as the array and by name. */
const namedStats = (stats: number[]) => ({ stats, ...Object.fromEntries(cocoStatKeys.map((key, i) => [key, stats[i]!])) }) as { stats: number[] } & Record<(typeof cocoStatKeys)[number], number>;

function series(final: number) {
  const n = [final + 2, final + 1, final];
  return {
    epoch: [1, 2, 3],
    time: [10, 20, 30],
    train: { box: n, cls: n, dfl: n },
    val: { box: n, cls: n, dfl: n },
    metrics: { precision: [0, 0, 0], recall: [0, 0, 0], mAP50: [0, 0, 0], mAP50_95: [0, 0, 0] },
    lr: [],
  };
}

const run = (quantized: number | null) => ({
  model: 'yolov10m.yaml', imgsz: 640, epochs: 500, epochsCompleted: 500, batch: 32, device: '0', deviceName: 'NVIDIA H100', worldSize: 1, amp: true,
  parameters: 16_576_768, quantization: quantized === null ? null : { quantizedConvs: quantized, floatConvNames: ['model.23.dfl.conv'] },
  wallSeconds: 200_000, trainSeconds: 180_000, imagesPerSecond: 310.4, peakGpuMemoryGiB: 21.5, sessions: 2,
  versions: { torch: '2.14.1', ultralytics: '8.4.190' },
});

const metrics = (map: number, mean: number) => ({
  ...namedStats([map, 0.7, 0.55, 0.3, 0.55, 0.65, 0.35, 0.6, 0.65, -1, 0.6, 0.7]),
  images: 5000,
  latencyMs: { mean, p50: mean - 1, p90: mean + 2, p99: mean + 5, runs: 50 },
  throughput: { imagesPerSecond: 21.3 },
  providers: ['cpu'],
});

const exported = (bytes: number, dq: number, ints: boolean) => ({
  variant: dq ? ('qat' as const) : ('fp16' as const), graph: dq ? ('qcdq' as const) : ('float' as const),
  file: dq ? 'yolov10-w4a16-qcdq.onnx' : 'yolov10-fp16.onnx', fileBytes: bytes, sha256: 'ab'.repeat(32), opset: 18,
  nodeCounts: { DequantizeLinear: dq }, parameters: { initializerElements: 15_360_000, convParams: 15_000_000 }, intWeights: ints,
});

const inputs: SummaryInputs = {
  runId: 'coco', profile: 'coco',
  runs: { fp16: run(null), qat: run(106) },
  losses: { fp16: series(1), qat: series(1.5) },
  metrics: { fp16: metrics(0.512, 40), qat: metrics(0.488, 44) },
  exported: { fp16: exported(62_000_000, 0, false), qat: exported(17_000_000, 106, true) },
  opset: 18,
  dataset: { source: 'COCO2017 at /data/coco', splits: { train2017: { images: 118287, labelledImages: 117266, backgroundImages: 1021, annotationsWritten: 860001 } } },
  gitCommit: 'abc123', configDigest: 'f'.repeat(64),
};

test('puts both variants side by side with deltas, sizes, training and provenance', () => {
  const md = composeSummary(inputs, new Date('2026-11-22T00:00:00Z'));
  assert.match(md, /W4A16 QAT reaches \*\*0\.488\*\* mAP50-95 against FP16's \*\*0\.512\*\* \(-0\.024\), with an ONNX file 3\.6× smaller/);
  assert.match(md, /\| mAP50-95 \| 0\.512 \| 0\.488 \| -0\.024 \|/);
  assert.match(md, /\| ARs \| — \| — \| — \|/, 'a -1 COCO stat is shown as undefined');
  assert.match(md, /\| mean \(ms\) \| 40\.00 \| 44\.00 \| 1\.10× \|/);
  assert.match(md, /\| quantized convolutions: trained \(in the exported graph = DequantizeLinear nodes\) \| 0 \(0\) \| 106 \(106\) \|/);
  assert.match(md, /\| training wall time \| 2 d 7 h \| 2 d 7 h \|/);
  assert.match(md, /\| final train loss box \/ cls \/ dfl \| 1\.000 \/ 1\.000 \/ 1\.000 \| 1\.500 \/ 1\.500 \/ 1\.500 \|/);
  assert.match(md, /!\[Training and validation losses of both variants\]\(loss\.png\)/);
  assert.match(md, /\| train2017 \| 118,287 \| 117,266 \| 1,021 \| 860,001 \|/);
  assert.match(md, /git commit: abc123/);
  assert.doesNotMatch(md, /Demo profile/);
});

test('the demo profile says what its figures mean', () => {
  assert.match(composeSummary({ ...inputs, profile: 'demo' }, new Date()), /> Demo profile: .*not what the recipe reaches/);
});

test('durations read naturally', () => {
  assert.equal(formatDuration(42), '42 s');
  assert.equal(formatDuration(3 * 60 + 5), '3 min 5 s');
  assert.equal(formatDuration(2 * 3600 + 60), '2 h 1 min');
  assert.equal(formatDuration(3 * 86400 + 7200), '3 d 2 h');
});

test('names the letterbox used and gives the QCDQ latency as stored and with weight Q/DQ folded, labelled', () => {
  const withFolding: SummaryInputs = {
    ...inputs,
    metrics: {
      fp16: { ...metrics(0.512, 40), letterbox: 'val', latencyQdqFoldedMs: null },
      qat: { ...metrics(0.488, 60), letterbox: 'val', latencyQdqFoldedMs: { mean: 41, p50: 40, p90: 43, p99: 46, runs: 50 } },
    },
  };
  const md = composeSummary(withFolding, new Date('2026-11-22T00:00:00Z'));
  assert.match(md, /Preprocessing: `val` letterbox\. Images were letterboxed as Ultralytics' val dataloader does/);
  assert.match(md, /\| mean \(ms\), QCDQ as stored \| 40\.00 \| 60\.00 \| 1\.50× \|/);
  assert.match(md, /\| mean \(ms\), QCDQ weight Q\/DQ folded at load time \| 40\.00 \| 41\.00 \| 1\.02× \|/);
  assert.match(md, /the 4-bit benefit is the file size, not speed/);
  const without = composeSummary({ ...inputs, metrics: { fp16: { ...metrics(0.5, 40), letterbox: 'predict' }, qat: metrics(0.5, 44) } }, new Date());
  assert.match(without, /Preprocessing: `predict` letterbox/);
  assert.doesNotMatch(without, /folded/);
});

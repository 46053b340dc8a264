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
  wallSeconds: 200_000, trainSeconds: 180_000, imagesPerSecond: 310.4, peakGpuMemoryGiB: 21.5, sessions: 2, valHead: 'one2one' as const,
  versions: { torch: '2.14.1', ultralytics: '8.4.190' },
});

/**
 * A metrics.json; Ultralytics' mAP50-95 is COCO's less 0.005 and its mAP50 0.69 (older files have none: `ultralytics:
 * false`); output decoding takes `decodeMs` per image.
 */
const metrics = (map: number, mean: number, ultralytics = true, decodeMs = 0.2) => ({
  ...namedStats([map, 0.7, 0.55, 0.3, 0.55, 0.65, 0.35, 0.6, 0.65, -1, 0.6, 0.7]),
  images: 5000,
  latencyMs: { mean, p50: mean - 1, p90: mean + 2, p99: mean + 5, runs: 50 },
  throughput: {
    images: 5000, seconds: 5000 / 21.3, imagesPerSecond: 21.3, batch: 1, workers: 0, sessions: 1, intraOpThreadsPerSession: 0,
    stageSeconds: { decodeWait: 0, letterbox: 0, inference: 0, decodeOutput: (decodeMs * 5000) / 1000, metric: 0 },
  },
  providers: ['cpu'],
  ...(ultralytics ? { ultralytics: { mAP50_95: map - 0.005, mAP50: 0.69, precision: 0.71, recall: 0.62 } } : {}),
});

const exported = (bytes: number, dq: number, ints: boolean, head: 'one2one' | 'one2many-nms' = 'one2one') => ({
  variant: dq ? ('qat' as const) : ('fp16' as const), head, graph: dq ? ('qcdq' as const) : ('float' as const),
  file: `${dq ? 'yolov10-w4a16-qcdq' : 'yolov10-fp16'}${head === 'one2one' ? '' : '-one2many'}.onnx`, fileBytes: bytes,
  sha256: (head === 'one2one' ? 'ab' : 'cd').repeat(32), opset: 18,
  nodeCounts: { DequantizeLinear: dq }, parameters: { initializerElements: 15_360_000, convParams: 15_000_000 }, intWeights: ints,
  weightBits: (dq ? { '4': dq } : {}) as Record<string, number>,
});
const bothHeads = (bytes: number, dq: number, ints: boolean) => ({ one2one: exported(bytes, dq, ints), 'one2many-nms': exported(bytes, dq, ints, 'one2many-nms') });
/** The eval stage's fidelity check, as it writes it into the metrics of the file of the head the training validated. */
const fidelity = (trainingMap50_95: number, onnxMap50_95: number, tolerance = 0.01) => ({
  head: 'one2one' as const, trainingMap50_95, onnxMap50_95, difference: onnxMap50_95 - trainingMap50_95, tolerance,
  withinTolerance: Math.abs(onnxMap50_95 - trainingMap50_95) <= tolerance,
});

const sha = (c: string) => c.repeat(64);
const layer = (name: string, sqnr: number, bitWidth = 4) => ({ name, weightShape: [16, 8, 3, 3], parameters: 1152, bitWidth, sqnrDb: sqnr });
const sqnrModel = (offset: number) => {
  const layers = Array.from({ length: 12 }, (_, i) => layer(`model.${i}.conv`, 10 + i + offset));
  return {
    layers,
    totals: {
      parameters: 2_000_000, quantizedParameters: 1_900_000, quantizedParameterShare: 0.95, convs: 13, quantizedConvs: 12, quantizedConvShare: 12 / 13,
      bitWidths: { '4': { convs: 12, parameters: 13_824 } }, bytes: { fp32: 8_000_000, fp16: 4_000_000, packedInt4: 1_100_000 },
    },
    lowest: layers.slice(0, 10).map((l) => l.name),
    meanSqnrDb: 15.5 + offset,
  };
};
const packed = { opset: 21, packedWeights: 106, packedElements: 15_000_000, int8Weights: 0, int8Elements: 0, qcdqFile: 'x.onnx', qcdqVsInt4: { withinTolerance: true } };
const ptq: SummaryInputs['ptq'] = {
  w4a16: {
    files: {
      ptqCheckpoint: { file: 'w4a16-ptq.pt', bytes: 60_000_000, sha256: sha('b') },
      ptqQcdq: { file: 'yolov10-w4a16-ptq-qcdq.onnx', bytes: 17_000_000, sha256: sha('c') },
      qatInt4: { file: 'yolov10-w4a16-qat-int4.onnx', bytes: 8_500_000, sha256: sha('d') },
      qatFtInt4: { file: 'yolov10-w4a16-qat-ft-int4.onnx', bytes: 8_400_000, sha256: sha('9') },
      ptqInt4: { file: 'yolov10-w4a16-ptq-int4.onnx', bytes: 8_500_000, sha256: sha('e') },
    },
    ptqW4a16: { export: { fileBytes: 17_000_000, nodeCounts: { DequantizeLinear: 106 }, quantizedConvsTorch: 106 } },
    int4: { qatInt4: packed, qatFtInt4: packed, ptqInt4: packed },
  },
  w8a8: {
    files: { w8a8: { file: 'yolov10-w8a8-ptq-qdq.onnx', bytes: 16_000_000, sha256: sha('f') } },
    w8a8: {
      quantizer: 'onnxruntime.quantization.quantize_static (QDQ)', calibrationMethod: 'entropy', calibrationImages: 256,
      weights: 'int8 symmetric per output channel', activations: 'int8 per tensor, calibrated range',
      graph: { convQuantization: { convs: 107, weightQuantized: 107, activationQuantized: 107 } },
    },
  },
  calibration: { shape: [2, 3, 640, 640], imgsz: 640, images: ['000000000009.jpg', '000000000025.jpg'], requested: 256, sha256: sha('1'), letterbox: 'val' },
  report: { qat: sqnrModel(5), fp16Weights: sqnrModel(0) },
};

const inputs: SummaryInputs = {
  runId: 'coco', profile: 'coco',
  runs: { fp16: run(null), qat: run(106), 'qat-ft': { ...run(106), epochs: 50, epochsCompleted: 50, wallSeconds: 18_000 } },
  losses: { fp16: series(1), qat: series(1.5), 'qat-ft': series(1.2) },
  metrics: {
    fp16: { ...metrics(0.512, 40), fidelity: fidelity(0.509, 0.507) },
    qat: { ...metrics(0.488, 44), fidelity: fidelity(0.485, 0.483) },
    'qat-ft': { ...metrics(0.495, 44), fidelity: fidelity(0.494, 0.495) },
    'fp16-one2many': metrics(0.521, 41, true, 3.5),
    'qat-one2many': metrics(0.484, 45, true, 4),
    'qat-ft-one2many': metrics(0.49, 45, true, 4),
    'qat-int4': metrics(0.488, 43),
    'qat-ft-int4': metrics(0.495, 43),
    'ptq-w4a16': metrics(0.301, 44),
    'ptq-w8a8': metrics(0.505, 30),
  },
  ptq,
  exported: { fp16: bothHeads(62_000_000, 0, false), qat: bothHeads(17_000_000, 106, true), 'qat-ft': bothHeads(17_000_000, 106, true) },
  opset: 18,
  dataset: { source: 'COCO2017 at /data/coco', splits: { train2017: { images: 118287, labelledImages: 117266, backgroundImages: 1021, annotationsWritten: 860001 } } },
  gitCommit: 'abc123', configDigest: 'f'.repeat(64),
};

test('puts the five models side by side with deltas to FP16, sizes, training and provenance', () => {
  const md = composeSummary(inputs, new Date('2026-11-22T00:00:00Z'));
  assert.match(md, /Training with quantization gained \*\*\+0\.187\*\* mAP50-95 over quantizing the finished FP16 model to the same 4 bits: W4A16 QAT reaches \*\*0\.488\*\*, W4A16 PTQ \*\*0\.301\*\* \(FP16 \*\*0\.512\*\*, QAT -0\.024; W8A8 PTQ \*\*0\.505\*\*\), with a packed INT4 file 7\.3× smaller/);
  assert.match(md, /\|  \| FP16 \(AMP\) \| W4A16 QAT \| W4A16 QAT fine-tune \| W4A16 PTQ \| W8A8 PTQ \| W4A16 QAT − FP16 \| W4A16 QAT fine-tune − FP16 \| W4A16 PTQ − FP16 \| W8A8 PTQ − FP16 \|/);
  assert.match(md, /\| mAP50-95 \| 0\.512 \| 0\.488 \| 0\.495 \| 0\.301 \| 0\.505 \| -0\.024 \| -0\.017 \| -0\.211 \| -0\.007 \|/);
  assert.match(md, /\| ARs \| — \| — \| — \| — \| — \| — \| — \| — \| — \|/, 'a -1 COCO stat is shown as undefined');
  assert.match(md, /\| mean \(ms\), as stored \(× FP16\) \| 40\.00 \| 44\.00 \(1\.10×\) \| 44\.00 \(1\.10×\) \| 44\.00 \(1\.10×\) \| 30\.00 \(0\.75×\) \|/);
  assert.match(md, /\| ONNX file \| 59\.13 MiB \(`yolov10-fp16\.onnx`\) \| 16\.21 MiB \(`yolov10-w4a16-qcdq\.onnx`\) \| 16\.21 MiB \(`yolov10-w4a16-qcdq\.onnx`\) \| 16\.21 MiB \(`yolov10-w4a16-ptq-qcdq\.onnx`\) \| 15\.26 MiB \(`yolov10-w8a8-ptq-qdq\.onnx`\) \|/);
  assert.match(md, /\| packed INT4 ONNX \(opset 21, 2 weights a byte\) \| — \| 8\.11 MiB \(`yolov10-w4a16-qat-int4\.onnx`\) \| 8\.01 MiB \(`yolov10-w4a16-qat-ft-int4\.onnx`\) \| 8\.11 MiB/);
  assert.match(md, /\| quantized convolutions \(DequantizeLinear-fed, in the exported graph\) \| 0 \| 106 \(106 DQ\) \| 106 \(106 DQ\) \| 12 \(106 DQ\) \| 107 of 107 weights, 107 inputs \|/);
  assert.match(md, /packed INT4 copies of the QAT files were scored too: `yolov10-w4a16-qat-int4\.onnx` mAP50-95 0\.488, `yolov10-w4a16-qat-ft-int4\.onnx` 0\.495, all 12 stats of each equal/);
  assert.match(md, /!\[Validation mAP50-95 and mAP50 per epoch of both trainings\]\(map\.png\)/);
  assert.match(md, /## Quantization report/);
  assert.match(md, /\| model size at fp32 \/ fp16 \/ packed int4 \| 7\.63 MiB \/ 3\.81 MiB \/ 1\.05 MiB \|/);
  assert.match(md, /\| `model\.0\.conv` \| 16×8×3×3 \| 1,152 \| 4 \| 15\.0 dB \| 10\.0 dB \|/);
  assert.equal((md.match(/\| `model\.\d+\.conv` \|/g) ?? []).length, 20, 'ten lowest layers for each model');
  assert.match(md, /!\[Per-layer weight SQNR of the 4-bit quantization\]\(sqnr\.png\)/);
  assert.match(md, /\| quantized convolutions per weight bit width \| 4 bits: 12 \| 4 bits: 12 \|/);
  assert.match(md, /All 12 quantized convolutions have 4-bit weights\./);
  assert.match(md, /W8A8 calibration: 2 train images \(requested 256\), `val` letterbox, entropy; list sha256 .*`1{64}`/);
  assert.match(md, /000000000009\.jpg, 000000000025\.jpg/);
  assert.match(md, /\| training wall time \| 2 d 7 h \| 2 d 7 h \| 5 h 0 min \|/);
  assert.match(md, /\| final train loss box \/ cls \/ dfl \| 1\.000 \/ 1\.000 \/ 1\.000 \| 1\.500 \/ 1\.500 \/ 1\.500 \| 1\.200 \/ 1\.200 \/ 1\.200 \|/);
  assert.match(md, /!\[Training and validation losses of both trainings\]\(loss\.png\)/);
  assert.match(md, /\| train2017 \| 118,287 \| 117,266 \| 1,021 \| 860,001 \|/);
  assert.match(md, /git commit: abc123/);
  assert.doesNotMatch(md, /Demo profile/);
});

test('per-layer bit widths: summary.md names each width, the layers off the common one, and calls the quantization mixed', () => {
  const mixed = (offset: number) => {
    const m = sqnrModel(offset);
    const layers = m.layers.map((l, i) => (i === 0 || i === 11 ? { ...l, bitWidth: 8 } : l));
    const bitWidths = { '4': { convs: 10, parameters: 11_520 }, '8': { convs: 2, parameters: 2_304 } };
    return { ...m, layers, totals: { ...m.totals, bitWidths } };
  };
  const md = composeSummary({ ...inputs, ptq: { ...ptq, report: { qat: mixed(5), fp16Weights: mixed(0) } } }, new Date());
  assert.match(md, /over quantizing the finished FP16 model to the same 4\/8 bits per layer:/);
  assert.match(md, /\| quantized convolutions per weight bit width \| 4 bits: 10, 8 bits: 2 \| 4 bits: 10, 8 bits: 2 \|/);
  assert.match(md, /^- 4 bits: 10 convolutions, 11,520 weights \(the others\)$/m);
  assert.match(md, /^- 8 bits: 2 convolutions, 2,304 weights: `model\.0\.conv`, `model\.11\.conv`$/m);
  assert.match(md, /!\[Per-layer weight SQNR of the mixed 4\/8-bit quantization\]\(sqnr\.png\)/);
  assert.match(md, /\| `model\.0\.conv` \| 16×8×3×3 \| 1,152 \| 8 \|/);
});

test("Ultralytics' mAP50-95 and mAP50 under the COCO stats, with deltas and why the two metrics differ", () => {
  const md = composeSummary(inputs, new Date());
  const accuracy = md.slice(md.indexOf('## Accuracy'), md.indexOf('## Latency'));
  const ultralytics = accuracy.slice(accuracy.indexOf("Ultralytics' metric on the same detections"));
  assert.ok(accuracy.indexOf('| ARl |') < accuracy.indexOf("Ultralytics' metric on the same detections"), 'below the 12 COCO stats');
  assert.match(ultralytics, /results\.csv reports/);
  assert.match(ultralytics, /\| mAP50-95 \| 0\.507 \| 0\.483 \| 0\.490 \| 0\.296 \| 0\.500 \| -0\.024 \| -0\.017 \| -0\.211 \| -0\.007 \|/);
  assert.match(ultralytics, /\| mAP50 \| 0\.690 \| 0\.690 \| 0\.690 \| 0\.690 \| 0\.690 \| \+0\.000 \| \+0\.000 \| \+0\.000 \| \+0\.000 \|/);
  assert.match(ultralytics, /crowd regions.*100 detections per image and category.*300 per image.*0\.995/);
});

test("a metrics.json from before Ultralytics' metric shows '—' in its column", () => {
  const older = { ...inputs, metrics: { ...inputs.metrics, qat: metrics(0.488, 44, false) } };
  const md = composeSummary(older, new Date());
  const ultralytics = md.slice(md.indexOf("Ultralytics' metric on the same detections"));
  assert.match(ultralytics, /\| mAP50-95 \| 0\.507 \| — \| 0\.490 \| 0\.296 \| 0\.500 \| — \| -0\.017 \| -0\.211 \| -0\.007 \|/);
  assert.match(md, /\| mAP50-95 \| 0\.512 \| 0\.488 \|/, 'the COCO stats are still there');
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
      ...inputs.metrics,
      fp16: { ...metrics(0.512, 40), letterbox: 'val', latencyQdqFoldedMs: null },
      qat: { ...metrics(0.488, 60), letterbox: 'val', latencyQdqFoldedMs: { mean: 41, p50: 40, p90: 43, p99: 46, runs: 50 } },
    },
  };
  const md = composeSummary(withFolding, new Date('2026-11-22T00:00:00Z'));
  assert.match(md, /Preprocessing: `val` letterbox\. Images were letterboxed as Ultralytics' val dataloader does/);
  assert.match(md, /\| mean \(ms\), as stored \(× FP16\) \| 40\.00 \| 60\.00 \(1\.50×\) \|/);
  assert.match(md, /\| mean \(ms\), weight Q\/DQ folded at load time \| 40\.00 \| 41\.00 \| — \| — \|/);
  assert.match(md, /the 4-bit benefit is the file size, not speed/);
  const without = composeSummary({ ...inputs, metrics: { ...inputs.metrics, fp16: { ...metrics(0.5, 40), letterbox: 'predict' }, qat: metrics(0.5, 44) } }, new Date());
  assert.match(without, /Preprocessing: `predict` letterbox/);
  assert.doesNotMatch(without, /folded/);
});

const withRuns = (qat: Partial<SummaryInputs['runs']['qat']>, fp16: Partial<SummaryInputs['runs']['fp16']> = {}): SummaryInputs => ({
  ...inputs,
  runs: { fp16: { ...inputs.runs.fp16, ...fp16 }, qat: { ...inputs.runs.qat, ...qat }, 'qat-ft': inputs.runs['qat-ft'] },
});

test('the training table shows the batch trained, and the requested one with the reason when they differ', () => {
  const halved = withRuns({ batch: 16, batchRequested: 32, events: [{ epoch: 1, kind: 'batchReduced', message: 'CUDA out of memory at batch 32; halved to 16' }] }, { batchRequested: 32 });
  assert.match(composeSummary(halved, new Date()), /\| batch \| 32 \| 16 \(32 requested; out of GPU memory\) \|/);
  // No batchReduced event: the difference is shown without a cause the run did not record.
  assert.match(composeSummary(withRuns({ batch: 16, batchRequested: 32 }), new Date()), /\| batch \| 32 \| 16 \(32 requested\) \|/);
  assert.match(composeSummary(inputs, new Date()), /\| batch \| 32 \| 32 \|/, 'a run.json without batchRequested (older runs)');
});

test('the training table names the head each training validated; a run.json without one validated the one-to-many head', () => {
  const md = composeSummary(withRuns({ valHead: 'one2many-nms' }, { valHead: 'one2one' }), new Date());
  assert.match(md, /\| validation head \(best\.pt, results\.csv\) \| one-to-one, NMS-free \(the exported head\) \| one-to-many \+ NMS \(not the exported head\) \|/);
  assert.match(composeSummary(withRuns({ valHead: undefined }, { valHead: undefined }), new Date()), /\| validation head \(best\.pt, results\.csv\) \| one-to-many \+ NMS \(not the exported head\) \| one-to-many/);
});

test("the model table says whether the QAT models' BatchNorm statistics were re-estimated before export", () => {
  assert.match(composeSummary(inputs, new Date()), /\| BatchNorm statistics in the export \| as trained \| as trained \| as trained \| the FP16 model's \| the FP16 model's \|/);
  const bn = { variants: ['qat' as const, 'qat-ft' as const], images: 256, batches: 8, batch: 32, layers: 99, letterbox: 'val' as const, listSha256: 'b'.repeat(64) };
  const md = composeSummary({ ...inputs, bnReestimation: bn }, new Date());
  const reestimated = 're-estimated on 256 train images \\(8 batches of ≤ 32, `val` letterbox\\)';
  assert.match(md, new RegExp(`\\| BatchNorm statistics in the export \\| as trained \\| ${reestimated} \\| ${reestimated} \\| the FP16`));
  // A model the record does not list was exported with its statistics as trained.
  const qatOnly = composeSummary({ ...inputs, bnReestimation: { ...bn, variants: ['qat'] } }, new Date());
  assert.match(qatOnly, new RegExp(`\\| BatchNorm statistics in the export \\| as trained \\| ${reestimated} \\| as trained \\| the FP16`));
  const one = composeSummary({ ...inputs, bnReestimation: { ...bn, images: 8, batches: 1, batch: 8 } }, new Date());
  assert.match(one, /re-estimated on 8 train images \(one batch, `val` letterbox\)/);
});

test('the training table says whether each QAT training distilled from the FP16 teacher', () => {
  assert.match(composeSummary(inputs, new Date()), /\| distillation from the FP16 teacher \| — \| off \| off \|/);
  const teacher = { teacher: '/r/fp16/weights/best.pt', teacherSha256: 'a'.repeat(64), weight: 0.5, temperature: 10 };
  assert.match(composeSummary(withRuns({ distill: teacher }), new Date()), /\| distillation from the FP16 teacher \| — \| weight 0\.5, temperature 10 \| off \|/);
  const both = { ...inputs, runs: { ...inputs.runs, qat: { ...inputs.runs.qat, distill: teacher }, 'qat-ft': { ...inputs.runs['qat-ft'], distill: teacher } } };
  assert.match(composeSummary(both, new Date()), /\| distillation from the FP16 teacher \| — \| weight 0\.5, temperature 10 \| weight 0\.5, temperature 10 \|/);
});

test('no events: one line saying so, and no warning', () => {
  const md = composeSummary(withRuns({ events: [] }), new Date());
  assert.match(md, /## Training events\n\nNo collapse warning, NaN recovery, batch reduction or checkpoint fallback in any training\.\n/);
  assert.doesNotMatch(md, /> \*\*Collapse warning/);
  assert.match(composeSummary(inputs, new Date()), /No collapse warning, NaN recovery/, 'run.json files without events (older runs) read as none');
});

test('events: each with its training, epoch, label and message, in order; a training without any says none', () => {
  const md = composeSummary(
    withRuns({
      events: [
        { epoch: 0, kind: 'batchReduced', message: 'out of GPU memory at batch 32 | halved\nto 16' },
        { epoch: 37, kind: 'nanRecovery', message: 'non-finite loss; epoch 37 redone from epoch36.pt' },
        { epoch: 120, kind: 'checkpointFallback', message: 'last.pt unreadable; resumed from epoch115.pt (5 epochs lost)' },
      ],
    }),
    new Date(),
  );
  const section = md.slice(md.indexOf('## Training events'), md.indexOf('## Loss and accuracy curves'));
  assert.equal(
    section,
    [
      '## Training events',
      '',
      '| training | epoch | event | message |',
      '| --- | --- | --- | --- |',
      '| W4A16 QAT | before epoch 1 | batch reduction | out of GPU memory at batch 32 \\| halved to 16 |',
      '| W4A16 QAT | 37 | NaN recovery | non-finite loss; epoch 37 redone from epoch36.pt |',
      '| W4A16 QAT | 120 | checkpoint fallback | last.pt unreadable; resumed from epoch115.pt (5 epochs lost) |',
      '',
      'None in FP16 (AMP) or W4A16 QAT fine-tune.',
      '',
      '',
    ].join('\n'),
  );
  assert.ok(md.indexOf('## Training\n') < md.indexOf('## Training events'), 'right after the training table');
});

test('a collapse is impossible to miss: a warning near the top names the variant and epoch, and the event is listed', () => {
  const md = composeSummary(withRuns({ events: [{ epoch: 212, kind: 'collapse', message: 'val mAP50-95 0.12, 61 % below its best 0.31 (epoch 180), for 10 epochs' }] }), new Date());
  const warning = md.indexOf('> **Collapse warning: W4A16 QAT, epoch 212.** Its validation mAP50-95 stayed further below its best, for longer, than the collapse watch allows; see [Training events](#training-events).');
  assert.ok(warning > 0, md.slice(0, 800));
  assert.ok(warning < md.indexOf('Training with quantization gained'), 'above the headline');
  assert.match(md, /\| W4A16 QAT \| 212 \| collapse warning \| val mAP50-95 0\.12, 61 % below its best 0\.31 \(epoch 180\), for 10 epochs \|/);
});

test("the oscillation chart is embedded with how to read it when the QAT run's results.csv records code changes, and its absence said otherwise", () => {
  const recorded = { ...inputs, losses: { ...inputs.losses, qat: { ...series(1.5), codeChange: [0.3, 0.1, 0.05] } } };
  const md = composeSummary(recorded, new Date());
  assert.match(md, /## Weight oscillation \(W4A16 QAT\)\n\n!\[Share of the QAT model's 4-bit weight codes that changed since the previous epoch, with the learning rate\]\(oscillation\.png\)/);
  assert.match(md, /`qat\/code_change`.*a share that stays high late in training, while the learning rate is already low, is weight oscillation.*\[oscillation\.html\]\(oscillation\.html\)/);
  const without = composeSummary(inputs, new Date());
  assert.match(without, /## Weight oscillation \(W4A16 QAT\)\n\nThe QAT run's results\.csv has no `qat\/code_change` column, so there is no oscillation chart\./);
  assert.doesNotMatch(without, /oscillation\.png/);
});

test('both heads of each trained model side by side: what the NMS-free design costs or gains, per model', () => {
  const md = composeSummary(inputs, new Date());
  const section = md.slice(md.indexOf('## NMS-free vs NMS'), md.indexOf('## Export and eval fidelity'));
  assert.match(section, /NMS-free head's mAP50-95 minus the one-to-many head's with NMS: FP16 \(AMP\) \*\*-0\.009\*\*, W4A16 QAT \*\*\+0\.004\*\*/);
  assert.match(section, /\|  \| FP16 \(AMP\) \| W4A16 QAT \|/);
  assert.match(section, /\| mAP50-95, one-to-one, NMS-free \(exported\) \| 0\.512 \| 0\.488 \|/);
  assert.match(section, /\| mAP50-95, one-to-many \+ NMS \| 0\.521 \| 0\.484 \|/);
  assert.match(section, /\| mAP50-95, NMS-free − NMS \| -0\.009 \| \+0\.004 \|/);
  assert.match(section, /\| Ultralytics' mAP50-95, NMS-free − NMS \| -0\.009 \| \+0\.004 \|/);
  assert.match(section, /\| inference p50 \(ms, batch 1\), one-to-many file \(NMS not included\) \| 40\.00 \| 44\.00 \|/);
  assert.match(section, /\| output decoding \(ms\/image\): top-k filter \/ NMS \| 0\.20 \/ 3\.50 \| 0\.20 \/ 4\.00 \|/);
  assert.match(section, /IoU 0\.7.*at most 300 per image/);
  assert.match(md, /- FP16 \(AMP\), one-to-many head \+ NMS ONNX sha256: `(cd){32}`/);
});

test("fidelity: each training's final validation beside its ONNX file's score, the difference and the verdict", () => {
  const md = composeSummary(inputs, new Date());
  const section = md.slice(md.indexOf('## Export and eval fidelity'), md.indexOf('## Latency'));
  assert.match(section, /\| head compared \(the training's valHead\) \| one-to-one, NMS-free \(the exported head\) \| one-to-one/);
  assert.match(section, /\| training's final validation of best\.pt, mAP50-95 \| 0\.5090 \| 0\.4850 \|/);
  assert.match(section, /\| the ONNX file of that head, this evaluator, Ultralytics' metric \| 0\.5070 \| 0\.4830 \|/);
  assert.match(section, /\| difference \(ONNX − training\) \| -0\.0020 \| -0\.0020 \|/);
  assert.match(section, /\| tolerance \| ±0\.0100 \| ±0\.0100 \|/);
  assert.match(section, /\| verdict \| within \| within \|/);
  assert.doesNotMatch(md, /Fidelity warning/);
});

test('a fidelity beyond the tolerance is a warning at the top naming the model and both numbers', () => {
  const off = { ...inputs, metrics: { ...inputs.metrics, qat: { ...inputs.metrics.qat, fidelity: fidelity(0.485, 0.31) } } };
  const md = composeSummary(off, new Date());
  const warning = md.indexOf("> **Fidelity warning: W4A16 QAT.** Its ONNX file (one2one head) scores mAP50-95 0.3100 on Ultralytics' metric, the training's final validation of the same checkpoint 0.4850: -0.1750, beyond ±0.0100; see [Export and eval fidelity](#export-and-eval-fidelity).");
  assert.ok(warning > 0 && warning < md.indexOf('Training with quantization gained'), md.slice(0, 1200));
  assert.match(md, /\| verdict \| within \| \*\*beyond: warning\*\* \|/);
});

test("fidelity reads the metrics of the head each training validated; missing checks read '—' or 'not checked'", () => {
  const one2many = withRuns({ valHead: 'one2many-nms' });
  const metricsOf = { ...inputs.metrics, 'qat-one2many': { ...inputs.metrics['qat-one2many'], fidelity: { ...fidelity(0.47, 0.479), head: 'one2many-nms' as const } } };
  const md = composeSummary({ ...one2many, metrics: metricsOf }, new Date());
  assert.match(md, /\| head compared \(the training's valHead\) \| one-to-one, NMS-free \(the exported head\) \| one-to-many \+ NMS \(not the exported head\) \|/);
  assert.match(md, /\| training's final validation of best\.pt, mAP50-95 \| 0\.5090 \| 0\.4700 \|/);
  const none = composeSummary({ ...inputs, metrics: { ...inputs.metrics, fp16: metrics(0.512, 40), qat: { ...metrics(0.488, 44), fidelity: null } } }, new Date());
  assert.match(none, /\| verdict \| — \| not checked \|/);
  assert.match(none, /\| training's final validation of best\.pt, mAP50-95 \| — \| no final validation in run\.json \|/);
});

test('the 4-bit recipes table: PTQ, the fine-tune and QAT from scratch, each with its mAP50-95 and device-hours', () => {
  const md = composeSummary(withRuns({}, { wallSeconds: 36_000 }), new Date());
  const section = md.slice(md.indexOf('## 4-bit recipes'), md.indexOf('## Accuracy'));
  assert.ok(md.indexOf('## 4-bit recipes') > 0 && md.indexOf('## 4-bit recipes') < md.indexOf('## Accuracy'), 'right under the headline');
  assert.match(section, /\| W4A16 PTQ \| 0 \| 0\.301 \| 0 \(no training; the ptq-w4a16 stage does not record its time\) \| 10\.000 h \|/);
  // 18,000 s of fine-tune on top of the FP16 model's 36,000 s.
  assert.match(section, /\| W4A16 QAT fine-tune \| 50 \(fine-tune\) \| 0\.495 \| 5\.000 h \(NVIDIA H100\) \| 15\.000 h \|/);
  assert.match(section, /\| W4A16 QAT from scratch \| 500 \(full schedule\) \| 0\.488 \| 55\.556 h \(NVIDIA H100\) \| 55\.556 h \|/);
  const ddp = composeSummary(withRuns({ worldSize: 2 }), new Date());
  assert.match(ddp, /\| W4A16 QAT from scratch \| 500 \(full schedule\) \| 0\.488 \| 111\.111 h \(NVIDIA H100 ×2\) \|/, 'device-hours count every GPU of a DDP run');
});

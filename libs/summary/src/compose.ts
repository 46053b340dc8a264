/** summary.md from the SummaryInputs: pure, so the whole report is testable without a run. */
import { artifactFiles, evalVariantOfHead, ptqFiles, type EvalVariant } from '../../core/src/layout.ts';
import type { ValHead } from '../../core/src/config/schema.ts';
import { byVariant, variants, type Variant } from '../../core/src/variants.ts';
import { cocoStatKeys, cocoStatLabel, evalVariantLabel, variantLabel, valHeadLabel } from '../../core/src/vocabulary.ts';
import type { RunInfo, SummaryInputs } from './inputs.ts';
import { signed, table, type Row } from './markdown.ts';
import { oscillationSection } from './oscillation.ts';
import { bitWidthsText, quantizationReportSection } from './quant-report.ts';
import { batchText, collapseWarnings, trainingEventsSection } from './training-events.ts';
import { fidelitySection, fidelityWarnings, type FidelityOf } from './fidelity.ts';
import { headsSection } from './heads.ts';
import { recipesSection } from './recipes.ts';

/** The models summary.md compares, in column order (the packed INT4 file is the QAT column's other file). */
export const summaryColumns = ['fp16', 'qat', 'qat-ft', 'ptq-w4a16', 'ptq-w8a8'] as const satisfies readonly EvalVariant[];
type Column = (typeof summaryColumns)[number];

const fixed = (digits: number) => (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));
const f3 = fixed(3);
const f2 = fixed(2);
const f1 = fixed(1);
const int = (x: number | null | undefined) => (x === null || x === undefined ? '—' : Math.round(x).toLocaleString('en-US'));
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  if (m) return `${m} min ${s % 60} s`;
  return `${s} s`;
}

/** Why Ultralytics' mAP differs from pycocotools' on the same detections (libs/eval/src/ultralytics-metric and its parity test). */
const ULTRALYTICS_VS_COCO =
  'The two differ in what they count and how they integrate: pycocotools ignores detections on crowd regions, counts at most 100 detections per image and ' +
  "category and reads each category's precision envelope in steps at 101 recall points, while Ultralytics, whose labels leave crowd regions out, counts " +
  'every detection NMS keeps (up to 300 per image), matches boxes by float32 IoU, and integrates the envelope interpolated linearly between its points ' +
  'down to precision 0 at the last recall reached, so a perfect model scores 0.995 there; both match greedily in confidence order.';

/** COCO reports -1 where a metric is undefined (no GT in that area range). */
const stat = (x: number | undefined) => (x === undefined || x < 0 ? null : x);

const trained = <T>(pick: (v: Variant) => T): T[] => variants.map(pick);
const all = <T>(pick: (v: Column) => T): T[] => summaryColumns.map(pick);
const quantized = summaryColumns.filter((c) => c !== 'fp16');

/** A model's BatchNorm statistics in its export: as trained, or re-estimated before it (export.json bnReestimation). */
function bnText(bn: SummaryInputs['bnReestimation'], variant: Variant): string {
  if (!bn?.variants.includes(variant)) return 'as trained';
  const batches = bn.batches === 1 ? 'one batch' : `${int(bn.batches)} batches of ≤ ${int(bn.batch)}`;
  return `re-estimated on ${int(bn.images)} train images (${batches}, \`${bn.letterbox}\` letterbox)`;
}

/** A QAT training's distillation (run.json distill): its weight and temperature, or off. */
const distillText = (run: RunInfo): string => (run.distill ? `weight ${run.distill.weight}, temperature ${run.distill.temperature}` : 'off');

function lastLosses(input: SummaryInputs, variant: Variant, split: 'train' | 'val'): string {
  const series = input.losses[variant][split];
  const at = (values: number[]) => values[values.length - 1];
  return `${f3(at(series.box))} / ${f3(at(series.cls))} / ${f3(at(series.dfl))}`;
}

export function composeSummary(input: SummaryInputs, generatedAt: Date): string {
  const { runs, metrics, ptq } = input;
  // The exported product: each trained model's one-to-one (NMS-free) file; both heads are compared in headsSection.
  const exported = byVariant((v) => input.exported[v].one2one);
  const metricsOfHead = (v: Variant, head: ValHead) => metrics[evalVariantOfHead[v][head]];
  // The eval stage writes `fidelity` into the metrics of the file of the head each training validated.
  const fidelityOf: FidelityOf = (v) => metricsOfHead(v, runs[v].valHead ?? 'one2many-nms').fidelity;
  const head: Row = ['', ...all((v) => evalVariantLabel[v]), ...quantized.map((v) => `${evalVariantLabel[v]} − FP16`)];
  const fp = runs.fp16;

  /** A score per column, then each quantized column's difference to FP16; '—' where a score is missing. */
  const scoreRow = (label: string, values: (number | null)[]): Row => {
    const base = values[0] ?? null;
    return [label, ...values.map(f3), ...values.slice(1).map((x) => (x !== null && base !== null ? signed(x - base, 3) : '—'))];
  };
  const accuracy: Row[] = cocoStatKeys.map((key) => scoreRow(cocoStatLabel(key), all((v) => stat(metrics[v][key]))));
  // A metrics.json from before the eval stage computed Ultralytics' metric has no `ultralytics`.
  const ultralyticsAccuracy: Row[] = (['mAP50_95', 'mAP50'] as const).map((key) =>
    scoreRow(cocoStatLabel(key), all((v) => metrics[v].ultralytics?.[key] ?? null)),
  );

  const latencyHead: Row = ['', ...all((v) => evalVariantLabel[v])];
  const latency = (key: 'mean' | 'p50' | 'p90' | 'p99'): Row => {
    const base = metrics.fp16.latencyMs?.[key] ?? null;
    return [`${key} (ms), as stored (× FP16)`, ...all((v) => {
      const x = metrics[v].latencyMs?.[key] ?? null;
      return v === 'fp16' || x === null || base === null ? f2(x) : `${f2(x)} (${(x / base).toFixed(2)}×)`;
    })];
  };
  // A Q/DQ file once more with its weight Q/DQ folded into float weights at load time; the FP16 column is unchanged.
  const anyFolded = summaryColumns.some((v) => metrics[v].latencyQdqFoldedMs);
  const foldedRows: Row[] = anyFolded
    ? (['mean', 'p50'] as const).map((key) => [`${key} (ms), weight Q/DQ folded at load time`, ...all((v) => (v === 'fp16' ? f2(metrics.fp16.latencyMs?.[key] ?? null) : f2(metrics[v].latencyQdqFoldedMs?.[key] ?? null)))])
    : [];
  const letterboxUsed = metrics.fp16.letterbox ?? 'predict';
  const letterboxText =
    letterboxUsed === 'val'
      ? "Images were letterboxed as Ultralytics' val dataloader does (long side resized to the input size, then padded), the preprocessing of the trainings' own mAP in results.csv."
      : "Images were letterboxed as Ultralytics' predictor does (one resize to fit, then padded); the trainings' own mAP in results.csv is measured with the val dataloader's preprocessing instead.";

  const w8 = ptq.w8a8.w8a8;
  const cov = w8.graph.convQuantization;
  const fileOf: Record<Column, { bytes: number; file: string; sha256: string }> = {
    ...byVariant((v) => ({ bytes: exported[v].fileBytes, file: exported[v].file, sha256: exported[v].sha256 })),
    'ptq-w4a16': ptq.w4a16.files.ptqQcdq,
    'ptq-w8a8': ptq.w8a8.files.w8a8,
  };
  const packedOf: Partial<Record<Column, { bytes: number; file: string }>> = { qat: ptq.w4a16.files.qatInt4, 'qat-ft': ptq.w4a16.files.qatFtInt4, 'ptq-w4a16': ptq.w4a16.files.ptqInt4 };
  const model: Row[] = [
    ['made by', 'training (AMP)', 'training with 4-bit weight fake-quant', `FP16 best.pt fine-tuned with 4-bit weight fake-quant (${runs['qat-ft'].epochs} epochs)`, "FP16 weights through QAT's quantizer, no training", `${w8.quantizer}, ${w8.calibrationMethod} calibration on ${int(w8.calibrationImages)} train images`],
    ['weights / activations', 'float32 / float32', '4-bit per channel / float', '4-bit per channel / float', '4-bit per channel / float', `${w8.weights} / ${w8.activations}`],
    ['ONNX file', ...all((v) => `${mib(fileOf[v].bytes)} (\`${fileOf[v].file}\`)`)],
    ['packed INT4 ONNX (opset 21, 2 weights a byte)', ...all((v) => { const p = packedOf[v]; return p ? `${mib(p.bytes)} (\`${p.file}\`)` : '—'; })],
    [
      'quantized convolutions (DequantizeLinear-fed, in the exported graph)',
      '0',
      `${int(runs.qat.quantization?.quantizedConvs ?? 0)} (${int(exported.qat.nodeCounts.DequantizeLinear ?? 0)} DQ)`,
      `${int(runs['qat-ft'].quantization?.quantizedConvs ?? 0)} (${int(exported['qat-ft'].nodeCounts.DequantizeLinear ?? 0)} DQ)`,
      `${int(ptq.report.fp16Weights.totals.quantizedConvs)} (${int(ptq.w4a16.ptqW4a16.export.nodeCounts.DequantizeLinear ?? 0)} DQ)`,
      `${int(cov.weightQuantized)} of ${int(cov.convs)} weights, ${int(cov.activationQuantized)} inputs`,
    ],
    ['convolutions kept float', 'all', runs.qat.quantization?.floatConvNames.join(', ') || 'none', runs['qat-ft'].quantization?.floatConvNames.join(', ') || 'none', runs.qat.quantization?.floatConvNames.join(', ') || 'none', int(cov.convs - cov.weightQuantized)],
    ['BatchNorm statistics in the export', 'as trained', bnText(input.bnReestimation, 'qat'), bnText(input.bnReestimation, 'qat-ft'), "the FP16 model's", "the FP16 model's"],
  ];

  const training: Row[] = [
    ['epochs', ...trained((v) => `${runs[v].epochsCompleted} / ${runs[v].epochs}`)],
    ['training wall time', ...trained((v) => formatDuration(runs[v].wallSeconds))],
    ['train throughput (images/s)', ...trained((v) => f1(runs[v].imagesPerSecond))],
    ['device', ...trained((v) => `${runs[v].deviceName}${runs[v].worldSize > 1 ? ` ×${runs[v].worldSize} (DDP)` : ''}`)],
    ['AMP', ...trained((v) => (runs[v].amp ? 'on' : 'off'))],
    // Runs trained before the setting had none and validated the one-to-many head with NMS.
    ['validation head (best.pt, results.csv)', ...trained((v) => valHeadLabel[runs[v].valHead ?? 'one2many-nms'])],
    ['distillation from the FP16 teacher', ...trained((v) => (v === 'fp16' ? '—' : distillText(runs[v])))],
    ['batch', ...trained((v) => batchText(runs[v]))],
    ['peak GPU memory', ...trained((v) => (runs[v].peakGpuMemoryGiB === null ? '—' : `${f2(runs[v].peakGpuMemoryGiB)} GiB`))],
    ['final train loss box / cls / dfl', ...trained((v) => lastLosses(input, v, 'train'))],
    ['final val loss box / cls / dfl', ...trained((v) => lastLosses(input, v, 'val'))],
    ['training sessions (1 + resumes)', ...trained((v) => String(runs[v].sessions))],
  ];

  const [mFp, mQat, , mPtq, mW8] = all((v) => stat(metrics[v].mAP50_95));
  const headline =
    mFp != null && mQat != null && mPtq != null
      ? `Training with quantization gained **${signed(mQat - mPtq, 3)}** mAP50-95 over quantizing the finished FP16 model to the same ${bitWidthsText(ptq.report)}: ` +
        `W4A16 QAT reaches **${f3(mQat)}**, W4A16 PTQ **${f3(mPtq)}** (FP16 **${f3(mFp)}**, QAT ${signed(mQat - mFp, 3)}; W8A8 PTQ **${f3(mW8 ?? null)}**), ` +
        `with a packed INT4 file ${(exported.fp16.fileBytes / ptq.w4a16.files.qatInt4.bytes).toFixed(1)}× smaller than FP16's.`
      : 'mAP is undefined for this run (no ground truth in the evaluated images).';
  const providers = metrics.fp16.providers?.join(', ') ?? 'cpu';
  const splits = Object.entries(input.dataset.splits);
  const calibration = ptq.calibration;

  return [
    `# YOLOv10 from scratch: FP16 (AMP) baseline vs Brevitas W4A16 QAT, with post-training baselines`,
    '',
    `Run \`${input.runId}\` (profile \`${input.profile}\`): ${fp.model} at ${fp.imgsz}×${fp.imgsz}, random init, ` +
      `${fp.epochs} epochs, SGD. Generated ${generatedAt.toISOString()}.`,
    ...(input.profile === 'demo'
      ? ['', '> Demo profile: a small model on generated shapes for a few epochs, sized to run on a CPU in minutes. Its figures show that the pipeline works, not what the recipe reaches; run the `coco` profile for that.']
      : []),
    '',
    ...collapseWarnings(runs),
    ...fidelityWarnings(fidelityOf),
    headline,
    '',
    ...recipesSection({
      runs,
      mAP50_95: { 'ptq-w4a16': metrics['ptq-w4a16'].mAP50_95, qat: metrics.qat.mAP50_95, 'qat-ft': metrics['qat-ft'].mAP50_95 },
    }),
    `## Accuracy (COCO bbox, ${int(metrics.fp16.images)} val images, this project's ONNX evaluator)`,
    '',
    ...table(head, accuracy),
    '',
    `The packed INT4 copies of the QAT files were scored too: \`${ptq.w4a16.files.qatInt4.file}\` mAP50-95 ${f3(stat(metrics['qat-int4'].mAP50_95))}, ` +
      `\`${ptq.w4a16.files.qatFtInt4.file}\` ${f3(stat(metrics['qat-ft-int4'].mAP50_95))}, all 12 stats of each equal to its QCDQ file's (the eval stage fails otherwise).`,
    '',
    "Ultralytics' metric on the same detections, the one each training's results.csv reports (there for the PyTorch model) as metrics/mAP50-95(B) and metrics/mAP50(B):",
    '',
    ...table(head, ultralyticsAccuracy),
    '',
    ULTRALYTICS_VS_COCO,
    '',
    `Preprocessing: \`${letterboxUsed}\` letterbox. ${letterboxText}`,
    '',
    ...headsSection(metricsOfHead),
    ...fidelitySection(fidelityOf),
    `## Latency (onnxruntime-node, ${providers}, batch 1, inference only, after warm-up)`,
    '',
    ...table(latencyHead, [
      latency('mean'),
      latency('p50'),
      latency('p90'),
      latency('p99'),
      ...foldedRows,
      [`whole eval pipeline (images/s, batch ${metrics.fp16.throughput?.batch ?? 1})`, ...all((v) => f1(metrics[v].throughput?.imagesPerSecond ?? null))],
    ]),
    '',
    ...(anyFolded
      ? [
          "\"As stored\": onnxruntime's CPU provider runs a Q/DQ file's QuantizeLinear → (Clip →) DequantizeLinear on every weight at every inference. " +
            '"Folded": the same file with those weight chains folded into float weights when the session loads (session.disable_quant_qdq); the outputs are the same to float32 rounding. ' +
            "On onnxruntime's CPU provider the 4-bit benefit is the file size, not speed: the convolutions run in float32 either way.",
          '',
        ]
      : []),
    `## Model (ONNX opset ${input.opset}; packed INT4 files opset 21)`,
    '',
    ...table(latencyHead, model),
    '',
    '## Training',
    '',
    ...table(['', ...trained((v) => variantLabel[v])], training),
    '',
    ...trainingEventsSection(runs),
    '## Loss and accuracy curves',
    '',
    `| losses | validation mAP |`,
    `| --- | --- |`,
    `| ![Training and validation losses of both trainings](${artifactFiles.lossPng}) | ![Validation mAP50-95 and mAP50 per epoch of both trainings](${artifactFiles.mapPng}) |`,
    '',
    `Losses: solid train, dashed val. mAP: from each training's results.csv (Ultralytics' own validation, PyTorch). Interactive versions: [${artifactFiles.lossHtml}](${artifactFiles.lossHtml}), [${artifactFiles.mapHtml}](${artifactFiles.mapHtml}).`,
    '',
    ...oscillationSection(input.losses.qat, { png: artifactFiles.oscillationPng, html: artifactFiles.oscillationHtml }),
    ...quantizationReportSection(ptq.report, artifactFiles.sqnrPng, `ptq-w4a16/${ptqFiles.w4a16.report}`),
    '## Dataset',
    '',
    `Source: ${input.dataset.source}.`,
    '',
    '| split | images | labelled | background | boxes |',
    '| --- | --- | --- | --- | --- |',
    ...splits.map(([split, c]) => `| ${split} | ${int(c.images)} | ${int(c.labelledImages)} | ${int(c.backgroundImages)} | ${int(c.annotationsWritten)} |`),
    '',
    '## Provenance',
    '',
    `- git commit: ${input.gitCommit}`,
    `- config digest (sha256 of the resolved conf/ sections): \`${input.configDigest}\``,
    ...Object.entries(fp.versions).map(([k, v]) => `- ${k}: ${v ?? '—'}`),
    ...summaryColumns.map((v) => `- ${evalVariantLabel[v]} ONNX sha256: \`${fileOf[v].sha256}\``),
    ...variants.map((v) => `- ${evalVariantLabel[evalVariantOfHead[v]['one2many-nms']]} ONNX sha256: \`${input.exported[v]['one2many-nms'].sha256}\``),
    `- packed INT4 sha256: QAT \`${ptq.w4a16.files.qatInt4.sha256}\`, QAT fine-tune \`${ptq.w4a16.files.qatFtInt4.sha256}\`, PTQ \`${ptq.w4a16.files.ptqInt4.sha256}\``,
    `- W8A8 calibration: ${int(calibration.images.length)} train images (requested ${int(calibration.requested)}), \`${calibration.letterbox}\` letterbox, ` +
      `${w8.calibrationMethod}; list sha256 (names joined by newlines): \`${calibration.sha256}\`; none of them is a val image`,
    '',
    '<details><summary>W8A8 calibration images</summary>',
    '',
    calibration.images.join(', '),
    '',
    '</details>',
    '',
  ].join('\n');
}

/** summary.md from the SummaryInputs: pure, so the whole report is testable without a run. */
import { variants, type Variant } from '../../core/src/variants.ts';
import { cocoStatKeys, cocoStatLabel, variantLabel } from '../../core/src/vocabulary.ts';
import type { SummaryInputs } from './inputs.ts';

type Row = [label: string, fp16: string, qat: string, delta?: string];

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

/** COCO reports -1 where a metric is undefined (no GT in that area range). */
const stat = (x: number | undefined) => (x === undefined || x < 0 ? null : x);
const signed = (x: number | null, digits: number) => (x === null ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`);

/** A Markdown table with the head's columns (a delta column only when the head has one). */
function table(head: Row, rows: Row[]): string[] {
  const line = (r: Row) => `| ${r.slice(0, head.length).join(' | ')} |`;
  return [line(head), `|${' --- |'.repeat(head.length)}`, ...rows.map(line)];
}

const both = <T>(pick: (v: Variant) => T): [T, T] => [pick('fp16'), pick('qat')];

function lastLosses(input: SummaryInputs, variant: Variant, split: 'train' | 'val'): string {
  const series = input.losses[variant][split];
  const at = (values: number[]) => values[values.length - 1];
  return `${f3(at(series.box))} / ${f3(at(series.cls))} / ${f3(at(series.dfl))}`;
}

export function composeSummary(input: SummaryInputs, generatedAt: Date): string {
  const { runs, metrics, exported } = input;
  const head: Row = ['', variantLabel.fp16, variantLabel.qat, 'W4A16 − FP16'];
  const fp = runs.fp16;

  const accuracy: Row[] = cocoStatKeys.map((key) => {
    const [a, b] = both((v) => stat(metrics[v][key]));
    return [cocoStatLabel(key), f3(a), f3(b), a !== null && b !== null ? signed(b - a, 3) : '—'];
  });

  const latency = (key: 'mean' | 'p50' | 'p90' | 'p99'): Row => {
    const [a, b] = both((v) => metrics[v].latencyMs?.[key] ?? null);
    return [`${key} (ms)${metrics.qat.latencyQdqFoldedMs ? ', QCDQ as stored' : ''}`, f2(a), f2(b), a !== null && b !== null ? `${(b / a).toFixed(2)}×` : '—'];
  };
  // The QCDQ file once more with its weight Q/DQ folded into float weights at load time; the FP16 column is unchanged.
  const folded = metrics.qat.latencyQdqFoldedMs;
  const foldedRows: Row[] = folded
    ? (['mean', 'p50'] as const).map((key) => {
        const a = metrics.fp16.latencyMs?.[key] ?? null;
        return [`${key} (ms), QCDQ weight Q/DQ folded at load time`, f2(a), f2(folded[key]), a !== null ? `${(folded[key] / a).toFixed(2)}×` : '—'];
      })
    : [];
  const letterboxUsed = metrics.fp16.letterbox ?? 'predict';
  const letterboxText =
    letterboxUsed === 'val'
      ? "Images were letterboxed as Ultralytics' val dataloader does (long side resized to the input size, then padded), the preprocessing of the trainings' own mAP in results.csv."
      : "Images were letterboxed as Ultralytics' predictor does (one resize to fit, then padded); the trainings' own mAP in results.csv is measured with the val dataloader's preprocessing instead.";

  const model: Row[] = [
    ['ONNX file', ...both((v) => `${mib(exported[v].fileBytes)} (\`${exported[v].file}\`)`)],
    ['parameters in the ONNX initializers', ...both((v) => int(exported[v].parameters.initializerElements))],
    ['parameters of the trained model', ...both((v) => int(runs[v].parameters))],
    ['quantized convolutions: trained (in the exported graph = DequantizeLinear nodes)', ...both((v) => `${int(runs[v].quantization?.quantizedConvs ?? 0)} (${int(exported[v].nodeCounts.DequantizeLinear ?? 0)})`)],
    ['convolutions kept float', ...both((v) => runs[v].quantization?.floatConvNames.join(', ') || (v === 'fp16' ? 'all' : 'none'))],
    ['integer weights in the file', ...both((v) => (exported[v].intWeights ? 'yes (int8 storage of 4-bit codes)' : 'no (float32)'))],
  ];

  const training: Row[] = [
    ['epochs', ...both((v) => `${runs[v].epochsCompleted} / ${runs[v].epochs}`)],
    ['training wall time', ...both((v) => formatDuration(runs[v].wallSeconds))],
    ['train throughput (images/s)', ...both((v) => f1(runs[v].imagesPerSecond))],
    ['device', ...both((v) => `${runs[v].deviceName}${runs[v].worldSize > 1 ? ` ×${runs[v].worldSize} (DDP)` : ''}`)],
    ['AMP', ...both((v) => (runs[v].amp ? 'on' : 'off'))],
    ['batch', ...both((v) => String(runs[v].batch))],
    ['peak GPU memory', ...both((v) => (runs[v].peakGpuMemoryGiB === null ? '—' : `${f2(runs[v].peakGpuMemoryGiB)} GiB`))],
    ['final train loss box / cls / dfl', ...both((v) => lastLosses(input, v, 'train'))],
    ['final val loss box / cls / dfl', ...both((v) => lastLosses(input, v, 'val'))],
    ['training sessions (1 + resumes)', ...both((v) => String(runs[v].sessions))],
  ];

  const [mA, mB] = both((v) => stat(metrics[v].stats[0]));
  const headline =
    mA !== null && mB !== null
      ? `W4A16 QAT reaches **${f3(mB)}** mAP50-95 against FP16's **${f3(mA)}** (${signed(mB - mA, 3)}), ` +
        `with an ONNX file ${(exported.fp16.fileBytes / exported.qat.fileBytes).toFixed(1)}× smaller.`
      : 'mAP is undefined for this run (no ground truth in the evaluated images).';
  const providers = metrics.fp16.providers?.join(', ') ?? 'cpu';
  const splits = Object.entries(input.dataset.splits);

  return [
    `# YOLOv10 from scratch: FP16 (AMP) baseline vs Brevitas W4A16 QAT`,
    '',
    `Run \`${input.runId}\` (profile \`${input.profile}\`): ${fp.model} at ${fp.imgsz}×${fp.imgsz}, random init, ` +
      `${fp.epochs} epochs, SGD. Generated ${generatedAt.toISOString()}.`,
    ...(input.profile === 'demo'
      ? ['', '> Demo profile: a small model on generated shapes for a few epochs, sized to run on a CPU in minutes. Its figures show that the pipeline works, not what the recipe reaches; run the `coco` profile for that.']
      : []),
    '',
    headline,
    '',
    `## Accuracy (COCO bbox, ${int(metrics.fp16.images)} val images, this project's ONNX evaluator)`,
    '',
    ...table(head, accuracy),
    '',
    `Preprocessing: \`${letterboxUsed}\` letterbox. ${letterboxText}`,
    '',
    `## Latency (onnxruntime-node, ${providers}, batch 1, inference only, after warm-up)`,
    '',
    ...table(head, [
      latency('mean'),
      latency('p50'),
      latency('p90'),
      latency('p99'),
      ...foldedRows,
      [`whole eval pipeline (images/s, batch ${metrics.fp16.throughput?.batch ?? 1})`, ...both((v) => f1(metrics[v].throughput?.imagesPerSecond ?? null)), ''],
    ]),
    '',
    ...(folded
      ? [
          "\"As stored\": onnxruntime's CPU provider keeps the QCDQ file's QuantizeLinear → Clip → DequantizeLinear on every weight and runs it at every inference. " +
            '"Folded": the same file with those weight chains folded into float weights when the session loads (session.disable_quant_qdq); the outputs are the same to float32 rounding. ' +
            "On onnxruntime's CPU provider the 4-bit benefit is the file size, not speed: the convolutions run in float32 either way.",
          '',
        ]
      : []),
    `## Model (ONNX opset ${input.opset})`,
    '',
    ...table(['', variantLabel.fp16, variantLabel.qat], model),
    '',
    '## Training',
    '',
    ...table(['', variantLabel.fp16, variantLabel.qat], training),
    '',
    '## Loss curves',
    '',
    '![Training and validation losses of both variants](loss.png)',
    '',
    'Solid: train, dashed: val. Interactive version: [loss.html](loss.html).',
    '',
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
    ...variants.map((v) => `- ${variantLabel[v]} ONNX sha256: \`${exported[v].sha256}\``),
    '',
  ].join('\n');
}

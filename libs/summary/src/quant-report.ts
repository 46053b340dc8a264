/** The quantization report section of summary.md, from ptq-w4a16/quantization-report.json: pure. */
import type { QuantizationReport } from './inputs.ts';

type SqnrModel = QuantizationReport['qat'];
type Layer = SqnrModel['layers'][number];

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
const pct = (share: number) => `${(100 * share).toFixed(1)} %`;
const db = (x: number | null | undefined) => (x === null || x === undefined ? 'exact' : `${x.toFixed(1)} dB`);
const int = (x: number) => x.toLocaleString('en-US');

/** The models of the report and how summary.md names them. */
const models = [
  ['qat', 'W4A16 QAT (trained weights)'],
  ['fp16Weights', 'FP16 weights, as W4A16 PTQ rounds them'],
] as const;

export const LOWEST_SHOWN = 10;

function lowestTable(report: QuantizationReport, key: 'qat' | 'fp16Weights'): string[] {
  const byName = (m: SqnrModel) => new Map<string, Layer>(m.layers.map((l) => [l.name, l]));
  const qat = byName(report.qat);
  const fp16 = byName(report.fp16Weights);
  return [
    '| layer | weight shape | parameters | bits | SQNR, QAT | SQNR, FP16 weights |',
    '| --- | --- | --- | --- | --- | --- |',
    ...report[key].lowest.slice(0, LOWEST_SHOWN).map((name) => {
      const layer = report[key].layers.find((l) => l.name === name);
      if (!layer) throw new Error(`quantization report: lowest-SQNR layer '${name}' is not among the ${key} layers`);
      return `| \`${name}\` | ${layer.weightShape.join('×')} | ${int(layer.parameters)} | ${layer.bitWidth} | ${db(qat.get(name)?.sqnrDb)} | ${db(fp16.get(name)?.sqnrDb)} |`;
    }),
  ];
}

export function quantizationReportSection(report: QuantizationReport, sqnrPng: string, reportFile: string): string[] {
  const row = (label: string, pick: (m: SqnrModel) => string) => `| ${label} | ${models.map(([k]) => pick(report[k])).join(' | ')} |`;
  return [
    '## Quantization report',
    '',
    `Weight SQNR (signal-to-quantization-noise ratio, higher is better) of the 4-bit fake quantization of every quantized convolution, ` +
      `before batch-norm folding: for the QAT model and for the finished FP16 model's weights, which is what W4A16 PTQ faces. Full per-layer table: \`${reportFile}\`.`,
    '',
    `| | ${models.map(([, label]) => label).join(' | ')} |`,
    `|${' --- |'.repeat(models.length + 1)}`,
    row('quantized convolutions', (m) => `${int(m.totals.quantizedConvs)} of ${int(m.totals.convs)} (${pct(m.totals.quantizedConvShare)})`),
    row('quantized parameters', (m) => `${int(m.totals.quantizedParameters)} of ${int(m.totals.parameters)} (${pct(m.totals.quantizedParameterShare)})`),
    row('model size at fp32 / fp16 / packed int4', (m) => `${mib(m.totals.bytes.fp32)} / ${mib(m.totals.bytes.fp16)} / ${mib(m.totals.bytes.packedInt4)}`),
    row('mean weight SQNR', (m) => db(m.meanSqnrDb)),
    '',
    `![Per-layer weight SQNR of the 4-bit quantization](${sqnrPng})`,
    '',
    `The ${LOWEST_SHOWN} layers with the lowest SQNR of the FP16 weights (where PTQ loses most):`,
    '',
    ...lowestTable(report, 'fp16Weights'),
    '',
    `The ${LOWEST_SHOWN} layers with the lowest SQNR of the QAT model:`,
    '',
    ...lowestTable(report, 'qat'),
    '',
  ];
}

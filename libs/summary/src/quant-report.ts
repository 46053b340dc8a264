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

/** The bit widths of a model's quantized weights, widest last (conf/qat.yaml's weightBitWidth and layers). */
const widthsOf = (m: SqnrModel) => Object.keys(m.totals.bitWidths).map(Number).sort((a, b) => a - b);

/** How the quantization is named in titles: '4-bit', or 'mixed 4/8-bit' when layers have their own widths. */
export function bitWidthLabel(report: QuantizationReport): string {
  const widths = widthsOf(report.qat);
  return widths.length === 1 ? `${widths[0]}-bit` : `mixed ${widths.join('/')}-bit`;
}

/** The same in a sentence: '4 bits', or '4/8 bits per layer'. */
export function bitWidthsText(report: QuantizationReport): string {
  const widths = widthsOf(report.qat);
  return widths.length === 1 ? `${widths[0]} bits` : `${widths.join('/')} bits per layer`;
}

/**
 * Bits per layer: one line per width. The layers of the most common width are counted, the others named (the full
 * per-layer table, bitWidth included, is in quantization-report.json).
 */
function bitsPerLayer(m: SqnrModel): string[] {
  const widths = widthsOf(m);
  const counts = m.totals.bitWidths;
  if (widths.length === 1) return [`All ${int(m.totals.quantizedConvs)} quantized convolutions have ${widths[0]}-bit weights.`];
  const common = widths.reduce((a, b) => (counts[String(b)]!.convs > counts[String(a)]!.convs ? b : a));
  return widths.map((bits) => {
    const { convs, parameters } = counts[String(bits)]!;
    const head = `- ${bits} bits: ${int(convs)} convolutions, ${int(parameters)} weights`;
    if (bits === common) return `${head} (the others)`;
    return `${head}: ${m.layers.filter((l) => l.bitWidth === bits).map((l) => `\`${l.name}\``).join(', ')}`;
  });
}

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
  const label = bitWidthLabel(report);
  const widths = (m: SqnrModel) => widthsOf(m).map((bits) => `${bits} bits: ${int(m.totals.bitWidths[String(bits)]!.convs)}`).join(', ');
  return [
    '## Quantization report',
    '',
    `Weight SQNR (signal-to-quantization-noise ratio, higher is better) of the ${label} fake quantization of every quantized convolution ` +
      `(each at its own bit width), before batch-norm folding: for the QAT model and for the finished FP16 model's weights, which is what ` +
      `W4A16 PTQ faces (the same widths). Full per-layer table: \`${reportFile}\`.`,
    '',
    `| | ${models.map(([, label]) => label).join(' | ')} |`,
    `|${' --- |'.repeat(models.length + 1)}`,
    row('quantized convolutions', (m) => `${int(m.totals.quantizedConvs)} of ${int(m.totals.convs)} (${pct(m.totals.quantizedConvShare)})`),
    row('quantized parameters', (m) => `${int(m.totals.quantizedParameters)} of ${int(m.totals.parameters)} (${pct(m.totals.quantizedParameterShare)})`),
    row('quantized convolutions per weight bit width', widths),
    // Packed int4: weights of up to 4 bits two a byte, wider ones one a byte (kept int8), as the packed file stores them.
    row('model size at fp32 / fp16 / packed int4', (m) => `${mib(m.totals.bytes.fp32)} / ${mib(m.totals.bytes.fp16)} / ${mib(m.totals.bytes.packedInt4)}`),
    row('mean weight SQNR', (m) => db(m.meanSqnrDb)),
    '',
    'Bits per layer (QAT and PTQ alike):',
    '',
    ...bitsPerLayer(report.qat),
    '',
    `![Per-layer weight SQNR of the ${label} quantization](${sqnrPng})`,
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

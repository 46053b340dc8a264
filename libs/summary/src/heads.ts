/**
 * summary.md's "NMS-free vs NMS" section: each trained model scored with both YOLOv10 heads, the one-to-one head
 * (NMS-free, the exported product) and the one-to-many head with this evaluator's NMS, side by side, and what the
 * NMS-free design costs or gains on this run. Pure.
 */
import type { ValHead } from '../../core/src/config/schema.ts';
import { variants, type Variant } from '../../core/src/variants.ts';
import { variantLabel } from '../../core/src/vocabulary.ts';
import type { Metrics } from './inputs.ts';
import { signed, table, type Row } from './markdown.ts';

export const headsHeading = 'NMS-free vs NMS: both heads of each trained model';

/** How this section names each head, in its rows. */
const headText: Record<ValHead, string> = { one2one: 'one-to-one, NMS-free (exported)', 'one2many-nms': 'one-to-many + NMS' };

const fixed = (digits: number) => (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));
const f3 = fixed(3);
const f2 = fixed(2);
const signed3 = (x: number | null) => signed(x !== null && Number.isFinite(x) ? x : null, 3);
/** COCO reports -1 where a metric is undefined. */
const defined = (x: number | null | undefined): number | null => (x === undefined || x === null || x < 0 ? null : x);

/** Output decoding per image (the top-k filter, or NMS), from the evaluator's per-stage seconds; null when not recorded. */
function decodeMsPerImage(m: Metrics): number | null {
  const seconds = m.throughput?.stageSeconds?.decodeOutput;
  const images = m.throughput?.images;
  return seconds === undefined || !images ? null : (1000 * seconds) / images;
}

/** The section; `metricsOf(variant, head)` is that head's metrics.json. */
export function headsSection(metricsOf: (variant: Variant, head: ValHead) => Metrics): string[] {
  const both = (pick: (v: Variant) => string): string[] => variants.map(pick);
  const score = (key: 'mAP50_95' | 'mAP50', head: ValHead) => (v: Variant) => defined(metricsOf(v, head)[key]);
  const ultra = (head: ValHead) => (v: Variant) => metricsOf(v, head).ultralytics?.mAP50_95 ?? null;
  const gain = (pick: (head: ValHead) => (v: Variant) => number | null) => (v: Variant) => {
    const [free, nms] = [pick('one2one')(v), pick('one2many-nms')(v)];
    return free === null || nms === null ? null : free - nms;
  };
  const rows: Row[] = [];
  for (const [label, pick] of [
    ['mAP50-95', (head: ValHead) => score('mAP50_95', head)],
    ['mAP50', (head: ValHead) => score('mAP50', head)],
    ["Ultralytics' mAP50-95", ultra],
  ] as const) {
    for (const head of ['one2one', 'one2many-nms'] as const) rows.push([`${label}, ${headText[head]}`, ...both((v) => f3(pick(head)(v)))]);
    rows.push([`${label}, NMS-free − NMS`, ...both((v) => signed3(gain(pick)(v)))]);
  }
  const fileText: Record<ValHead, string> = { one2one: 'one-to-one file', 'one2many-nms': 'one-to-many file (NMS not included)' };
  for (const head of ['one2one', 'one2many-nms'] as const) {
    rows.push([`inference p50 (ms, batch 1), ${fileText[head]}`, ...both((v) => f2(metricsOf(v, head).latencyMs?.p50))]);
  }
  rows.push(['output decoding (ms/image): top-k filter / NMS', ...both((v) => `${f2(decodeMsPerImage(metricsOf(v, 'one2one')))} / ${f2(decodeMsPerImage(metricsOf(v, 'one2many-nms')))}`)]);

  const mapGain = gain((head) => score('mAP50_95', head));
  const verdict = variants
    .map((v) => {
      const g = mapGain(v);
      return g === null ? `${variantLabel[v]}: undefined` : `${variantLabel[v]} **${signed3(g)}**`;
    })
    .join(', ');
  return [
    `## ${headsHeading}`,
    '',
    `YOLOv10's claim is that its one-to-one head makes NMS unnecessary. On this run's own models, the NMS-free head's mAP50-95 minus the one-to-many head's with NMS: ${verdict} (COCO mAP50-95; negative: the NMS-free design costs accuracy here).`,
    '',
    ...table(['', ...variants.map((v) => variantLabel[v])], rows),
    '',
    'Both heads of one model are the same trained weights, exported side by side (`onnx/`) and scored on the same images by the same evaluator. ' +
      "The one-to-one file's end-to-end output is only filtered (score above the confidence threshold); the one-to-many file's raw boxes go through " +
      "this evaluator's NMS, with Ultralytics' validation semantics (class-aware, IoU 0.7, one box per class score above the threshold, at most 300 per image; " +
      'libs/eval/src/decode-output.ts, equal to Ultralytics\' non_max_suppression in its parity test). Inference times are the model alone; output decoding is the evaluator\'s, summed over its images.',
    '',
  ];
}


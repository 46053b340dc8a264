/**
 * summary.md's "Export and eval fidelity" section and its warning at the top: for each trained model, the ONNX file of
 * the head its training validated, scored here on Ultralytics' metric, against the training's own final validation of
 * the same checkpoint (metrics.json `fidelity`, written by the eval stage: libs/eval/src/fidelity.ts). Pure.
 */
import type { Fidelity } from '../../core/src/schemas/eval.ts';
import { variants, type Variant } from '../../core/src/variants.ts';
import { valHeadLabel, variantLabel } from '../../core/src/vocabulary.ts';
import { signed, table, type Row } from './markdown.ts';

const fidelityHeading = 'Export and eval fidelity';
const anchor = `#${fidelityHeading.toLowerCase().replace(/ /g, '-')}`;

/**
 * A trained model's check: the comparison; null when its run.json records no final validation; undefined when its
 * metrics predate the check.
 */
export type FidelityOf = (variant: Variant) => Fidelity | null | undefined;

const f4 = (x: number) => x.toFixed(4);

/** One warning per model beyond the tolerance, for the top of summary.md, naming the model and both numbers. */
export function fidelityWarnings(fidelityOf: FidelityOf): string[] {
  return variants.flatMap((v) => {
    const f = fidelityOf(v);
    if (!f || f.withinTolerance) return [];
    return [
      `> **Fidelity warning: ${variantLabel[v]}.** Its ONNX file (${f.head} head) scores mAP50-95 ${f4(f.onnxMap50_95)} on Ultralytics' metric, ` +
        `the training's final validation of the same checkpoint ${f4(f.trainingMap50_95)}: ${signed(f.difference, 4)}, beyond ±${f4(f.tolerance)}; see [${fidelityHeading}](${anchor}).`,
      '',
    ];
  });
}

export function fidelitySection(fidelityOf: FidelityOf): string[] {
  const cell = (v: Variant, text: (f: Fidelity) => string, missing: string): string => {
    const f = fidelityOf(v);
    if (f === undefined) return '—';
    return f === null ? missing : text(f);
  };
  const none = 'no final validation in run.json';
  const rows: Row[] = [
    ["head compared (the training's valHead)", ...variants.map((v) => cell(v, (f) => valHeadLabel[f.head], none))],
    ["training's final validation of best.pt, mAP50-95", ...variants.map((v) => cell(v, (f) => f4(f.trainingMap50_95), none))],
    ["the ONNX file of that head, this evaluator, Ultralytics' metric", ...variants.map((v) => cell(v, (f) => f4(f.onnxMap50_95), none))],
    ['difference (ONNX − training)', ...variants.map((v) => cell(v, (f) => signed(f.difference, 4), '—'))],
    ['tolerance', ...variants.map((v) => cell(v, (f) => `±${f4(f.tolerance)}`, '—'))],
    ['verdict', ...variants.map((v) => cell(v, (f) => (f.withinTolerance ? 'within' : '**beyond: warning**'), 'not checked'))],
  ];
  return [
    `## ${fidelityHeading}`,
    '',
    ...table(['', ...variants.map((v) => variantLabel[v])], rows),
    '',
    "The training's number is Ultralytics' own validation of best.pt at the end of training (run.json finalMetrics): PyTorch, rectangular val " +
      'batches, half precision under AMP on CUDA. The ONNX number scores the same checkpoint and head as exported, every image letterboxed square, ' +
      'in float32, on the same metric. A difference beyond the tolerance means the export or the evaluator changed the model; README.md ' +
      '("Export and eval fidelity") says how the tolerance (10% of the training\'s mAP50-95, at least 0.01) was measured. \'—\': metrics written before the check existed.',
    '',
  ];
}

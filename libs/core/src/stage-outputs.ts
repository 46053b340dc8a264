/**
 * The stages and the folder each writes in the run-root layout: all that a stage needs to know of the others when
 * it runs (which stage wrote an upstream file, for the error that finds it missing). The rest of each stage's
 * declaration is in stages.ts, which only the Nx plugin and tools load: an edit there reaches no stage's code input.
 */
import { sep } from 'node:path';
import type { RunLayout } from './layout.ts';

export const stageNames = ['dataset', 'hyps', 'train-fp16', 'train-qat', 'export', 'ptq-w4a16', 'ptq-w8a8', 'eval', 'summary'] as const;
export type StageName = (typeof stageNames)[number];

/** Each stage's output folder. */
export const stageOutput: Record<StageName, (layout: RunLayout) => string> = {
  dataset: (l) => l.dataset,
  hyps: (l) => l.hyps,
  'train-fp16': (l) => l.train.fp16,
  'train-qat': (l) => l.train.qat,
  export: (l) => l.onnx,
  'ptq-w4a16': (l) => l.ptq.w4a16,
  'ptq-w8a8': (l) => l.ptq.w8a8,
  eval: (l) => l.eval,
  summary: (l) => l.summary,
};

/** The Nx target that runs a stage: tools/nx-stage names each stage's project and target after it. */
export const nxTarget = (stage: StageName): string => `${stage}:${stage}`;

/** The stage whose output folder holds `path` (absolute, in `layout`'s run). */
export function producerOf(layout: RunLayout, path: string): StageName {
  const stage = stageNames.find((s) => path === stageOutput[s](layout) || path.startsWith(`${stageOutput[s](layout)}${sep}`));
  if (!stage) throw new Error(`${path} is in no stage's output folder of run ${layout.runId}`);
  return stage;
}

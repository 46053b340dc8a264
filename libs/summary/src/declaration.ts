/** The summary stage's declaration (libs/core/src/stage-declaration.ts). */
import { artifactFiles as f, calibrationListFileName, ptqFiles, variantLossChart } from '../../core/src/layout.ts';
import type { StageDeclaration } from '../../core/src/stage-declaration.ts';

export const summary: StageDeclaration = {
  // The config digest in summary.md covers every section that decides results.
  conf: ['dataset.yaml', 'train.yaml', 'qat.yaml', 'finetune.yaml', 'export.yaml', 'ptq.yaml', 'eval.yaml', 'preprocess.yaml', 'hyp.scratch.yaml'],
  code: { ts: ['libs/summary/src/stage.ts'], python: [] },
  pythonPackages: [],
  reads: {
    'train-fp16': [f.runJson, f.resultsCsv],
    'train-qat': [f.runJson, f.resultsCsv],
    'train-qat-ft': [f.runJson, f.resultsCsv],
    export: [f.exportJson],
    'ptq-w4a16': [ptqFiles.w4a16.summary, ptqFiles.w4a16.report],
    'ptq-w8a8': [ptqFiles.w8a8.summary, calibrationListFileName],
    eval: ['*.metrics.json'],
    dataset: [f.provenance],
  },
  output: (l) => l.summary,
  // oscillation.png/html: every QAT run records the weight code changes (a run begun before that has no chart).
  writes: [
    f.summaryMd, f.lossPng, f.lossHtml, f.mapPng, f.mapHtml, f.sqnrPng, f.sqnrHtml, f.oscillationPng, f.oscillationHtml,
    ...Object.values(variantLossChart).flatMap((c) => [c.png, c.html]),
  ],
};

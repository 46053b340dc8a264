/**
 * The summary stage: FP16, W4A16 QAT, W4A16 PTQ and W8A8 PTQ side by side in <run-root>/summary/summary.md,
 * with map.png (validation mAP per epoch of both trainings), sqnr.png (per-layer weight SQNR), loss.png (Plotly, rendered
 * by Puppeteer with a system Chromium) of both variants overlaid, loss.html (the same figure, interactive), each
 * variant's own chart (<variant>.loss.png/html) and, when the QAT run's results.csv records it, oscillation.png (the
 * share of 4-bit weight codes changed per epoch). It draws every chart itself and never reads a training's own loss.png,
 * which is drawn best effort and may be missing.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hypSourceFile, loadSection, type Profile } from '../../core/src/config/load.ts';
import type { SectionName } from '../../core/src/config/schema.ts';
import { canonicalJson, sha256Text } from '../../core/src/hashing.ts';
import { artifactFiles, variantLossChart, type RunLayout } from '../../core/src/layout.ts';
import { variants } from '../../core/src/variants.ts';
import { variantLabel, variantLossTitle } from '../../core/src/vocabulary.ts';
import { runStageMain } from '../../core/src/stage-args.ts';
import { writeDirAtomically } from '../../core/src/staging.ts';
import { fromWorkspace } from '../../core/src/workspace.ts';
import { buildMapFigure, buildOscillationFigure, buildSqnrFigure, renderFigure, renderLossChart } from '../../chart/src/index.ts';
import { composeSummary } from './compose.ts';
import { readSummaryInputs } from './inputs.ts';
import { hasOscillationChart } from './oscillation.ts';
import { bitWidthLabel } from './quant-report.ts';

/**
 * Digest of what decides the results: every resolved conf/ section but resources and watch (where a run goes and what
 * its trainer warns about: no stage's input, libs/training/src/declaration.ts), plus the hyps source. Each section by its literal name, so
 * that the conf-reads test sees what is read (conf-reads.ts); `satisfies` fails the typecheck when a section is missing.
 */
export async function configDigest(profile: Profile): Promise<string> {
  const resolved = {
    dataset: loadSection('dataset', profile),
    train: loadSection('train', profile),
    qat: loadSection('qat', profile),
    finetune: loadSection('finetune', profile),
    export: loadSection('export', profile),
    eval: loadSection('eval', profile),
    preprocess: loadSection('preprocess', profile),
    ptq: loadSection('ptq', profile),
  } satisfies Record<Exclude<SectionName, 'resources' | 'watch'>, unknown>;
  const hyps = await readFile(hypSourceFile, 'utf8');
  return sha256Text(canonicalJson({ ...resolved, hyps }));
}

export async function runSummaryStage(profile: Profile, layout: RunLayout): Promise<void> {
  const inputs = await readSummaryInputs(layout, profile, await configDigest(profile));
  // Both trainings in the variants' order, so each keeps its colour across the charts.
  const runs = variants.map((v) => ({ label: variantLabel[v], epochs: inputs.losses[v] }));
  await writeDirAtomically(layout.summary, async (staging) => {
    await renderLossChart(
      {
        runs,
        title: `YOLOv10 from scratch (${inputs.runs.fp16.model}, ${inputs.runs.fp16.imgsz} px): train and val losses, FP16 vs W4A16 QAT`,
      },
      { pngPath: join(staging, artifactFiles.lossPng), htmlPath: join(staging, artifactFiles.lossHtml) },
    );
    for (const v of variants) {
      await renderLossChart(
        { runs: [{ label: variantLabel[v], epochs: inputs.losses[v] }], title: variantLossTitle(v) },
        { pngPath: join(staging, variantLossChart[v].png), htmlPath: join(staging, variantLossChart[v].html) },
      );
    }
    const mapTitle = `YOLOv10 from scratch (${inputs.runs.fp16.model}, ${inputs.runs.fp16.imgsz} px): validation mAP50-95 and mAP50, FP16 vs W4A16 QAT`;
    await renderFigure(
      buildMapFigure(runs, { title: mapTitle }),
      mapTitle,
      { pngPath: join(staging, artifactFiles.mapPng), htmlPath: join(staging, artifactFiles.mapHtml) },
    );
    const { qat, fp16Weights } = inputs.ptq.report;
    const sqnrTitle = `Weight SQNR of the ${bitWidthLabel(inputs.ptq.report)} quantization per quantized convolution`;
    await renderFigure(
      buildSqnrFigure(
        qat.layers.map((l) => l.name),
        [
          { label: 'W4A16 QAT', sqnrDb: qat.layers.map((l) => l.sqnrDb) },
          { label: 'FP16 weights (W4A16 PTQ)', sqnrDb: fp16Weights.layers.map((l) => l.sqnrDb) },
        ],
        { title: sqnrTitle },
      ),
      sqnrTitle,
      { pngPath: join(staging, artifactFiles.sqnrPng), htmlPath: join(staging, artifactFiles.sqnrHtml) },
    );
    if (hasOscillationChart(inputs.losses.qat)) {
      const oscillationTitle = `${variantLabel.qat}: share of 4-bit weight codes changed since the previous epoch (weight oscillation)`;
      await renderFigure(
        buildOscillationFigure(runs, { title: oscillationTitle }),
        oscillationTitle,
        { pngPath: join(staging, artifactFiles.oscillationPng), htmlPath: join(staging, artifactFiles.oscillationHtml) },
      );
    }
    await writeFile(join(staging, artifactFiles.summaryMd), composeSummary(inputs, new Date()));
  });
  process.stdout.write(`summary: ${fromWorkspace(join(layout.summary, artifactFiles.summaryMd))}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) runStageMain(runSummaryStage);

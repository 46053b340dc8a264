/**
 * Draws one training's own loss chart into its folder: loss.html (needs no browser) and loss.png (headless Chromium's
 * screenshot of that page), from the folder's results.csv. The training stage runs it as a child process when a
 * training finishes (loss-chart-step.ts), and it is the command that draws the PNG later where that could not:
 *
 *   node --import tsx libs/training/src/loss-chart-cli.ts <variant> <training folder>
 *
 * Run, never imported, by the training: chart code stays out of the training's code input, so a chart edit never
 * retrains.
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runMain, UserError } from '../../core/src/errors.ts';
import { artifactFiles, experimentName, trainingFolder } from '../../core/src/layout.ts';
import { watchParent } from '../../core/src/processes.ts';
import { variants, type Variant } from '../../core/src/variants.ts';
import { variantLabel, variantLossTitle } from '../../core/src/vocabulary.ts';
import { fromWorkspace } from '../../core/src/workspace.ts';
import { buildLossFigure, readResultsCsv, renderFigure, writeFigurePage } from '../../chart/src/index.ts';

/**
 * Writes loss.html and loss.png of the run in `dir`. When the PNG cannot be drawn (no Chromium, a browser that will
 * not start) the page is still written and the error is rethrown; a PNG of an earlier drawing is removed, so the two
 * never show different runs.
 */
export async function drawTrainingLossChart(variant: Variant, dir: string): Promise<void> {
  const title = variantLossTitle(variant);
  const epochs = await readResultsCsv(join(dir, artifactFiles.resultsCsv));
  const figure = buildLossFigure([{ label: variantLabel[variant], epochs }], { title });
  const outputs = { pngPath: join(dir, artifactFiles.lossPng), htmlPath: join(dir, artifactFiles.lossHtml) };
  try {
    await renderFigure(figure, title, outputs);
  } catch (error) {
    await writeFigurePage(figure, title, outputs.htmlPath);
    await rm(outputs.pngPath, { force: true });
    throw error;
  }
}

function parseCommandLine(argv: string[]): { variant: Variant; dir: string } {
  const usage = `expected <variant> <training folder>, e.g. qat tmp/${experimentName}/<run-id>/${trainingFolder.qat} (variants: ${variants.join(', ')})`;
  let positionals: string[];
  try {
    ({ positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true }));
  } catch (error) {
    throw new UserError(`${(error as Error).message}; ${usage}`, 'command line');
  }
  const [variant, dir] = positionals;
  if (positionals.length !== 2 || !variants.includes(variant as Variant)) throw new UserError(`${usage}, got ${JSON.stringify(positionals)}`, 'command line');
  return { variant: variant as Variant, dir: resolve(dir!) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  watchParent(() => process.exit(1)); // started by a training that is gone: nobody waits for the chart
  runMain(async () => {
    const { variant, dir } = parseCommandLine(process.argv.slice(2));
    await drawTrainingLossChart(variant, dir);
    process.stdout.write(`loss chart: ${fromWorkspace(join(dir, artifactFiles.lossPng))}\n`);
  });
}

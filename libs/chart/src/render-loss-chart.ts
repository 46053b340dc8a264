import { stageFile, writeFileAtomically, type StagedFile } from '../../core/src/staging.ts';
import { chartPageHtml, readPlotlyBundle, RENDER_STATE_GLOBAL } from './chart-page.ts';
import { findChromium } from './chromium.ts';
import { screenshotLocalPage } from './headless-screenshot.ts';
import { buildLossFigure, type LossRun, type PlotlyFigure } from './loss-figure.ts';

export interface LossChart {
  runs: readonly LossRun[];
  title: string;
}

export interface LossChartOutputs {
  /** The static chart, e.g. <stage>/loss.png. */
  pngPath: string;
  /** The same chart, interactive and self-contained, e.g. <stage>/loss.html. */
  htmlPath: string;
}

export interface RenderOptions {
  /** A Chromium binary; found with findChromium() when left out. */
  executablePath?: string;
  /** 2 (default) doubles the PNG's pixels for sharp text; the CSS size stays ~1400x900. */
  deviceScaleFactor?: 1 | 2;
}

export interface RenderedLossChart extends LossChartOutputs {
  /** Pixel size of the PNG. */
  width: number;
  height: number;
}

/**
 * Writes the loss chart as an interactive self-contained HTML page and as a PNG screenshot of that very page taken
 * by headless Chromium. Both files appear together, atomically, only once the screenshot succeeded.
 */
export async function renderLossChart(chart: LossChart, outputs: LossChartOutputs, options: RenderOptions = {}): Promise<RenderedLossChart> {
  return renderFigure(buildLossFigure(chart.runs, { title: chart.title }), chart.title, outputs, options);
}

/**
 * Any figure of this project (loss, mAP, SQNR) the same way: a self-contained HTML page and a PNG screenshot of that
 * very page by headless Chromium, both committed together only once the screenshot succeeded.
 */
export async function renderFigure(figure: PlotlyFigure, title: string, outputs: LossChartOutputs, options: RenderOptions = {}): Promise<RenderedLossChart> {
  // Before any work, so a machine without a browser fails at once with the fix.
  const executablePath = options.executablePath ?? findChromium();
  const deviceScaleFactor = options.deviceScaleFactor ?? 2;
  const width = Number(figure.layout.width);
  const height = Number(figure.layout.height);

  const staged: StagedFile[] = [];
  try {
    const html = await stageFile(outputs.htmlPath, chartPageHtml(figure, await readPlotlyBundle(), title));
    staged.push(html);
    // The screenshot is of the staged page itself, so the PNG shows exactly what loss.html shows.
    const png = await screenshotLocalPage(html.tempPath, { executablePath, width, height, deviceScaleFactor, readyGlobal: RENDER_STATE_GLOBAL });
    staged.push(await stageFile(outputs.pngPath, png));
    for (const file of staged) await file.commit();
  } catch (error) {
    await Promise.all(staged.map((file) => file.discard()));
    throw error;
  }
  return { ...outputs, width: width * deviceScaleFactor, height: height * deviceScaleFactor };
}

/** The interactive page alone, which needs no browser: what a machine without Chromium can still write. */
export async function writeFigurePage(figure: PlotlyFigure, title: string, htmlPath: string): Promise<void> {
  await writeFileAtomically(htmlPath, chartPageHtml(figure, await readPlotlyBundle(), title));
}

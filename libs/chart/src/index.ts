export { readResultsCsv, parseResultsCsv, CODE_CHANGE_COLUMN, type LossSeries, type LossComponents } from './results-csv.ts';
export { buildLossFigure, DEFAULT_FIGURE_SIZE, type LossRun, type LossFigureOptions, type PlotlyFigure } from './loss-figure.ts';
export { renderFigure, renderLossChart, writeFigurePage, type LossChart, type LossChartOutputs, type RenderOptions, type RenderedLossChart } from './render-loss-chart.ts';
export { findChromium, NoChromiumError, type ChromiumLookup } from './chromium.ts';
export { buildMapFigure, MAP_FIGURE_SIZE } from './map-figure.ts';
export { buildSqnrFigure, SQNR_FIGURE_SIZE, type SqnrSeries } from './sqnr-figure.ts';
export { buildOscillationFigure, OSCILLATION_FIGURE_SIZE } from './oscillation-figure.ts';

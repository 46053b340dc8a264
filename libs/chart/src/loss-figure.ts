import { UserError } from '../../core/src/errors.ts';
import { axisStyle, epochAxis, MAX_EPOCHS_WITH_MARKERS, pageLayout, panelTitle, RUN_COLOURS } from './figure-style.ts';
import type { LossComponents, LossSeries } from './results-csv.ts';

/** One training run to draw: its legend label ('FP16', 'W4A16 QAT', ...) and its per-epoch series. */
export interface LossRun {
  label: string;
  epochs: LossSeries;
}

export interface LossFigureOptions {
  title: string;
  width?: number;
  height?: number;
}

/** A Plotly figure as plain JSON: what `Plotly.newPlot(element, data, layout, config)` takes. */
export interface PlotlyFigure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  config: Record<string, unknown>;
}

export const DEFAULT_FIGURE_SIZE = { width: 1400, height: 900 } as const;

const SPLITS = [
  { key: 'train', title: 'train', dash: 'solid' },
  { key: 'val', title: 'val', dash: 'dash' },
] as const;
const COMPONENTS = [
  { key: 'box', title: 'box loss' },
  { key: 'cls', title: 'cls loss' },
  { key: 'dfl', title: 'dfl loss' },
] as const satisfies readonly { key: keyof LossComponents; title: string }[];

/**
 * Builds the loss chart: a 2x3 grid (rows train / val, columns box / cls / dfl loss) with every run overlaid in
 * its own colour, train solid and val dashed, one legend shared by all subplots. Pure: same runs, same figure.
 */
export function buildLossFigure(runs: readonly LossRun[], options: LossFigureOptions): PlotlyFigure {
  checkRuns(runs);
  const width = options.width ?? DEFAULT_FIGURE_SIZE.width;
  const height = options.height ?? DEFAULT_FIGURE_SIZE.height;
  const lastEpoch = Math.max(...runs.map((run) => run.epochs.epoch.at(-1)!));

  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = {
    title: { text: options.title, x: 0.5, xanchor: 'center', y: 0.985, yanchor: 'top', font: { size: 22 } },
    ...pageLayout({ width, height }),
    margin: { l: 70, r: 30, t: 120, b: 60 },
    grid: { rows: SPLITS.length, columns: COMPONENTS.length, pattern: 'independent', xgap: 0.08, ygap: 0.2 },
    legend: { orientation: 'h', x: 0.5, xanchor: 'center', y: 1.075, yanchor: 'bottom', font: { size: 14 }, itemwidth: 40 },
    hovermode: 'x unified',
    showlegend: true,
    annotations: [] as Record<string, unknown>[],
  };

  SPLITS.forEach((split, row) => {
    COMPONENTS.forEach((component, col) => {
      const n = row * COMPONENTS.length + col + 1;
      const suffix = n === 1 ? '' : String(n);
      layout[`xaxis${suffix}`] = epochAxis(lastEpoch, row === SPLITS.length - 1);
      layout[`yaxis${suffix}`] = lossAxis(col === 0);
      (layout.annotations as Record<string, unknown>[]).push(panelTitle(`<b>${split.title}</b> ${component.title}`, suffix));
      runs.forEach((run, r) => {
        const trace = lossTrace(run, RUN_COLOURS[r % RUN_COLOURS.length]!, split, component, suffix, col === 0);
        // The legend lists each run's train line next to its val line.
        data.push({ ...trace, legendrank: 1000 + r * SPLITS.length + row });
      });
    });
  });

  return { data, layout, config: { displayModeBar: false, responsive: false, displaylogo: false, scrollZoom: false } };
}

function lossTrace(
  run: LossRun,
  colour: string,
  split: (typeof SPLITS)[number],
  component: (typeof COMPONENTS)[number],
  axisSuffix: string,
  inLegend: boolean,
): Record<string, unknown> {
  const few = run.epochs.epoch.length <= MAX_EPOCHS_WITH_MARKERS;
  return {
    type: 'scatter',
    mode: few ? 'lines+markers' : 'lines',
    name: `${run.label} ${split.title}`,
    // One legend entry per run and split toggles that line in all three subplots.
    legendgroup: `${run.label} ${split.title}`,
    showlegend: inLegend,
    x: run.epochs.epoch,
    // JSON has no NaN: null leaves a gap where a loss diverged instead of breaking the page.
    y: run.epochs[split.key][component.key].map((v) => (Number.isFinite(v) ? v : null)),
    xaxis: `x${axisSuffix}`,
    yaxis: `y${axisSuffix}`,
    line: { color: colour, width: few ? 2.5 : 2, dash: split.dash },
    marker: { color: colour, size: 7, symbol: split.key === 'train' ? 'circle' : 'circle-open' },
    hovertemplate: `%{y:.4f}<extra>${run.label} ${split.title}</extra>`,
  };
}

function lossAxis(showTitle: boolean): Record<string, unknown> {
  return {
    title: showTitle ? { text: 'loss', standoff: 6 } : undefined,
    autorange: true,
    ...axisStyle,
  };
}

function checkRuns(runs: readonly LossRun[]): void {
  if (runs.length === 0) throw new UserError('expected at least one run to chart', 'loss chart');
  const seen = new Set<string>();
  for (const run of runs) {
    if (run.label.trim() === '') throw new UserError('a run has an empty label; expected a name such as "FP16"', 'loss chart');
    if (seen.has(run.label)) throw new UserError(`two runs share the label "${run.label}"; expected one label per run`, 'loss chart');
    seen.add(run.label);
    if (run.epochs.epoch.length === 0) throw new UserError('the run has no epochs to chart', `loss chart run "${run.label}"`);
  }
}

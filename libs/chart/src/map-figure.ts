import { UserError } from '../../core/src/errors.ts';
import { axisStyle, epochAxis, MAX_EPOCHS_WITH_MARKERS, pageLayout, panelTitle, RUN_COLOURS } from './figure-style.ts';
import type { LossRun, PlotlyFigure } from './loss-figure.ts';

const PANELS = [
  { key: 'mAP50_95', title: 'val mAP50-95' },
  { key: 'mAP50', title: 'val mAP50' },
] as const;

export const MAP_FIGURE_SIZE = { width: 1400, height: 560 } as const;

/**
 * The loss chart's companion: validation mAP50-95 and mAP50 per epoch (results.csv's metrics columns) of every run,
 * side by side, one colour per run in the loss chart's order. Pure: same runs, same figure.
 */
export function buildMapFigure(runs: readonly LossRun[], options: { title: string }): PlotlyFigure {
  if (runs.length === 0) throw new UserError('expected at least one run to chart', 'mAP chart');
  for (const run of runs) {
    if (run.epochs.epoch.length === 0) throw new UserError('the run has no epochs to chart', `mAP chart run "${run.label}"`);
  }
  const lastEpoch = Math.max(...runs.map((run) => run.epochs.epoch.at(-1)!));
  const layout: Record<string, unknown> = {
    title: { text: options.title, x: 0.5, xanchor: 'center', y: 0.97, yanchor: 'top', font: { size: 22 } },
    ...pageLayout(MAP_FIGURE_SIZE),
    margin: { l: 70, r: 30, t: 130, b: 60 },
    grid: { rows: 1, columns: PANELS.length, pattern: 'independent', xgap: 0.08 },
    legend: { orientation: 'h', x: 0.5, xanchor: 'center', y: 1.12, yanchor: 'bottom', font: { size: 14 } },
    hovermode: 'x unified',
    showlegend: true,
    annotations: PANELS.map((panel, i) => panelTitle(`<b>${panel.title}</b>`, i === 0 ? '' : String(i + 1))),
  };
  const data: Record<string, unknown>[] = [];
  PANELS.forEach((panel, i) => {
    const suffix = i === 0 ? '' : String(i + 1);
    layout[`xaxis${suffix}`] = epochAxis(lastEpoch, true);
    layout[`yaxis${suffix}`] = { title: i === 0 ? { text: 'mAP', standoff: 6 } : undefined, rangemode: 'tozero', ...axisStyle };
    runs.forEach((run, r) => {
      const colour = RUN_COLOURS[r % RUN_COLOURS.length]!;
      const few = run.epochs.epoch.length <= MAX_EPOCHS_WITH_MARKERS;
      data.push({
        type: 'scatter',
        mode: few ? 'lines+markers' : 'lines',
        name: run.label,
        legendgroup: run.label,
        showlegend: i === 0,
        x: run.epochs.epoch,
        y: run.epochs.metrics[panel.key].map((v) => (Number.isFinite(v) ? v : null)),
        xaxis: `x${suffix}`,
        yaxis: `y${suffix}`,
        line: { color: colour, width: 2.5 },
        marker: { color: colour, size: 7 },
        hovertemplate: `%{y:.4f}<extra>${run.label}</extra>`,
      });
    });
  });
  return { data, layout, config: { displayModeBar: false, responsive: false, displaylogo: false, scrollZoom: false } };
}

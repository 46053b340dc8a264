import { UserError } from '../../core/src/errors.ts';
import { axisStyle, epochAxis, MAX_EPOCHS_WITH_MARKERS, pageLayout, RUN_COLOURS } from './figure-style.ts';
import type { LossRun, PlotlyFigure } from './loss-figure.ts';
import { CODE_CHANGE_COLUMN } from './results-csv.ts';

export const OSCILLATION_FIGURE_SIZE = { width: 1400, height: 560 } as const;

/**
 * Weight oscillation of a QAT run: per epoch, the share of its 4-bit weight codes that changed since the previous
 * epoch (results.csv's qat/code_change), with the learning rate on a second axis, since the share only means
 * oscillation where it stays high while the LR is already low. Takes the runs in the other charts' order, so each
 * keeps its colour, and draws those that have the column (FP16 runs have none). Pure: same runs, same figure.
 */
export function buildOscillationFigure(runs: readonly LossRun[], options: { title: string }): PlotlyFigure {
  const drawn = runs.flatMap((run, r) => (run.epochs.codeChange ? [{ run, share: run.epochs.codeChange, colour: RUN_COLOURS[r % RUN_COLOURS.length]! }] : []));
  if (drawn.length === 0) throw new UserError(`expected a run whose results.csv has the "${CODE_CHANGE_COLUMN}" column`, 'oscillation chart');
  for (const { run } of drawn) {
    if (run.epochs.epoch.length === 0) throw new UserError('the run has no epochs to chart', `oscillation chart run "${run.label}"`);
  }
  const lastEpoch = Math.max(...drawn.map(({ run }) => run.epochs.epoch.at(-1)!));
  const finite = (values: readonly number[]) => values.map((v) => (Number.isFinite(v) ? v : null));
  const data = drawn.flatMap(({ run, share, colour }) => {
    const few = run.epochs.epoch.length <= MAX_EPOCHS_WITH_MARKERS;
    // lr/pg0 is the first parameter group Ultralytics' build_optimizer makes: the weights with decay, which hold
    // the quantized conv weights (biases and batch norm, pg1 and pg2, follow the same schedule after warm-up).
    const lr = run.epochs.lr[0];
    return [
      {
        type: 'scatter',
        mode: few ? 'lines+markers' : 'lines',
        name: `${run.label}: weight codes changed`,
        x: run.epochs.epoch,
        y: finite(share),
        yaxis: 'y',
        line: { color: colour, width: 2.5 },
        marker: { color: colour, size: 7 },
        hovertemplate: `%{y:.2%} of codes changed<extra>${run.label}</extra>`,
      },
      ...(lr
        ? [{
            type: 'scatter',
            mode: 'lines',
            name: `${run.label}: learning rate (lr/pg0)`,
            x: run.epochs.epoch,
            y: finite(lr),
            yaxis: 'y2',
            line: { color: colour, width: 1.5, dash: 'dot' },
            hovertemplate: `lr %{y:.3g}<extra>${run.label}</extra>`,
          }]
        : []),
    ];
  });
  const layout = {
    title: { text: options.title, x: 0.5, xanchor: 'center', y: 0.97, yanchor: 'top', font: { size: 22 } },
    ...pageLayout(OSCILLATION_FIGURE_SIZE),
    margin: { l: 80, r: 90, t: 120, b: 60 },
    legend: { orientation: 'h', x: 0.5, xanchor: 'center', y: 1.04, yanchor: 'bottom', font: { size: 14 } },
    hovermode: 'x unified',
    showlegend: true,
    xaxis: epochAxis(lastEpoch, true),
    yaxis: { title: { text: '4-bit weight codes changed since the previous epoch', standoff: 6 }, tickformat: '.1~%', rangemode: 'tozero', ...axisStyle },
    yaxis2: { title: { text: 'learning rate', standoff: 6 }, overlaying: 'y', side: 'right', rangemode: 'tozero', ...axisStyle, showgrid: false },
  };
  return { data, layout, config: { displayModeBar: false, responsive: false, displaylogo: false, scrollZoom: false } };
}

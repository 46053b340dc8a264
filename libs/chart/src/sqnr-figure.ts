import { UserError } from '../../core/src/errors.ts';
import { axisStyle, pageLayout, RUN_COLOURS } from './figure-style.ts';
import type { PlotlyFigure } from './loss-figure.ts';

/** One model's per-layer weight SQNR (dB) in layer order; null where the quantization is exact. */
export interface SqnrSeries {
  label: string;
  sqnrDb: readonly (number | null)[];
}

export const SQNR_FIGURE_SIZE = { width: 1400, height: 600 } as const;

/**
 * Per-layer weight SQNR of the 4-bit fake quantization, one line per model over the quantized convs in module order
 * (x: layer index, hover: layer name). Layers of all series must be the same list. Pure.
 */
export function buildSqnrFigure(layers: readonly string[], series: readonly SqnrSeries[], options: { title: string }): PlotlyFigure {
  if (layers.length === 0) throw new UserError('expected at least one quantized layer', 'SQNR chart');
  if (series.length === 0) throw new UserError('expected at least one model to chart', 'SQNR chart');
  for (const s of series) {
    if (s.sqnrDb.length !== layers.length) {
      throw new UserError(`has ${s.sqnrDb.length} SQNR values for ${layers.length} layers; expected one per layer`, `SQNR chart series "${s.label}"`);
    }
  }
  const index = layers.map((_, i) => i);
  const data = series.map((s, r) => {
    const colour = RUN_COLOURS[r % RUN_COLOURS.length]!;
    return {
      type: 'scatter',
      mode: 'lines+markers',
      name: s.label,
      x: index,
      y: s.sqnrDb.map((v) => (v !== null && Number.isFinite(v) ? v : null)),
      text: layers,
      line: { color: colour, width: 1.5 },
      marker: { color: colour, size: 5 },
      hovertemplate: `%{text}: %{y:.2f} dB<extra>${s.label}</extra>`,
    };
  });
  const layout = {
    title: { text: options.title, x: 0.5, xanchor: 'center', font: { size: 22 } },
    ...pageLayout(SQNR_FIGURE_SIZE),
    margin: { l: 70, r: 30, t: 110, b: 60 },
    legend: { orientation: 'h', x: 0.5, xanchor: 'center', y: 1.02, yanchor: 'bottom', font: { size: 14 } },
    hovermode: 'closest',
    xaxis: { title: { text: 'quantized conv (module order)', standoff: 8 }, tickformat: 'd', ...axisStyle },
    yaxis: { title: { text: 'weight SQNR (dB)', standoff: 6 }, ...axisStyle },
  };
  return { data, layout, config: { displayModeBar: false, responsive: false, displaylogo: false, scrollZoom: false } };
}

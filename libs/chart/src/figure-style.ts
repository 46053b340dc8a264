/** The look every chart of this project shares: run colours, font, axes. One place, so the charts match. */

// Okabe-Ito: distinct for colour-blind readers and in greyscale print; runs take them in order.
export const RUN_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
// Beyond this many epochs markers would merge into a thick smear; below it they make short runs legible.
export const MAX_EPOCHS_WITH_MARKERS = 40;
const FONT = 'Liberation Sans, Arial, Helvetica, DejaVu Sans, sans-serif';

/** Grid, frame and ticks shared by every axis of the chart. */
export const axisStyle = {
  showgrid: true,
  gridcolor: '#e6e6e6',
  zeroline: false,
  showline: true,
  linecolor: '#999',
  ticks: 'outside',
  tickcolor: '#999',
} as const;

export function epochAxis(lastEpoch: number, showTitle: boolean): Record<string, unknown> {
  // A fixed range keeps one-epoch runs centred (autorange would stretch a lone point across ±1) and
  // whole-number ticks stop Plotly labelling fractional epochs.
  const pad = Math.max(0.5, (lastEpoch - 1) * 0.02);
  return {
    title: showTitle ? { text: 'epoch', standoff: 8 } : undefined,
    range: [1 - pad, lastEpoch + pad],
    tickformat: 'd',
    ...(lastEpoch <= 12 ? { dtick: 1 } : {}),
    ...axisStyle,
  };
}


/** The page every chart is drawn on: white, the shared font, a fixed size (the PNG's pixels). */
export function pageLayout(size: { width: number; height: number }): Record<string, unknown> {
  return { ...size, autosize: false, font: { family: FONT, size: 13, color: '#222' }, paper_bgcolor: '#ffffff', plot_bgcolor: '#ffffff' };
}

/** A title (Plotly HTML) centred above one panel (axis suffix: '' for the first panel, '2', '3', ... after). */
export function panelTitle(html: string, axisSuffix: string): Record<string, unknown> {
  return {
    text: html,
    xref: `x${axisSuffix} domain`,
    yref: `y${axisSuffix} domain`,
    x: 0.5,
    y: 1,
    xanchor: 'center',
    yanchor: 'bottom',
    yshift: 4,
    showarrow: false,
    font: { size: 15 },
  };
}

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { PlotlyFigure } from './loss-figure.ts';

/** The global the page sets once Plotly has drawn ('ready') or failed ('error: ...'); the renderer waits on it. */
export const RENDER_STATE_GLOBAL = '__lossChartState';

/** Reads the plotly.js-dist-min bundle installed with the workspace, to inline it so the page works offline. */
export async function readPlotlyBundle(): Promise<string> {
  const path = createRequire(import.meta.url).resolve('plotly.js-dist-min');
  return readFile(path, 'utf8');
}

/**
 * A self-contained HTML page that draws `figure` with the inlined Plotly bundle: no external script, style or
 * font, so it renders the same offline, from disk, in a browser or in headless Chromium.
 */
export function chartPageHtml(figure: PlotlyFigure, plotlyBundle: string, title: string): string {
  // Inside <script> only "</script" ends the element early; the bundle has none today, and must not start to.
  if (/<\/script/i.test(plotlyBundle)) throw new Error('the Plotly bundle contains "</script" and cannot be inlined as is');
  const width = Number(figure.layout.width);
  const height = Number(figure.layout.height);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>html, body { margin: 0; padding: 0; background: #ffffff; } #chart { width: ${width}px; height: ${height}px; }</style>
<script>${plotlyBundle}</script>
</head>
<body>
<div id="chart"></div>
<script type="application/json" id="figure">${jsonForScript(figure)}</script>
<script>
(function () {
  var figure = JSON.parse(document.getElementById('figure').textContent);
  Plotly.newPlot('chart', figure.data, figure.layout, figure.config)
    .then(function () { return document.fonts ? document.fonts.ready : null; })
    .then(function () { window.${RENDER_STATE_GLOBAL} = 'ready'; },
          function (error) { window.${RENDER_STATE_GLOBAL} = 'error: ' + (error && error.message ? error.message : String(error)); });
})();
</script>
</body>
</html>
`;
}

// JSON inside an HTML <script>: escaping "<" keeps any "</script>" or "<!--" in labels from ending the element.
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import sharp from 'sharp';
import { UserError } from '../../core/src/errors.ts';
import { withTempDir } from '../../core/src/testing/temp-dir.ts';
import { buildMapFigure } from './map-figure.ts';
import { renderFigure } from './render-loss-chart.ts';
import { buildSqnrFigure } from './sqnr-figure.ts';
import { syntheticLossSeries } from './testing/synthetic-runs.ts';

type Trace = Record<string, any>;
const runs = [
  { label: 'FP16', epochs: syntheticLossSeries(12, 1) },
  { label: 'W4A16 QAT', epochs: syntheticLossSeries(12, 2) },
];

test('mAP chart: mAP50-95 and mAP50 of every run from results.csv metrics, one legend entry per run', () => {
  const figure = buildMapFigure(runs, { title: 'Validation mAP' });
  const traces = figure.data as Trace[];
  assert.equal(traces.length, 4);
  const left = traces.filter((t) => t.xaxis === 'x');
  const right = traces.filter((t) => t.xaxis === 'x2');
  assert.deepEqual(left.map((t) => t.name), ['FP16', 'W4A16 QAT']);
  assert.deepEqual(left[1]!.y, runs[1]!.epochs.metrics.mAP50_95);
  assert.deepEqual(right[0]!.y, runs[0]!.epochs.metrics.mAP50);
  assert.deepEqual(traces.map((t) => t.showlegend), [true, true, false, false]);
  assert.equal(left[0]!.line.color, right[0]!.line.color);
  assert.notEqual(left[0]!.line.color, left[1]!.line.color);
  assert.deepEqual((figure.layout.annotations as Trace[]).map((a) => a.text), ['<b>val mAP50-95</b>', '<b>val mAP50</b>']);
  assert.throws(() => buildMapFigure([], { title: 't' }), UserError);
});

test('SQNR chart: one line per model over the layers, exact layers as gaps, mismatched lengths refused', () => {
  const layers = ['model.0.conv', 'model.1.conv', 'model.2.cv1.conv'];
  const figure = buildSqnrFigure(layers, [{ label: 'QAT', sqnrDb: [14.2, null, 17] }, { label: 'FP16 (PTQ)', sqnrDb: [12, 13, 11] }], { title: 'SQNR' });
  const traces = figure.data as Trace[];
  assert.deepEqual(traces.map((t) => t.name), ['QAT', 'FP16 (PTQ)']);
  assert.deepEqual(traces[0]!.x, [0, 1, 2]);
  assert.deepEqual(traces[0]!.y, [14.2, null, 17]);
  assert.deepEqual(traces[1]!.text, layers);
  assert.throws(
    () => buildSqnrFigure(layers, [{ label: 'QAT', sqnrDb: [1, 2] }], { title: 'SQNR' }),
    (e: unknown) => e instanceof UserError && /SQNR chart series "QAT"/.test(e.message) && /2 SQNR values for 3 layers/.test(e.message),
  );
});

test('both render to PNG through the loss chart\'s Chromium path', () =>
  withTempDir(async (dir) => {
    const layers = Array.from({ length: 40 }, (_, i) => `model.${i}.conv`);
    const figures = {
      map: buildMapFigure(runs, { title: 'mAP' }),
      sqnr: buildSqnrFigure(layers, [{ label: 'QAT', sqnrDb: layers.map((_, i) => 15 + Math.sin(i)) }], { title: 'SQNR' }),
    };
    for (const [name, figure] of Object.entries(figures)) {
      const pngPath = join(dir, `${name}.png`);
      const rendered = await renderFigure(figure, name, { pngPath, htmlPath: join(dir, `${name}.html`) });
      const meta = await sharp(pngPath).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['png', rendered.width, rendered.height]);
      const stats = await sharp(pngPath).stats();
      assert.ok(stats.channels.every((c) => c.stdev > 5), `${name}: blank-looking PNG`);
    }
  }));

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import sharp from 'sharp';
import { UserError } from '../../core/src/errors.ts';
import { withTempDir } from '../../core/src/testing/temp-dir.ts';
import { RUN_COLOURS } from './figure-style.ts';
import { buildOscillationFigure } from './oscillation-figure.ts';
import { renderFigure } from './render-loss-chart.ts';
import { syntheticCodeChange, syntheticLossSeries } from './testing/synthetic-runs.ts';

type Trace = Record<string, any>;
const fp16 = { label: 'FP16', epochs: syntheticLossSeries(30, 1) };
const qat = { label: 'W4A16 QAT', epochs: { ...syntheticLossSeries(30, 2), codeChange: syntheticCodeChange(30, 2, true) } };

test("oscillation chart: the QAT run's code-change share per epoch with its LR on a second axis, in the QAT run's colour", () => {
  const figure = buildOscillationFigure([fp16, qat], { title: 'Weight oscillation' });
  const traces = figure.data as Trace[];
  assert.deepEqual(traces.map((t) => t.name), ['W4A16 QAT: weight codes changed', 'W4A16 QAT: learning rate (lr/pg0)'], 'the FP16 run has no column and is not drawn');
  const [share, lr] = traces as [Trace, Trace];
  assert.deepEqual(share.x, qat.epochs.epoch);
  assert.deepEqual(share.y, qat.epochs.codeChange);
  assert.deepEqual([share.yaxis, lr.yaxis], ['y', 'y2']);
  assert.deepEqual(lr.y, qat.epochs.lr[0]);
  assert.equal(share.line.color, RUN_COLOURS[1], 'second run, second colour: as in the loss and mAP charts');
  assert.equal(lr.line.color, share.line.color);
  const layout = figure.layout as Trace;
  assert.equal(layout.yaxis.tickformat, '.1~%', 'a share, shown as a percentage');
  assert.deepEqual([layout.yaxis2.overlaying, layout.yaxis2.side], ['y', 'right']);
  assert.equal(layout.title.text, 'Weight oscillation');
});

test('a non-finite share is a gap; no LR columns, no LR line; no run with the column is a UserError', () => {
  const codeChange = [NaN, 0.2, 0.1];
  const short = { label: 'QAT', epochs: { ...syntheticLossSeries(3), lr: [], codeChange } };
  const traces = buildOscillationFigure([short], { title: 't' }).data as Trace[];
  assert.deepEqual(traces.map((t) => t.y), [[null, 0.2, 0.1]]);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(traces)));
  assert.throws(
    () => buildOscillationFigure([fp16], { title: 't' }),
    (e: unknown) => e instanceof UserError && /oscillation chart: expected a run whose results\.csv has the "qat\/code_change" column/.test(e.message),
  );
});

test("renders to PNG through the loss chart's Chromium path", () =>
  withTempDir(async (dir) => {
    const pngPath = join(dir, 'oscillation.png');
    const rendered = await renderFigure(buildOscillationFigure([fp16, qat], { title: 'oscillation' }), 'oscillation', { pngPath, htmlPath: join(dir, 'oscillation.html') });
    const meta = await sharp(pngPath).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', rendered.width, rendered.height]);
    const stats = await sharp(pngPath).stats();
    assert.ok(stats.channels.every((c) => c.stdev > 5), 'blank-looking PNG');
  }));

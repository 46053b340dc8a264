import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../core/src/errors.ts';
import { buildLossFigure, type LossRun } from './loss-figure.ts';
import { syntheticLossSeries } from './testing/synthetic-runs.ts';

const twoRuns = (epochs: number): LossRun[] => [
  { label: 'FP16', epochs: syntheticLossSeries(epochs, 1) },
  { label: 'W4A16 QAT', epochs: syntheticLossSeries(epochs, 2) },
];

type Trace = Record<string, any>;

test('draws train and val box/cls/dfl loss of every run on a 2x3 grid', () => {
  const runs = twoRuns(20);
  const figure = buildLossFigure(runs, { title: 'Losses' });
  const traces = figure.data as Trace[];
  assert.equal(traces.length, 2 * 3 * 2);
  assert.deepEqual(figure.layout.grid, { rows: 2, columns: 3, pattern: 'independent', xgap: 0.08, ygap: 0.2 });

  const panels = [
    ['train', 'box', 'x', 'y'], ['train', 'cls', 'x2', 'y2'], ['train', 'dfl', 'x3', 'y3'],
    ['val', 'box', 'x4', 'y4'], ['val', 'cls', 'x5', 'y5'], ['val', 'dfl', 'x6', 'y6'],
  ] as const;
  for (const [split, component, xaxis, yaxis] of panels) {
    const inPanel = traces.filter((t) => t.xaxis === xaxis && t.yaxis === yaxis);
    assert.deepEqual(inPanel.map((t) => t.name), [`FP16 ${split}`, `W4A16 QAT ${split}`], `${split} ${component}`);
    inPanel.forEach((trace, r) => {
      assert.deepEqual(trace.x, runs[r]!.epochs.epoch);
      assert.deepEqual(trace.y, runs[r]!.epochs[split][component]);
      assert.equal(trace.line.dash, split === 'train' ? 'solid' : 'dash');
    });
    assert.notEqual(inPanel[0]!.line.color, inPanel[1]!.line.color, 'runs have distinct colours');
  }
  const titles = (figure.layout.annotations as Trace[]).map((a) => a.text);
  assert.deepEqual(titles, ['<b>train</b> box loss', '<b>train</b> cls loss', '<b>train</b> dfl loss', '<b>val</b> box loss', '<b>val</b> cls loss', '<b>val</b> dfl loss']);
});

test('one shared legend entry per run and split, axis titles, white page, no toolbar', () => {
  const figure = buildLossFigure(twoRuns(20), { title: 'YOLOv10m losses' });
  const legend = (figure.data as Trace[]).filter((t) => t.showlegend).sort((a, b) => a.legendrank - b.legendrank);
  assert.deepEqual(legend.map((t) => t.name), ['FP16 train', 'FP16 val', 'W4A16 QAT train', 'W4A16 QAT val']);
  const layout = figure.layout as Trace;
  assert.equal(layout.title.text, 'YOLOv10m losses');
  assert.equal(layout.width, 1400);
  assert.equal(layout.height, 900);
  assert.equal(layout.paper_bgcolor, '#ffffff');
  assert.equal(layout.plot_bgcolor, '#ffffff');
  assert.deepEqual([layout.xaxis4.title.text, layout.xaxis5.title.text, layout.xaxis6.title.text], ['epoch', 'epoch', 'epoch']);
  assert.deepEqual([layout.yaxis.title.text, layout.yaxis4.title.text], ['loss', 'loss']);
  assert.equal(figure.config.displayModeBar, false);
});

test('a one-epoch run shows markers on a whole-number axis; a 500-epoch run plain lines', () => {
  const one = buildLossFigure(twoRuns(1), { title: 't' });
  assert.ok((one.data as Trace[]).every((t) => t.mode === 'lines+markers'));
  assert.deepEqual((one.layout as Trace).xaxis.range, [0.5, 1.5]);
  assert.equal((one.layout as Trace).xaxis.dtick, 1);

  const long = buildLossFigure(twoRuns(500), { title: 't' });
  assert.ok((long.data as Trace[]).every((t) => t.mode === 'lines' && t.x.length === 500));
  assert.equal((long.layout as Trace).xaxis.dtick, undefined);
});

test('a diverged (NaN) loss becomes a gap, not invalid JSON', () => {
  const series = syntheticLossSeries(3);
  series.val.cls[1] = NaN;
  const figure = buildLossFigure([{ label: 'FP16', epochs: series }], { title: 't' });
  const valCls = (figure.data as Trace[]).find((t) => t.name === 'FP16 val' && t.xaxis === 'x5')!;
  assert.equal(valCls.y[1], null);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(figure)));
});

test('no runs, duplicate labels or an empty run are UserErrors', () => {
  const series = syntheticLossSeries(2);
  assert.throws(() => buildLossFigure([], { title: 't' }), UserError);
  assert.throws(() => buildLossFigure([{ label: 'A', epochs: series }, { label: 'A', epochs: series }], { title: 't' }), /two runs share the label "A"/);
  const empty = { ...series, epoch: [] };
  assert.throws(() => buildLossFigure([{ label: 'B', epochs: empty }], { title: 't' }), /run "B": the run has no epochs/);
});

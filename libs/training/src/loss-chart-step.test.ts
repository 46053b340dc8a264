import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { withTempDir } from '../../core/src/testing/temp-dir.ts';
import { workspaceRoot } from '../../core/src/workspace.ts';
import { drawLossChart } from './loss-chart-step.ts';

const resultsCsv = [
  'epoch,time,train/box_loss,train/cls_loss,train/dfl_loss,metrics/precision(B),metrics/recall(B),metrics/mAP50(B),metrics/mAP50-95(B),val/box_loss,val/cls_loss,val/dfl_loss,lr/pg0,lr/pg1,lr/pg2',
  '1,61.5,3.21,5.43,3.9,0.00123,0.0456,0.00078,0.00031,3.4,5.7,4.05,0.0701,0.00329,0.00329',
  '2,123.2,2.75,4.46,3.3,0.0512,0.0987,0.0211,0.0102,2.9,4.7,3.44,0.0402,0.00653,0.00653',
].join('\n');

/** A finished run's in-progress folder and the output folder it is about to be renamed to. */
function finishedRun(dir: string): { runDir: string; finalDir: string } {
  const runDir = join(dir, '.in-progress', 'qat');
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'results.csv'), `${resultsCsv}\n`);
  return { runDir, finalDir: join(dir, 'qat-w4a16') };
}

const isPng = (file: string) => readFileSync(file).subarray(1, 4).toString('latin1') === 'PNG';

test("a finished training's folder gets its own loss.png and loss.html, quietly", () =>
  withTempDir(async (dir) => {
    const { runDir, finalDir } = finishedRun(dir);
    const lines: string[] = [];
    await drawLossChart('qat', runDir, finalDir, (line) => lines.push(line));
    assert.deepEqual(lines, []);
    assert.ok(isPng(join(runDir, 'loss.png')));
    assert.match(readFileSync(join(runDir, 'loss.html'), 'utf8'), /W4A16 QAT: training and validation losses/);
    assert.deepEqual(readdirSync(runDir).sort(), ['loss.html', 'loss.png', 'results.csv'], 'no temporary files left behind');
  }));

test('without a Chromium the training is not failed: loss.html is written, one line says why and how to draw loss.png later, and that command draws it', () =>
  withTempDir(async (dir) => {
    const { runDir, finalDir } = finishedRun(dir);
    const lines: string[] = [];
    const saved = process.env.NODE_OPTIONS;
    // The chart's process (a child, which inherits this) finds no browser, as on a GPU host without one.
    process.env.NODE_OPTIONS = `${saved ?? ''} --import ${pathToFileURL(join(import.meta.dirname, 'testing', 'hide-chromium.mjs')).href}`.trim();
    try {
      await drawLossChart('qat', runDir, finalDir, (line) => lines.push(line));
    } finally {
      if (saved === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = saved;
    }
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^loss\.png not drawn \(chromium: no Chromium or Chrome found to render the loss chart .*\); loss\.html was written\. The training is kept; to draw it later: node --import tsx libs\/training\/src\/loss-chart-cli\.ts qat \S+\/qat-w4a16$/);
    assert.ok(existsSync(join(runDir, 'loss.html')));
    assert.ok(!existsSync(join(runDir, 'loss.png')));

    // Later, on a machine with a browser, the printed command draws the PNG in the finished run's folder.
    renameSync(runDir, finalDir);
    const command = /to draw it later: (.*)$/.exec(lines[0]!)![1]!;
    const later = await execa('bash', ['-c', command], { cwd: workspaceRoot, reject: false });
    assert.equal(later.exitCode, 0, later.stderr);
    assert.ok(isPng(join(finalDir, 'loss.png')));
  }));

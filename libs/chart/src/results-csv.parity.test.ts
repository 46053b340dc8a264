import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { offlineEnv } from '../../core/src/python.ts';
import { projectPython } from '../../core/src/python-env.ts';
import { readResultsCsv } from './results-csv.ts';
import { withTempDir } from '../../core/src/testing/temp-dir.ts';

const oracle = fileURLToPath(new URL('./testing/ultralytics_results_csv.py', import.meta.url));

test('reads the results.csv written by Ultralytics\' own BaseTrainer.save_metrics for a YOLOv10m run', () =>
  withTempDir(async (dir) => {
    const csv = join(dir, 'results.csv');
    const loggedJson = join(dir, 'logged.json');
    await execa(projectPython, [oracle, csv, loggedJson, '3'], { cwd: dir, env: offlineEnv(join(dir, 'yolo-config')) });
    const logged = JSON.parse(await readFile(loggedJson, 'utf8')) as Record<string, number | null>[];
    const series = await readResultsCsv(csv);

    assert.deepEqual(series.epoch, [1, 2, 3]);
    const columns: [string, number[]][] = [
      ['train/box_loss', series.train.box],
      ['train/cls_loss', series.train.cls],
      ['train/dfl_loss', series.train.dfl],
      ['val/box_loss', series.val.box],
      ['val/cls_loss', series.val.cls],
      ['val/dfl_loss', series.val.dfl],
      ['metrics/precision(B)', series.metrics.precision],
      ['metrics/recall(B)', series.metrics.recall],
      ['metrics/mAP50(B)', series.metrics.mAP50],
      ['metrics/mAP50-95(B)', series.metrics.mAP50_95],
      ['lr/pg0', series.lr[0]!],
      ['lr/pg1', series.lr[1]!],
      ['lr/pg2', series.lr[2]!],
    ];
    assert.equal(series.lr.length, 3);
    for (const [name, values] of columns) {
      logged.forEach((row, i) => {
        const expected = row[name];
        assert.ok(expected !== undefined, `the oracle logged no "${name}"`);
        if (expected === null) assert.ok(Number.isNaN(values[i]), `${name} epoch ${i + 1} should be NaN`);
        // save_metrics writes "%.6g": six significant digits.
        else assert.ok(Math.abs(values[i]! - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `${name} epoch ${i + 1}: ${values[i]} vs ${expected}`);
      });
    }
    assert.ok(series.time.every((t, i) => t >= 0 && (i === 0 || t >= series.time[i - 1]!)), 'time is seconds since start, non-decreasing');
  }));

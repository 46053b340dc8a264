import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, progressLine, progressReporter } from './progress.ts';

test('a line every interval, with images/s and ETA, and always one at the end', () => {
  let clock = 0;
  const lines: string[] = [];
  const tick = progressReporter({ total: 100, intervalMs: 10_000, now: () => clock, log: (l) => lines.push(l) });
  clock = 4_000;
  tick(10); // too soon
  clock = 10_000;
  tick(25); // 2.5 images/s, 75 left -> 30 s
  clock = 15_000;
  tick(40); // too soon after the last line
  clock = 40_000;
  tick(100);
  assert.deepEqual(lines, ['25/100 images, 2.50 images/s, ETA 30s', '100/100 images, 2.50 images/s, done in 40s']);
});

test('durations read as s, m s and h m; unknown ETA is ?', () => {
  assert.deepEqual([formatDuration(59.4), formatDuration(61), formatDuration(3 * 3600 + 125), formatDuration(Number.NaN)], ['59s', '1m01s', '3h02m', '?']);
  assert.equal(progressLine(0, 10, 0), '0/10 images, 0.00 images/s, ETA ?');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../core/src/errors.ts';
import { checkPackedEqualsQcdq, packedStatsTolerance } from './packed-check.ts';

const stats = [0.41, 0.6, 0.44, 0.2, 0.45, 0.55, 0.33, 0.5, 0.52, -1, 0.48, 0.6];

test('equal stats pass and report their largest difference', () => {
  assert.deepEqual(checkPackedEqualsQcdq(stats, stats, 'x.onnx'), { maxAbsDiff: 0, tolerance: packedStatsTolerance });
  const near = stats.map((x, i) => (i === 2 ? x + packedStatsTolerance / 2 : x));
  assert.ok(checkPackedEqualsQcdq(stats, near, 'x.onnx').maxAbsDiff <= packedStatsTolerance);
});

test('a packed file that scores differently fails, naming the file', () => {
  const off = stats.map((x, i) => (i === 0 ? x + 0.001 : x));
  assert.throws(() => checkPackedEqualsQcdq(stats, off, 'tmp/run/ptq-w4a16/int4.onnx'), (e: unknown) => e instanceof UserError && /tmp\/run\/ptq-w4a16\/int4\.onnx/.test(e.message) && /scores differently/.test(e.message));
  assert.throws(() => checkPackedEqualsQcdq(stats, [...stats, 0], 'x.onnx'), UserError);
  assert.throws(() => checkPackedEqualsQcdq(stats, stats.map(() => Number.NaN), 'x.onnx'), UserError);
});

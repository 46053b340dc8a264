import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, summarizeLatency } from './latency.ts';
import { prefetchInOrder } from './prefetch.ts';

test('percentiles interpolate like numpy.percentile', () => {
  const sorted = [1, 2, 3, 4, 10];
  assert.equal(percentile(sorted, 50), 3);
  const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(percentile(sorted, 90), 7.6); // position 3.6: 4 + 0.6 * (10 - 4)
  close(percentile(sorted, 99), 9.76);
  const s = summarizeLatency([4, 2]);
  assert.deepEqual([s.mean, s.p50, s.runs], [3, 3, 2]);
  close(s.p90, 3.8);
  close(s.p99, 3.98);
  assert.throws(() => summarizeLatency([]), /no samples/);
});

test('prefetch yields in order with bounded look-ahead and surfaces failures in place', async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  const work = async (n: number): Promise<number> => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, (5 - n) * 3));
    inFlight--;
    if (n === 4) throw new Error('bad item 4');
    return n * 10;
  };
  const seen: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const v of prefetchInOrder([0, 1, 2, 3, 4, 5], 2, work)) seen.push(v);
    })(),
    /bad item 4/,
  );
  assert.deepEqual(seen, [0, 10, 20, 30]);
  assert.ok(maxInFlight <= 2, `at most 2 in flight, saw ${maxInFlight}`);
});

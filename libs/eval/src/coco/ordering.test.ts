import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupBy, identityOrder, orderByScoreDescending } from './ordering.ts';
import { seededRandom } from '../../testing/coco/seeded-random.ts';

describe('orderByScoreDescending', () => {
  it('orders like a stable sort on -score over images in rank order, ties in input order', () => {
    const random = seededRandom(7);
    const n = 5000;
    const imageCount = 40;
    // Few distinct values so ties abound; both zeros, negatives, tiny and huge magnitudes.
    const values = [1, 0.5, 0.25, 0, -0, -0.25, -1, 1e-300, -1e-300, 5e-324, 1e300, -1e300, 0.1 + 0.2, 0.3];
    const score = Float64Array.from({ length: n }, () => (random.chance(0.3) ? random.next() : random.pick(values)));
    const image = Uint32Array.from({ length: n }, () => random.int(0, imageCount - 1));

    const expected = [...identityOrder(n)].sort((a, b) => score[b]! - score[a]! || image[a]! - image[b]! || a - b);
    assert.deepEqual([...orderByScoreDescending(score, image, imageCount)], expected);
  });

  it('treats -0 and +0 as equal scores, as numpy does', () => {
    const order = orderByScoreDescending(Float64Array.from([0, -0, 0, -0]), new Uint32Array(4), 1);
    assert.deepEqual([...order], [0, 1, 2, 3]);
  });
});

describe('groupBy', () => {
  it('buckets by key and keeps the given order inside each bucket', () => {
    const key = Uint32Array.from([2, 0, 2, 1, 0]);
    const { start, members } = groupBy(Uint32Array.from([4, 3, 2, 1, 0]), key, 4);
    assert.deepEqual([...start], [0, 2, 3, 5, 5]);
    assert.deepEqual([...members], [4, 1, 3, 2, 0]);
  });
});

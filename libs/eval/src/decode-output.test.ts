import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeEndToEnd, decodeRawHead, VAL_NMS, type Detection } from './decode-output.ts';
import { runOracle } from '../testing/parity/run-oracle.ts';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/**
 * A raw head [batch, 4 + nc, anchors] with clustered boxes (so NMS has work) and skewed scores. Scores are distinct
 * float32 values: among equal scores torch's unstable argsort picks an order we do not try to reproduce.
 */
function randomRawHead(batch: number, nc: number, anchors: number, seed: number, scale = 1): Float32Array {
  const rand = lcg(seed);
  const channels = 4 + nc;
  const out = new Float32Array(batch * channels * anchors);
  const used = new Set<number>();
  const distinctScore = (): number => {
    let v: number;
    do v = Math.fround(rand() ** 4);
    while (used.has(v));
    used.add(v);
    return v;
  };
  for (let b = 0; b < batch; b++) {
    const centres = Array.from({ length: 12 }, () => [rand() * 320 * scale, rand() * 320 * scale]);
    for (let a = 0; a < anchors; a++) {
      const base = b * channels * anchors;
      const [cx, cy] = centres[Math.floor(rand() * centres.length)]!;
      out[base + a] = cx! + (rand() - 0.5) * 20;
      out[base + anchors + a] = cy! + (rand() - 0.5) * 20;
      out[base + 2 * anchors + a] = (10 + rand() * 80) * scale;
      out[base + 3 * anchors + a] = (10 + rand() * 80) * scale;
      for (let c = 0; c < nc; c++) out[base + (4 + c) * anchors + a] = distinctScore();
    }
  }
  return out;
}

const asRows = (dets: Detection[]): number[][] => dets.map((d) => [d.x1, d.y1, d.x2, d.y2, d.score, d.classIndex]);

// Ultralytics stops NMS after a wall-time budget (2 s + 50 ms per image) and returns nothing for the images left;
// the COCO-sized case (about 39k candidates, over max_nms) therefore runs one image per call.
// The eval stage scores the one-to-many ONNX files through this NMS, with conf/eval.yaml's conf (batch-pass.ts).
for (const [batch, nc, anchors, scale, conf, note] of [
  [2, 3, 400, 1, VAL_NMS.conf, 'few classes'],
  [1, 80, 600, 1, VAL_NMS.conf, 'COCO classes, more candidates than max_nms'],
  [2, 1, 300, 1, VAL_NMS.conf, 'single class (multi_label off)'],
  [1, 4, 300, 60, VAL_NMS.conf, 'boxes so large that classes overlap across the class offset'],
  [2, 80, 600, 1, 0.25, "COCO classes at another confidence threshold, as eval.yaml's conf may set it"],
] as const) {
  test(`raw-head NMS equals ultralytics non_max_suppression (${note})`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eval-nms-'));
    try {
      const head = randomRawHead(batch, nc, anchors, nc * 7919 + anchors, scale);
      const file = join(dir, 'head.f32');
      await writeFile(file, Buffer.from(head.buffer));
      const { iou, maxDet } = VAL_NMS;
      const want = JSON.parse(
        await runOracle('ultralytics_nms.py', [file, String(batch), String(4 + nc), String(anchors), String(conf), String(iou), String(maxDet)]),
      ) as number[][][];
      for (let b = 0; b < batch; b++) {
        const slice = head.subarray(b * (4 + nc) * anchors, (b + 1) * (4 + nc) * anchors);
        const got = asRows(decodeRawHead(slice, nc, anchors, { ...VAL_NMS, conf }));
        assert.ok(want[b]!.length > 0);
        assert.deepEqual(got, want[b], `image ${b}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test('end-to-end rows: score strictly above conf, order kept, at most maxDet', () => {
  const rows = Float32Array.from([
    1, 2, 3, 4, 0.9, 5,
    5, 6, 7, 8, 0.001, 2, // not above conf
    9, 10, 11, 12, 0.5, 79,
    13, 14, 15, 16, 0.7, 0,
  ]);
  assert.deepEqual(asRows(decodeEndToEnd(rows, 0.001, 300)), [
    [1, 2, 3, 4, Math.fround(0.9), 5],
    [9, 10, 11, 12, 0.5, 79],
    [13, 14, 15, 16, Math.fround(0.7), 0],
  ]);
  assert.equal(decodeEndToEnd(rows, 0.001, 2).length, 2);
  assert.throws(() => decodeEndToEnd(rows.subarray(1), 0.001, 300), /6-value rows/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inverseLetterbox, letterboxGeometry, scaleBoxesToOriginal, valInverseLetterbox, valLetterboxGeometry, xyxyToCocoXywh } from './letterbox-geometry.ts';
import { runOracle } from './testing/run-oracle.ts';

test('letterbox geometry: 640x480 into 640 pads 80 top and bottom', () => {
  const g = letterboxGeometry(640, 480, 640);
  assert.deepEqual(
    { w: g.newWidth, h: g.newHeight, top: g.top, bottom: g.bottom, left: g.left, right: g.right },
    { w: 640, h: 480, top: 80, bottom: 80, left: 0, right: 0 },
  );
});

test('letterbox geometry: odd padding goes to bottom/right, rounding is half-to-even', () => {
  const g = letterboxGeometry(500, 333, 640); // 333 * 1.28 = 426.24 -> 426, pad 214 -> 107/107
  assert.deepEqual([g.newWidth, g.newHeight, g.top, g.bottom], [640, 426, 107, 107]);
  const odd = letterboxGeometry(640, 427, 640); // pad 213 -> 106 top, 107 bottom
  assert.deepEqual([odd.newHeight, odd.top, odd.bottom], [427, 106, 107]);
  const tie = letterboxGeometry(4, 5, 2); // 4 * 0.4 = 1.6 -> 2; 5 * 0.4 = 2
  assert.deepEqual([tie.newWidth, tie.newHeight], [2, 2]);
  const thin = letterboxGeometry(3000, 1, 640); // a 1-pixel image keeps at least one row
  assert.deepEqual([thin.newWidth, thin.newHeight, thin.top, thin.bottom], [640, 1, 319, 320]);
  for (const [w, h] of [[640, 427], [1, 1], [999, 1000], [641, 479]] as const) {
    const x = letterboxGeometry(w, h, 320);
    assert.equal(x.newWidth + x.left + x.right, 320);
    assert.equal(x.newHeight + x.top + x.bottom, 320);
  }
});

test('inverse of the letterbox is what scale_boxes derives from the shapes', () => {
  const inv = inverseLetterbox(640, 640, 500, 333);
  assert.deepEqual([inv.padX, inv.padY], [0, 107]);
  assert.equal(inv.gainY, 426 / 333);
  const back = scaleBoxesToOriginal([0, 107, 640, 533, -5, 100, 700, 600], inv);
  assert.deepEqual(Array.from(back.slice(0, 4)), [0, 0, 500, 333]);
  assert.deepEqual(Array.from(back.slice(4)), [0, 0, 500, 333]); // clipped to the image
});

test('scale_boxes and pred_to_json xywh match Ultralytics to the bit on random boxes', async () => {
  let seed = 12345;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const shapes: [[number, number], [number, number]][] = [
    [[640, 640], [480, 640]], [[640, 640], [640, 427]], [[320, 320], [375, 500]], [[640, 640], [333, 500]],
    [[320, 320], [1, 3000]], [[640, 640], [612, 612]], [[320, 320], [479, 641]],
  ];
  const cases = shapes.map(([input, orig]) => ({
    input,
    orig,
    boxes: Array.from({ length: 40 }, () => {
      const x1 = Math.fround(rand() * 700 - 30);
      const y1 = Math.fround(rand() * 700 - 30);
      return [x1, y1, Math.fround(x1 + rand() * 300), Math.fround(y1 + rand() * 300)];
    }),
  }));
  const want = JSON.parse(await runOracle('ultralytics_scale_boxes.py', [], JSON.stringify({ cases }))) as {
    xyxy: number[][];
    xywh: number[][];
  }[];
  cases.forEach((c, k) => {
    const inv = inverseLetterbox(c.input[1]!, c.input[0]!, c.orig[1]!, c.orig[0]!);
    const got = scaleBoxesToOriginal(c.boxes.flat(), inv);
    c.boxes.forEach((_, b) => {
      const xyxy = Array.from(got.slice(b * 4, b * 4 + 4));
      assert.deepEqual(xyxy, want[k]!.xyxy[b], `case ${k} box ${b} xyxy`);
      assert.deepEqual(xyxyToCocoXywh(xyxy[0]!, xyxy[1]!, xyxy[2]!, xyxy[3]!), want[k]!.xywh[b], `case ${k} box ${b} xywh`);
    });
  });
});

test('val letterbox geometry: long side to imgsz with sizes rounded up (the predictor rounds to nearest), then padding', () => {
  const v = valLetterboxGeometry(500, 333, 640); // r 1.28: 333 * 1.28 = 426.24 -> 427 (predictor: 426)
  assert.deepEqual(v.first, { width: 640, height: 427 });
  assert.deepEqual([v.second.newWidth, v.second.newHeight, v.second.top, v.second.bottom, v.second.gain], [640, 427, 106, 107, 1]);
  assert.equal(letterboxGeometry(500, 333, 640).newHeight, 426);
  const same = valLetterboxGeometry(640, 480, 640); // r = 1: no resize at all
  assert.deepEqual(same.first, { width: 640, height: 480 });
  const inv = valInverseLetterbox(v, 500, 333);
  assert.deepEqual(inv, { gainX: 640 / 500, gainY: 427 / 333, padX: 0, padY: 106, origWidth: 500, origHeight: 333 });
  for (const [w, h] of [[3000, 1], [1, 1], [999, 1000], [641, 479], [90, 160]] as const) {
    const g = valLetterboxGeometry(w, h, 320);
    assert.ok(g.first.width <= 320 && g.first.height <= 320, `${w}x${h}`);
    assert.equal(g.second.newWidth + g.second.left + g.second.right, 320);
    assert.equal(g.second.newHeight + g.second.top + g.second.bottom, 320);
  }
});

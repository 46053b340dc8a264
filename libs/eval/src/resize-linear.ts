/**
 * Bilinear resize of interleaved 8-bit images that reproduces OpenCV's cv2.resize(..., INTER_LINEAR) on x86-64 to
 * the bit (checked against cv2 in resize-linear.test.ts). OpenCV's 8-bit path is fixed point:
 *  - source coordinates (d + 0.5) * scale - 0.5 in float32, weights (1 - f) and f scaled by 2048 and rounded to even;
 *  - a horizontal pass into int32 rows (src * weight);
 *  - a vertical pass in OpenCV's SIMD form: drop 4 bits, keep the high 16 bits of each 16x16 product, then round with
 *    +2 >> 2. (OpenCV's scalar form, +2^21 >> 22 on the exact sum, differs by 1 now and then; the cv2 build we test
 *    against uses the SIMD form for every element of a row, tails included, so that is the one reproduced.)
 *  - an exact 2x downscale in both axes is routed by OpenCV to its area-averaging path: (a + b + c + d + 2) >> 2.
 */

const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;

export interface RawImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

export function resizeBilinear(src: RawImage, dstWidth: number, dstHeight: number): RawImage {
  const { width: sw, height: sh, channels: cn } = src;
  if (src.data.length !== sw * sh * cn) {
    throw new Error(`resizeBilinear: buffer has ${src.data.length} bytes, expected ${sw}x${sh}x${cn}`);
  }
  if (dstWidth < 1 || dstHeight < 1) throw new Error(`resizeBilinear: bad target size ${dstWidth}x${dstHeight}`);
  if (dstWidth === sw && dstHeight === sh) return { data: src.data.slice(), width: sw, height: sh, channels: cn };

  const invX = dstWidth / sw;
  const invY = dstHeight / sh;
  const scaleX = 1 / invX;
  const scaleY = 1 / invY;
  if (isExactTwo(scaleX) && isExactTwo(scaleY)) return halveByArea(src, dstWidth, dstHeight);
  return resizeFixedPoint(src, dstWidth, dstHeight, scaleX, scaleY);
}

function isExactTwo(scale: number): boolean {
  return Math.abs(scale - 2) < Number.EPSILON;
}

/** float32 weight pair for one output coordinate, as OpenCV builds its tables. */
function sourceTaps(d: number, scale: number): { s: number; f: number } {
  const pos = Math.fround((d + 0.5) * scale - 0.5);
  const s = Math.floor(pos);
  return { s, f: Math.fround(pos - s) };
}

/** saturate_cast<short>(float): round half to even. */
function fixedWeight(w: number): number {
  const v = Math.fround(w * COEF_SCALE);
  const fl = Math.floor(v);
  const diff = v - fl;
  if (diff > 0.5 || (diff === 0.5 && fl % 2 !== 0)) return fl + 1;
  return fl;
}

function resizeFixedPoint(src: RawImage, dw: number, dh: number, scaleX: number, scaleY: number): RawImage {
  const { data, width: sw, height: sh, channels: cn } = src;
  const rowLen = dw * cn;

  // Horizontal tables: per output element, the offsets of both source taps (the second clamped to the first at the
  // right edge, where its weight is 0) and their weights.
  const xofs0 = new Int32Array(rowLen);
  const xofs1 = new Int32Array(rowLen);
  const alpha0 = new Int32Array(rowLen);
  const alpha1 = new Int32Array(rowLen);
  for (let dx = 0; dx < dw; dx++) {
    let { s, f } = sourceTaps(dx, scaleX);
    if (s < 0) {
      s = 0;
      f = 0;
    }
    if (s >= sw - 1) {
      s = sw - 1;
      f = 0;
    }
    const a0 = fixedWeight(Math.fround(1 - f));
    const a1 = s + 1 < sw ? fixedWeight(f) : 0;
    for (let c = 0; c < cn; c++) {
      xofs0[dx * cn + c] = s * cn + c;
      xofs1[dx * cn + c] = a1 === 0 ? s * cn + c : (s + 1) * cn + c;
      alpha0[dx * cn + c] = a0;
      alpha1[dx * cn + c] = a1;
    }
  }

  // A horizontally resized row, already reduced by OpenCV's first vertical step (>> 4). For 8-bit input the sum is at
  // most 255 * 2048, so the 16-bit saturation OpenCV applies next can never bite and is left out.
  const hRow = (sy: number, out: Int32Array): void => {
    const base = sy * sw * cn;
    for (let i = 0; i < rowLen; i++) out[i] = (data[base + xofs0[i]!]! * alpha0[i]! + data[base + xofs1[i]!]! * alpha1[i]!) >> 4;
  };

  // Two horizontally resized rows are live at a time; a downscale skips the source rows no output row needs.
  let rowA = new Int32Array(rowLen);
  let rowB = new Int32Array(rowLen);
  let indexA = -1;
  let indexB = -1;
  const out = new Uint8Array(rowLen * dh);
  for (let dy = 0; dy < dh; dy++) {
    const { s, f } = sourceTaps(dy, scaleY);
    const b0 = fixedWeight(Math.fround(1 - f));
    const b1 = fixedWeight(f);
    const y0 = clampRow(s, sh);
    const y1 = clampRow(s + 1, sh);
    if (indexA !== y0) {
      if (indexB === y0) {
        [rowA, rowB] = [rowB, rowA];
        [indexA, indexB] = [indexB, indexA];
      } else {
        hRow(y0, rowA);
        indexA = y0;
      }
    }
    if (y1 !== y0 && indexB !== y1) {
      hRow(y1, rowB);
      indexB = y1;
    }
    const r0 = rowA;
    const r1 = y1 === y0 ? rowA : rowB;
    const o = dy * rowLen;
    for (let x = 0; x < rowLen; x++) {
      // High 16 bits of each 16x16 product (arithmetic shift floors), then OpenCV's +2 >> 2; always within 0..255.
      out[o + x] = (((r0[x]! * b0) >> 16) + ((r1[x]! * b1) >> 16) + 2) >> 2;
    }
  }
  return { data: out, width: dw, height: dh, channels: cn };
}

function clampRow(y: number, h: number): number {
  return y < 0 ? 0 : y >= h ? h - 1 : y;
}

function halveByArea(src: RawImage, dw: number, dh: number): RawImage {
  const { data, width: sw, channels: cn } = src;
  const out = new Uint8Array(dw * dh * cn);
  const stride = sw * cn;
  for (let dy = 0; dy < dh; dy++) {
    const r0 = 2 * dy * stride;
    const r1 = r0 + stride;
    for (let dx = 0; dx < dw; dx++) {
      for (let c = 0; c < cn; c++) {
        const i = 2 * dx * cn + c;
        out[(dy * dw + dx) * cn + c] = (data[r0 + i]! + data[r0 + i + cn]! + data[r1 + i]! + data[r1 + i + cn]! + 2) >> 2;
      }
    }
  }
  return { data: out, width: dw, height: dh, channels: cn };
}

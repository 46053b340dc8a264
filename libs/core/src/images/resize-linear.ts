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
  const rowLen = dstWidth * src.channels;
  const out = new Uint8Array(rowLen * dstHeight);
  resizeBilinearRows(src, dstWidth, dstHeight, (dy, row) => out.set(row, dy * rowLen));
  return { data: out, width: dstWidth, height: dstHeight, channels: src.channels };
}

/**
 * The same resize, handing each output row (interleaved bytes, dstWidth * channels) to `onRow` in order instead of
 * building the image, so that a caller can lay rows out elsewhere (the letterbox writes them straight into its float
 * tensor) without a second pass over a whole intermediate image. The row buffer is reused: copy what you keep. At the
 * same size the rows are views of the source.
 */
export function resizeBilinearRows(src: RawImage, dstWidth: number, dstHeight: number, onRow: (dy: number, row: Uint8Array) => void): void {
  const { width: sw, height: sh, channels: cn } = src;
  if (src.data.length !== sw * sh * cn) {
    throw new Error(`resizeBilinear: buffer has ${src.data.length} bytes, expected ${sw}x${sh}x${cn}`);
  }
  if (!(Number.isInteger(dstWidth) && Number.isInteger(dstHeight) && dstWidth >= 1 && dstHeight >= 1)) {
    throw new Error(`resizeBilinear: bad target size ${dstWidth}x${dstHeight}`);
  }
  if (dstWidth === sw && dstHeight === sh) {
    const rowLen = sw * cn;
    for (let y = 0; y < sh; y++) onRow(y, src.data.subarray(y * rowLen, (y + 1) * rowLen));
    return;
  }
  const scaleX = 1 / (dstWidth / sw);
  const scaleY = 1 / (dstHeight / sh);
  if (isExactTwo(scaleX) && isExactTwo(scaleY)) halveByArea(src, dstWidth, dstHeight, onRow);
  else resizeFixedPoint(src, dstWidth, dstHeight, scaleX, scaleY, onRow);
}

function isExactTwo(scale: number): boolean {
  return Math.abs(scale - 2) < Number.EPSILON;
}

/** The first source tap of output coordinate d, as OpenCV computes it in float32 (the weight is pos - floor(pos)). */
function sourcePosition(d: number, scale: number): number {
  return Math.fround((d + 0.5) * scale - 0.5);
}

/** saturate_cast<short>(float): round half to even. */
function fixedWeight(w: number): number {
  const v = Math.fround(w * COEF_SCALE);
  const fl = Math.floor(v);
  const diff = v - fl;
  if (diff > 0.5 || (diff === 0.5 && fl % 2 !== 0)) return fl + 1;
  return fl;
}

/**
 * Horizontal tables, one entry per output pixel: the byte offsets of both source taps (the second equal to the first
 * at the right edge, where its weight is 0) and their fixed-point weights.
 */
function horizontalTables(sw: number, dw: number, cn: number, scaleX: number): { ofs0: Int32Array; ofs1: Int32Array; alpha0: Int32Array; alpha1: Int32Array } {
  const ofs0 = new Int32Array(dw);
  const ofs1 = new Int32Array(dw);
  const alpha0 = new Int32Array(dw);
  const alpha1 = new Int32Array(dw);
  for (let dx = 0; dx < dw; dx++) {
    const pos = sourcePosition(dx, scaleX);
    let s = Math.floor(pos);
    let f = Math.fround(pos - s);
    if (s < 0) {
      s = 0;
      f = 0;
    }
    if (s >= sw - 1) {
      s = sw - 1;
      f = 0;
    }
    alpha0[dx] = fixedWeight(Math.fround(1 - f));
    alpha1[dx] = s + 1 < sw ? fixedWeight(f) : 0;
    ofs0[dx] = s * cn;
    ofs1[dx] = alpha1[dx] === 0 ? s * cn : (s + 1) * cn;
  }
  return { ofs0, ofs1, alpha0, alpha1 };
}

function resizeFixedPoint(src: RawImage, dw: number, dh: number, scaleX: number, scaleY: number, onRow: (dy: number, row: Uint8Array) => void): void {
  const { data, width: sw, height: sh, channels: cn } = src;
  const rowLen = dw * cn;
  const { ofs0, ofs1, alpha0, alpha1 } = horizontalTables(sw, dw, cn, scaleX);

  // A horizontally resized row, already reduced by OpenCV's first vertical step (>> 4). For 8-bit input the sum is at
  // most 255 * 2048, so the 16-bit saturation OpenCV applies next can never bite and is left out. RGB, the case that
  // matters, gets its own loop (one table look-up per pixel rather than per byte).
  const hRow = (sy: number, out: Int32Array): void => {
    const base = sy * sw * cn;
    if (cn === 3) {
      for (let dx = 0, i = 0; dx < dw; dx++, i += 3) {
        const p = base + ofs0[dx]!;
        const q = base + ofs1[dx]!;
        const a = alpha0[dx]!;
        const b = alpha1[dx]!;
        out[i] = (data[p]! * a + data[q]! * b) >> 4;
        out[i + 1] = (data[p + 1]! * a + data[q + 1]! * b) >> 4;
        out[i + 2] = (data[p + 2]! * a + data[q + 2]! * b) >> 4;
      }
      return;
    }
    for (let dx = 0, i = 0; dx < dw; dx++) {
      const p = base + ofs0[dx]!;
      const q = base + ofs1[dx]!;
      const a = alpha0[dx]!;
      const b = alpha1[dx]!;
      for (let c = 0; c < cn; c++, i++) out[i] = (data[p + c]! * a + data[q + c]! * b) >> 4;
    }
  };

  // Two horizontally resized rows are live at a time; a downscale skips the source rows no output row needs.
  let rowA = new Int32Array(rowLen);
  let rowB = new Int32Array(rowLen);
  let indexA = -1;
  let indexB = -1;
  const row = new Uint8Array(rowLen);
  for (let dy = 0; dy < dh; dy++) {
    const pos = sourcePosition(dy, scaleY);
    const s = Math.floor(pos);
    const f = Math.fround(pos - s);
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
    for (let x = 0; x < rowLen; x++) {
      // High 16 bits of each 16x16 product (arithmetic shift floors), then OpenCV's +2 >> 2; always within 0..255.
      row[x] = (((r0[x]! * b0) >> 16) + ((r1[x]! * b1) >> 16) + 2) >> 2;
    }
    onRow(dy, row);
  }
}

function clampRow(y: number, h: number): number {
  return y < 0 ? 0 : y >= h ? h - 1 : y;
}

function halveByArea(src: RawImage, dw: number, dh: number, onRow: (dy: number, row: Uint8Array) => void): void {
  const { data, width: sw, channels: cn } = src;
  const stride = sw * cn;
  const row = new Uint8Array(dw * cn);
  for (let dy = 0; dy < dh; dy++) {
    const r0 = 2 * dy * stride;
    const r1 = r0 + stride;
    for (let dx = 0; dx < dw; dx++) {
      for (let c = 0; c < cn; c++) {
        const i = 2 * dx * cn + c;
        row[dx * cn + c] = (data[r0 + i]! + data[r0 + i + cn]! + data[r1 + i]! + data[r1 + i + cn]! + 2) >> 2;
      }
    }
    onRow(dy, row);
  }
}

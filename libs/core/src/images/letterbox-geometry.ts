import { roundHalfEven } from '../rounding.ts';

/**
 * Where an image lands inside the square model input: Ultralytics' LetterBox with a fixed square size, auto=False,
 * scaleup=True, centred. Python's round (ties to even) decides the resized size; the -0.1/+0.1 puts the odd pixel of
 * padding on the bottom/right.
 */
export interface LetterboxGeometry {
  readonly imgsz: number;
  readonly origWidth: number;
  readonly origHeight: number;
  /** Scale factor new/old, the same for both axes. */
  readonly gain: number;
  readonly newWidth: number;
  readonly newHeight: number;
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

export function letterboxGeometry(origWidth: number, origHeight: number, imgsz: number, scaleup = true): LetterboxGeometry {
  assertPositiveInt(origWidth, 'image width');
  assertPositiveInt(origHeight, 'image height');
  assertPositiveInt(imgsz, 'imgsz');
  const fit = Math.min(imgsz / origHeight, imgsz / origWidth);
  const gain = scaleup ? fit : Math.min(fit, 1);
  const newWidth = Math.max(roundHalfEven(origWidth * gain), 1);
  const newHeight = Math.max(roundHalfEven(origHeight * gain), 1);
  const halfW = (imgsz - newWidth) / 2;
  const halfH = (imgsz - newHeight) / 2;
  return {
    imgsz,
    origWidth,
    origHeight,
    gain,
    newWidth,
    newHeight,
    top: roundHalfEven(halfH - 0.1),
    bottom: roundHalfEven(halfH + 0.1),
    left: roundHalfEven(halfW - 0.1),
    right: roundHalfEven(halfW + 0.1),
  };
}

/**
 * Ultralytics' val dataloader in two steps: load_image resizes the long side to imgsz (sizes rounded up, capped at
 * imgsz, cv2 INTER_LINEAR, also when enlarging), then LetterBox(scaleup=False) pads (resizing again only if a side
 * still exceeds imgsz, which the cap prevents). `first` is load_image's size, `second` LetterBox's placement of it.
 */
export interface ValLetterboxGeometry {
  readonly first: { readonly width: number; readonly height: number };
  readonly second: LetterboxGeometry;
}

export function valLetterboxGeometry(origWidth: number, origHeight: number, imgsz: number): ValLetterboxGeometry {
  assertPositiveInt(origWidth, 'image width');
  assertPositiveInt(origHeight, 'image height');
  assertPositiveInt(imgsz, 'imgsz');
  const r = imgsz / Math.max(origHeight, origWidth);
  const first = r === 1 ? { width: origWidth, height: origHeight } : { width: Math.min(Math.ceil(origWidth * r), imgsz), height: Math.min(Math.ceil(origHeight * r), imgsz) };
  return { first, second: letterboxGeometry(first.width, first.height, imgsz, false) };
}

/**
 * The val inverse: the ratio_pad the dataloader hands the validator, ((h1/h0 * r2, w1/w0 * r2), (left, top)), used by
 * scale_boxes instead of re-deriving it from the shapes.
 */
export function valInverseLetterbox(g: ValLetterboxGeometry, origWidth: number, origHeight: number): InverseLetterbox {
  return {
    gainX: (g.first.width / origWidth) * g.second.gain,
    gainY: (g.first.height / origHeight) * g.second.gain,
    padX: g.second.left,
    padY: g.second.top,
    origWidth,
    origHeight,
  };
}

/**
 * The inverse that Ultralytics' scale_boxes derives from the two shapes alone (no ratio_pad): per-axis gains from the
 * rounded resized size, padding from the same rounding as LetterBox.
 */
export interface InverseLetterbox {
  readonly gainX: number;
  readonly gainY: number;
  readonly padX: number;
  readonly padY: number;
  readonly origWidth: number;
  readonly origHeight: number;
}

export function inverseLetterbox(
  inputWidth: number,
  inputHeight: number,
  origWidth: number,
  origHeight: number,
): InverseLetterbox {
  const gain = Math.min(inputHeight / origHeight, inputWidth / origWidth);
  const newHeight = Math.max(roundHalfEven(origHeight * gain), 1);
  const newWidth = Math.max(roundHalfEven(origWidth * gain), 1);
  return {
    gainX: newWidth / origWidth,
    gainY: newHeight / origHeight,
    padX: roundHalfEven((inputWidth - newWidth) / 2 - 0.1),
    padY: roundHalfEven((inputHeight - newHeight) / 2 - 0.1),
    origWidth,
    origHeight,
  };
}

const f32 = Math.fround;

/**
 * Maps xyxy boxes from model-input pixels back to original-image pixels and clips them to the image, in float32
 * arithmetic step by step like the torch float32 tensors in scale_boxes, so results match to the bit.
 * `boxes` holds 4 numbers per box; a new array is returned.
 */
export function scaleBoxesToOriginal(boxes: ArrayLike<number>, inv: InverseLetterbox): Float32Array {
  if (boxes.length % 4 !== 0) throw new Error(`scaleBoxesToOriginal: ${boxes.length} numbers is not a whole number of boxes`);
  const out = new Float32Array(boxes.length);
  const gx = f32(inv.gainX);
  const gy = f32(inv.gainY);
  const w = inv.origWidth;
  const h = inv.origHeight;
  for (let i = 0; i < boxes.length; i += 4) {
    out[i] = clamp(f32(f32(boxes[i]! - inv.padX) / gx), w);
    out[i + 1] = clamp(f32(f32(boxes[i + 1]! - inv.padY) / gy), h);
    out[i + 2] = clamp(f32(f32(boxes[i + 2]! - inv.padX) / gx), w);
    out[i + 3] = clamp(f32(f32(boxes[i + 3]! - inv.padY) / gy), h);
  }
  return out;
}

/** xyxy to COCO [x, y, w, h] the way Ultralytics' pred_to_json gets there (centre/size first, then back to a corner). */
export function xyxyToCocoXywh(x1: number, y1: number, x2: number, y2: number): [number, number, number, number] {
  const w = f32(x2 - x1);
  const h = f32(y2 - y1);
  const cx = f32(f32(x1 + x2) / 2);
  const cy = f32(f32(y1 + y2) / 2);
  return [f32(cx - w / 2), f32(cy - h / 2), w, h];
}

function clamp(v: number, max: number): number {
  return v < 0 ? 0 : v > max ? max : v;
}

function assertPositiveInt(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got ${v}`);
}

import { UserError } from '../../core/src/errors.ts';
import type { ValueInfo } from '../../core/src/onnx-input.ts';

export type OutputForm =
  /** YOLOv10 end-to-end: [N, rows, 6] = x1 y1 x2 y2 score class, no NMS needed. */
  | { readonly kind: 'end2end'; readonly name: string }
  /** Raw detection head: [N, 4 + nc, anchors] = cx cy w h then class scores; needs NMS. */
  | { readonly kind: 'raw'; readonly name: string; readonly numClasses: number };

export interface ModelIo {
  readonly inputName: string;
  readonly imgsz: number;
  readonly output: OutputForm;
}

const describe = (v: ValueInfo): string =>
  v.isTensor ? `'${v.name}' ${v.type}[${v.shape.map((d) => (typeof d === 'number' ? d : `${d || '?'}`)).join(', ')}]` : `'${v.name}' (not a tensor)`;

const isDynamic = (d: number | string | undefined): boolean => typeof d === 'string' || (typeof d === 'number' && d < 0);

/**
 * Checks that a model is a detector this evaluator can run at `imgsz`: exactly one float32 input [N|dynamic, 3, S, S]
 * with S = imgsz (or dynamic), and a first output of one of the two YOLO forms (a raw head must have the dataset's
 * `numClasses`). Errors name the ONNX file and say what was found against what was expected.
 */
export function inspectModelIo(
  inputs: readonly ValueInfo[],
  outputs: readonly ValueInfo[],
  onnxPath: string,
  imgsz: number,
  numClasses: number,
  batch = 1,
): ModelIo {
  const expectedInput = `one float32 input of shape [N or dynamic, 3, ${imgsz}, ${imgsz}]`;
  if (inputs.length !== 1) {
    throw new UserError(`expected ${expectedInput}, found ${inputs.length} inputs: ${inputs.map(describe).join(', ') || 'none'}`, onnxPath);
  }
  const input = inputs[0]!;
  if (!input.isTensor || input.type !== 'float32' || input.shape.length !== 4 || input.shape[1] !== 3) {
    throw new UserError(`expected ${expectedInput}, found input ${describe(input)}`, onnxPath);
  }
  const [fixedBatch, , height, width] = input.shape;
  if (!isDynamic(fixedBatch) && batch > 1) {
    throw new UserError(`input ${describe(input)} has a fixed batch of ${fixedBatch}; --batch ${batch} needs a model exported with a dynamic batch axis (or use --batch 1)`, onnxPath);
  }
  if (!isDynamic(fixedBatch) && fixedBatch !== 1) {
    throw new UserError(`input ${describe(input)} has a fixed batch of ${fixedBatch}; export with batch 1 or a dynamic batch`, onnxPath);
  }
  for (const [axis, dim] of [['height', height], ['width', width]] as const) {
    if (!isDynamic(dim) && dim !== imgsz) {
      throw new UserError(`input ${describe(input)} has a fixed ${axis} of ${dim} but --imgsz is ${imgsz}; pass --imgsz ${dim} or re-export the model at ${imgsz}`, onnxPath);
    }
  }

  const expectedOutput = `a first output of shape [N, 300, 6] (end-to-end) or [N, ${4 + numClasses}, anchors] (raw head: 4 box values + ${numClasses} class scores), float32`;
  const output = outputs[0];
  if (!output) throw new UserError(`expected ${expectedOutput}, found no outputs`, onnxPath);
  if (!output.isTensor || output.type !== 'float32' || output.shape.length !== 3) {
    throw new UserError(`expected ${expectedOutput}, found ${describe(output)}`, onnxPath);
  }
  const [, channels, last] = output.shape;
  if (last === 6) return { inputName: input.name, imgsz, output: { kind: 'end2end', name: output.name } };
  if (channels === 4 + numClasses) {
    return { inputName: input.name, imgsz, output: { kind: 'raw', name: output.name, numClasses: channels - 4 } };
  }
  throw new UserError(`expected ${expectedOutput}, found ${describe(output)}`, onnxPath);
}

/**
 * Checks the output tensor actually produced at run time for a batch of `batch` images (dynamic dims are only known
 * then); returns its rows (end-to-end) or anchors (raw) per image.
 */
export function checkRuntimeOutput(form: OutputForm, dims: readonly number[], onnxPath: string, batch = 1): number {
  if (dims.length !== 3 || dims[0] !== batch) {
    throw new UserError(`output '${form.name}' came back with shape [${dims.join(', ')}], expected batch ${batch} and rank 3`, onnxPath);
  }
  if (form.kind === 'end2end') {
    if (dims[2] !== 6) throw new UserError(`output '${form.name}' came back with shape [${dims.join(', ')}], expected [${batch}, rows, 6]`, onnxPath);
    return dims[1]!;
  }
  if (dims[1] !== 4 + form.numClasses) {
    throw new UserError(`output '${form.name}' came back with shape [${dims.join(', ')}], expected [${batch}, ${4 + form.numClasses}, anchors]`, onnxPath);
  }
  return dims[2]!;
}

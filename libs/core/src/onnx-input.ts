/**
 * The input side of an ONNX file the export stage wrote: its input is fixed at [N, 3, S, S] (dynamic batch, fixed height
 * and width: yolo_py/export/onnx_io.py). A stage that feeds one file (the W8A8 calibration) reads S from the file itself,
 * the one fact its output depends on, rather than from train.yaml or from export.json, which changes with every model.
 */
import ort from 'onnxruntime-node';
import { UserError } from './errors.ts';

/** What onnxruntime reports for one model input or output (InferenceSession.inputMetadata / outputMetadata). */
export type ValueInfo =
  | { readonly name: string; readonly isTensor: false }
  | { readonly name: string; readonly isTensor: true; readonly type: string; readonly shape: ReadonlyArray<number | string> };

export async function fixedInputSide(onnxPath: string): Promise<number> {
  let session: ort.InferenceSession;
  try {
    // Unoptimised: only the metadata is read.
    session = await ort.InferenceSession.create(onnxPath, { graphOptimizationLevel: 'disabled', logSeverityLevel: 4 });
  } catch (error) {
    throw new UserError(`cannot load the ONNX model: ${(error as Error).message.split('\n')[0]}`, onnxPath);
  }
  try {
    const inputs = session.inputMetadata as readonly ValueInfo[];
    const input = inputs[0];
    const shape = input?.isTensor ? input.shape : [];
    const [, channels, height, width] = shape;
    if (inputs.length !== 1 || shape.length !== 4 || channels !== 3 || typeof height !== 'number' || height <= 0 || height !== width) {
      const found = inputs.map((i) => (i.isTensor ? `'${i.name}' [${i.shape.join(', ')}]` : `'${i.name}' (not a tensor)`)).join(', ') || 'none';
      throw new UserError(`expected one input of fixed shape [N, 3, S, S], found ${found}`, onnxPath);
    }
    return height;
  } finally {
    await session.release();
  }
}

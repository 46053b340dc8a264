import ort from 'onnxruntime-node';
import { UserError } from '../../core/src/errors.ts';
import type { PassSettings } from './batch-pass.ts';
import { inspectModelIo, type ModelIo } from './model-io.ts';
import type { ValueInfo } from '../../core/src/onnx-input.ts';

/** One session.run over a batch of planar CHW float32 inputs; the named output comes back as float32. */
export type Inference = (tensor: Float32Array, batch: number) => Promise<{ data: Float32Array; dims: readonly number[] }>;

/** The session's input and output, checked against what the evaluation feeds and expects (inspectModelIo). */
export function sessionModelIo(session: ort.InferenceSession, settings: Pick<PassSettings, 'onnxPath' | 'imgsz' | 'classMap' | 'batch'>): ModelIo {
  const { onnxPath, imgsz, classMap, batch } = settings;
  return inspectModelIo(session.inputMetadata as readonly ValueInfo[], session.outputMetadata as readonly ValueInfo[], onnxPath, imgsz, classMap.length, batch);
}

export function inferenceFor(session: ort.InferenceSession, io: ModelIo, onnxPath: string): Inference {
  return async (tensor, batch) => {
    let outputs: ort.InferenceSession.ReturnType;
    try {
      outputs = await session.run({ [io.inputName]: new ort.Tensor('float32', tensor, [batch, 3, io.imgsz, io.imgsz]) }, [io.output.name]);
    } catch (error) {
      throw new UserError(`inference failed: ${(error as Error).message.split('\n')[0]}`, onnxPath);
    }
    const out = outputs[io.output.name] as ort.Tensor;
    if (out.type !== 'float32') throw new UserError(`output '${io.output.name}' came back as ${out.type}, expected float32`, onnxPath);
    return { data: out.data as Float32Array, dims: out.dims };
  };
}

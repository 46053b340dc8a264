/**
 * Schemas of the ptq-w8a8 stage's JSON: the request it writes and yolo_py.ptq_w8a8_cli reads, and what that writes for
 * the summary, and the calibration list. One file per stage, so that neither PTQ stage hashes the other's schemas.
 * Keys are camelCase (artifact keys, whichever side writes them; yolo_py converts at the write); request.json
 * files are snake_case, the fields of the Python dataclasses that read them. Objects are loose unless a reader
 * refuses unknown keys.
 */
import { z } from 'zod';
import { letterboxStyles } from '../config/choices.ts';
import { count } from './count.ts';
import { calibrationMethods } from '../config/schema.ts';

/** <ptq-w8a8 staging>/ptq-request.json: yolo_py/ptq/w8a8_request.py's W8a8Request, key for key. */
export const ptqW8a8RequestSchema = z.strictObject({
  out_dir: z.string(),
  imgsz: count,
  fp16_onnx: z.string(),
  calibration: z.strictObject({ tensor: z.string(), meta: z.string(), method: z.enum(calibrationMethods) }),
});

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest');
/** One file a PTQ step wrote: its name, size and sha256 (yolo_py/ptq_step.py's file_entries). */
const ptqFile = z.looseObject({ file: z.string(), bytes: count, sha256 });

/** ptq-w8a8/ptq-w8a8.json, written by yolo_py.ptq_w8a8_cli. */
export const ptqW8a8JsonSchema = z.looseObject({
  files: z.looseObject({ w8a8: ptqFile }),
  w8a8: z.looseObject({
    quantizer: z.string(),
    calibrationMethod: z.enum(calibrationMethods),
    calibrationImages: count,
    weights: z.string(),
    activations: z.string(),
    graph: z.looseObject({ convQuantization: z.looseObject({ convs: count, weightQuantized: count, activationQuantized: count }) }),
  }),
});

/** ptq-w8a8/calibration.json, written by the ptq-w8a8 stage (libs/core/src/images/calibration/write-set.ts) beside the tensor yolo_py reads. */
export const calibrationListSchema = z.looseObject({
  shape: z.array(count).length(4),
  imgsz: count,
  images: z.array(z.string()).min(1),
  requested: count,
  sha256,
  letterbox: z.enum(letterboxStyles),
});
export type CalibrationJson = z.output<typeof calibrationListSchema>;


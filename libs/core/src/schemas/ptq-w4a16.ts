/**
 * Schemas of the ptq-w4a16 stage's JSON: the request it writes and yolo_py.ptq_w4a16_cli reads, and what that writes for
 * the summary. One file per stage, so that neither PTQ stage hashes the other's schemas.
 * Keys are camelCase (artifact keys, whichever side writes them; yolo_py converts at the write); request.json
 * files are snake_case, the fields of the Python dataclasses that read them. Objects are loose unless a reader
 * refuses unknown keys.
 */
import { z } from 'zod';
import { count } from './count.ts';
import { qatSettingsRequestSchema } from './qat-settings.ts';

/** <ptq-w4a16 staging>/ptq-request.json: yolo_py/ptq/w4a16_request.py's W4a16Request, key for key. */
export const ptqW4a16RequestSchema = z.strictObject({
  out_dir: z.string(),
  imgsz: count,
  opset: count,
  qat_settings: qatSettingsRequestSchema,
  fp16_checkpoint: z.string(),
  qat_checkpoint: z.string(),
  qat_qcdq_onnx: z.string(),
  /** export's QCDQ file of the QAT fine-tune, packed beside the QAT one. */
  qat_ft_qcdq_onnx: z.string(),
});

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest');
/** One file a PTQ step wrote: its name, size and sha256 (yolo_py/ptq_step.py's file_entries). */
const ptqFile = z.looseObject({ file: z.string(), bytes: count, sha256 });
/** packed: the weights of at most 4 bits, stored INT4; int8: wider ones (per-layer bit widths), kept int8 Q/DQ. */
const packedInt4 = z.looseObject({
  opset: count,
  packedWeights: count,
  packedElements: count,
  int8Weights: count,
  int8Elements: count,
  qcdqFile: z.string(),
  qcdqVsInt4: z.looseObject({ withinTolerance: z.boolean() }),
});

/** ptq-w4a16/ptq-w4a16.json, written by yolo_py.ptq_w4a16_cli. */
export const ptqW4a16JsonSchema = z.looseObject({
  files: z.looseObject({ ptqCheckpoint: ptqFile, ptqQcdq: ptqFile, qatInt4: ptqFile, qatFtInt4: ptqFile, ptqInt4: ptqFile }),
  ptqW4a16: z.looseObject({ export: z.looseObject({ fileBytes: count, nodeCounts: z.record(z.string(), count), quantizedConvsTorch: count }) }),
  int4: z.looseObject({ qatInt4: packedInt4, qatFtInt4: packedInt4, ptqInt4: packedInt4 }),
});

const sqnrModel = z.looseObject({
  layers: z.array(z.looseObject({ name: z.string(), weightShape: z.array(count), parameters: count, bitWidth: count, sqnrDb: z.number().nullable() })).min(1),
  totals: z.looseObject({
    parameters: count,
    quantizedParameters: count,
    quantizedParameterShare: z.number(),
    convs: count,
    quantizedConvs: count,
    quantizedConvShare: z.number(),
    /** Quantized convs and their weights' parameters per bit width ('4', '8', ...). */
    bitWidths: z.record(z.string().regex(/^\d+$/), z.looseObject({ convs: count, parameters: count })),
    bytes: z.looseObject({ fp32: count, fp16: count, packedInt4: count }),
  }),
  lowest: z.array(z.string()),
  meanSqnrDb: z.number().nullable(),
});

/** ptq-w4a16/quantization-report.json: per-layer weight SQNR of the QAT model and of the FP16 weights. */
export const quantizationReportSchema = z.looseObject({ qat: sqnrModel, fp16Weights: sqnrModel });

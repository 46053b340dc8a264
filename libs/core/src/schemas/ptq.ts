/**
 * Schemas of the post-training quantization stages' JSON (ptq-w4a16, ptq-w8a8), read by the summary.
 * Written by yolo_py.ptq_cli with snake_case keys (not yet converted at the write like export.json's).
 */
import { z } from 'zod';
import { count } from './count.ts';

const ptqFile = z.looseObject({ file: z.string(), bytes: count, sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest') });
const packedInt4 = z.looseObject({ opset: count, packed_weights: count, packed_elements: count, qcdq_file: z.string(), qcdq_vs_int4: z.looseObject({ within_tolerance: z.boolean() }) });

/** ptq-w4a16/ptq-w4a16.json, written by yolo_py.ptq_cli (step w4a16). */
export const ptqW4a16JsonSchema = z.looseObject({
  files: z.looseObject({ ptq_qcdq: ptqFile, qat_int4: ptqFile, ptq_int4: ptqFile }),
  ptq_w4a16: z.looseObject({ export: z.looseObject({ file_bytes: count, node_counts: z.record(z.string(), count), quantized_convs_torch: count }) }),
  int4: z.looseObject({ qat_int4: packedInt4, ptq_int4: packedInt4 }),
});

/** ptq-w8a8/ptq-w8a8.json, written by yolo_py.ptq_cli (step w8a8). */
export const ptqW8a8JsonSchema = z.looseObject({
  files: z.looseObject({ w8a8: ptqFile }),
  w8a8: z.looseObject({
    quantizer: z.string(),
    calibration_method: z.string(),
    calibration_images: count,
    weights: z.string(),
    activations: z.string(),
    graph: z.looseObject({ conv_quantization: z.looseObject({ convs: count, weight_quantized: count, activation_quantized: count }) }),
  }),
});

/** ptq-w8a8/calibration.json, written by the ptq-w8a8 stage (libs/eval/src/calibration/write-set.ts). */
export const calibrationListSchema = z.looseObject({
  images: z.array(z.string()).min(1),
  requested: count,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest'),
  letterbox: z.enum(['val', 'predict']),
});

const sqnrModel = z.looseObject({
  layers: z.array(z.looseObject({ name: z.string(), weight_shape: z.array(count), parameters: count, bit_width: count, sqnr_db: z.number().nullable() })).min(1),
  totals: z.looseObject({
    parameters: count,
    quantized_parameters: count,
    quantized_parameter_share: z.number(),
    convs: count,
    quantized_convs: count,
    quantized_conv_share: z.number(),
    bytes: z.looseObject({ fp32: count, fp16: count, packed_int4: count }),
  }),
  lowest: z.array(z.string()),
  mean_sqnr_db: z.number().nullable(),
});

/** ptq-w4a16/quantization-report.json: per-layer weight SQNR of the QAT model and of the FP16 weights. */
export const quantizationReportSchema = z.looseObject({ qat: sqnrModel, fp16_weights: sqnrModel });

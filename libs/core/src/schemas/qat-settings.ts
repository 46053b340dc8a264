import { z } from 'zod';
import { weightBitWidth, type QatConfig } from '../config/schema.ts';

/**
 * How a quantizer's scale comes from the float weight: 'absmax', max |w| / qmax, the only one. conf/qat.yaml does not
 * set it and the requests leave it out (yolo_py's default); a checkpoint's settings (QatSettings.to_dict) carry it.
 */
const qatScalingStats = ['absmax'] as const;

/**
 * The quantizer settings a request hands yolo_py, the train-qat and ptq-w4a16 requests alike: yolo_py/quant/settings.py's
 * QatSettings.to_dict, key for key (it reads its bit-width bounds and scaling stats from this schema, emitted as
 * contracts/qat_settings.schema.json; libs/yolo-py/tests/test_quant_settings.py checks that the two agree).
 */
export const qatSettingsRequestSchema = z.strictObject({
  weight_bit_width: weightBitWidth,
  per_channel: z.boolean(),
  narrow_range: z.boolean(),
  scaling_stats: z.enum(qatScalingStats).optional(),
  keep_float: z.array(z.string()),
  /** Per-layer widths, first match wins (yolo_py/quant/plan.py): conf/qat.yaml's layers. */
  layers: z.array(z.strictObject({ pattern: z.string(), bits: weightBitWidth })),
});

/** conf/qat.yaml's settings as a request carries them (the one camelCase -> snake_case mapping of them). */
export function qatSettingsRequest(qat: QatConfig): z.output<typeof qatSettingsRequestSchema> {
  return {
    weight_bit_width: qat.weightBitWidth,
    per_channel: qat.perChannel,
    narrow_range: qat.narrowRange,
    keep_float: qat.keepFloat,
    layers: qat.layers.map(({ pattern, bits }) => ({ pattern, bits })),
  };
}

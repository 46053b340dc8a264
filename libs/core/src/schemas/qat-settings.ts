import { z } from 'zod';
import type { QatConfig } from '../config/schema.ts';
import { count } from './count.ts';

/** The quantizer settings a request hands yolo_py (yolo_py/quant/settings.py's QatSettings.to_dict, key for key): the train-qat and ptq-w4a16 requests alike. */
export const qatSettingsRequestSchema = z.strictObject({
  weight_bit_width: count,
  per_channel: z.boolean(),
  narrow_range: z.boolean(),
  keep_float: z.array(z.string()),
  layers: z.array(z.strictObject({ pattern: z.string(), bits: count })),
});

/** conf/qat.yaml's settings as a request carries them: the one mapping, for train-qat and ptq-w4a16 alike. */
export function qatSettingsRequest(qat: QatConfig): z.output<typeof qatSettingsRequestSchema> {
  return {
    weight_bit_width: qat.weightBitWidth,
    per_channel: qat.perChannel,
    narrow_range: qat.narrowRange,
    keep_float: qat.keepFloat,
    layers: qat.layers.map(({ pattern, bits }) => ({ pattern, bits })),
  };
}

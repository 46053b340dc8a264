import { z } from 'zod';
import { count } from './count.ts';

/** The quantizer settings a request hands yolo_py (yolo_py/quant/settings.py's QatSettings.to_dict, key for key): the train-qat and ptq-w4a16 requests alike. */
export const qatSettingsRequestSchema = z.strictObject({ weight_bit_width: count, per_channel: z.boolean(), narrow_range: z.boolean(), keep_float: z.array(z.string()) });

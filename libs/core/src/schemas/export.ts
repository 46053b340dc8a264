/**
 * Schemas of the export stage's JSON: the request libs/export writes and yolo_py.export_cli reads, and
 * the export.json it writes for the summary.
 * Keys are camelCase (artifact keys, whichever side writes them); request.json files are snake_case, the
 * fields of the Python dataclasses that read them. Objects are loose unless a reader refuses unknown keys.
 */
import { z } from 'zod';
import { valHeads } from '../config/schema.ts';
import { variants } from '../variants.ts';
import { graphKinds } from '../vocabulary.ts';
import { count } from './count.ts';

/**
 * <onnx staging>/export-request.json: yolo_py/export_request.py's ExportRequest, key for key. One entry per file:
 * each trained model once per head (conf/train.yaml's valHead names: one2one, the NMS-free end-to-end output
 * [N, 300, 6]; one2many-nms, the one-to-many head's raw output [N, 4 + nc, anchors] that needs NMS).
 */
export const exportRequestSchema = z.strictObject({
  out_dir: z.string(),
  imgsz: count,
  opset: count,
  models: z
    .array(
      z.strictObject({
        variant: z.enum(variants),
        head: z.enum(valHeads),
        checkpoint: z.string(),
        file: z.string().regex(/^[^/]+\.onnx$/, 'expected a plain .onnx file name'),
      }),
    )
    .min(1),
});

const exportedModel = z.looseObject({
  variant: z.enum(variants),
  head: z.enum(valHeads),
  graph: z.enum(graphKinds),
  file: z.string(),
  fileBytes: count,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest'),
  opset: count,
  nodeCounts: z.record(z.string(), count),
  parameters: z.looseObject({ initializerElements: count, convParams: count }),
  intWeights: z.boolean(),
  /** Integer weights by bit width ('4', '8', ...), read off the graph's Clip ranges; {} for the float graph. */
  weightBits: z.record(z.string().regex(/^\d+$/), count),
});

/** Both heads' files of one trained model. */
const exportedHeads = z.looseObject({ one2one: exportedModel, 'one2many-nms': exportedModel });

/** onnx/export.json, written by yolo_py.export_cli: models.<variant>.<head>. */
export const exportJsonSchema = z.looseObject({ opset: count, models: z.looseObject({ fp16: exportedHeads, qat: exportedHeads, 'qat-ft': exportedHeads }) });


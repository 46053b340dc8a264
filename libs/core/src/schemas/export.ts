/**
 * Schemas of the export stage's JSON: the request libs/export writes and yolo_py.export_cli reads, and
 * the export.json it writes for the summary.
 * Keys are camelCase (artifact keys, whichever side writes them); request.json files are snake_case, the
 * fields of the Python dataclasses that read them. Objects are loose unless a reader refuses unknown keys.
 */
import { z } from 'zod';
import { letterboxStyles } from '../config/choices.ts';
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
  /**
   * The train images the QAT models' BatchNorm statistics are re-estimated on before export (conf/export.yaml
   * bnReestimation; yolo_py/export/bn_reestimation.py): the letterboxed tensor, its list (calibration.json's format)
   * and the images per forward. null or absent: exported with the checkpoint's statistics.
   */
  bn_reestimation: z.strictObject({ tensor: z.string(), meta: z.string(), batch: count }).nullable().optional(),
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

/** What re-estimated the BatchNorm statistics of the models it lists before their export. */
const bnReestimation = z.looseObject({
  variants: z.array(z.enum(variants)).min(1),
  images: count,
  batches: count,
  batch: count,
  layers: count,
  letterbox: z.enum(letterboxStyles),
  listSha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest'),
});

/**
 * onnx/export.json, written by yolo_py.export_cli: models.<variant>.<head>; the facts of every file, which the later
 * stages take from here rather than from conf/: the opset and the input size (imgsz: fixed height and width); and
 * bnReestimation (null: the checkpoints' statistics were exported as trained; absent in files written before it existed).
 */
export const exportJsonSchema = z.looseObject({
  opset: count,
  imgsz: count,
  models: z.looseObject({ fp16: exportedHeads, qat: exportedHeads, 'qat-ft': exportedHeads }),
  bnReestimation: bnReestimation.nullable().optional(),
});


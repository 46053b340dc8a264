/**
 * The experiment's display and evaluation vocabulary, defined once (the variant names themselves are in
 * variants.ts): variant labels, the kinds of exported graph (Python: yolo_py/contracts/graph_kinds.json), and the
 * names of pycocotools' 12 COCO stats that metrics.json, the summary and the parity tools use, and how the summary
 * names each kind of training event (the kinds themselves are in training-events.ts).
 */
import type { ValHead } from './config/schema.ts';
import type { EvalVariant } from './layout.ts';
import type { TrainingEventKind } from './training-events.ts';
import type { Variant } from './variants.ts';

/** How the summary names the head a training validated (conf/train.yaml valHead). */
export const valHeadLabel: Record<ValHead, string> = {
  one2one: 'one-to-one, NMS-free (the exported head)',
  'one2many-nms': 'one-to-many + NMS (not the exported head)',
};

/** How the summary and the charts title each variant. */
export const variantLabel: Record<Variant, string> = { fp16: 'FP16 (AMP)', qat: 'W4A16 QAT', 'qat-ft': 'W4A16 QAT fine-tune' };
/** The title of one training's own loss chart (in the summary and in the training's folder). */
export const variantLossTitle = (variant: Variant): string => `${variantLabel[variant]}: training and validation losses`;
/** How the summary names every scored ONNX file: the trained variants (each head) and the post-training ones. */
export const evalVariantLabel: Record<EvalVariant, string> = {
  ...variantLabel,
  'fp16-one2many': `${variantLabel.fp16}, one-to-many head + NMS`,
  'qat-one2many': `${variantLabel.qat}, one-to-many head + NMS`,
  'qat-ft-one2many': `${variantLabel['qat-ft']}, one-to-many head + NMS`,
  'qat-int4': 'W4A16 QAT, packed INT4',
  'qat-ft-int4': 'W4A16 QAT fine-tune, packed INT4',
  'ptq-w4a16': 'W4A16 PTQ',
  'ptq-w8a8': 'W8A8 PTQ',
};

/**
 * What an exported ONNX graph holds, beside the variant it came from: float weights, or integer weights behind
 * QuantizeLinear/DequantizeLinear (QCDQ). export.json's `graph`.
 */
export const graphKinds = ['float', 'qcdq'] as const;

/** pycocotools' COCOeval.stats for bbox, in its order: metrics.json's keys (and the summary's rows, cocoStatLabel). */
export const cocoStatKeys = ['mAP50_95', 'mAP50', 'mAP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] as const;
export type CocoStatKey = (typeof cocoStatKeys)[number];

/** How people write a stat: mAP50_95 is mAP50-95 (a key cannot hold the dash); the rest as they are keyed. */
export const cocoStatLabel = (key: CocoStatKey): string => key.replace('_', '-');

/** How the summary names each kind of training event (run.json's `events`), as a noun that reads in a sentence. */
export const trainingEventLabel: Record<TrainingEventKind, string> = {
  collapse: 'collapse warning',
  nanRecovery: 'NaN recovery',
  batchReduced: 'batch reduction',
  checkpointFallback: 'checkpoint fallback',
};

/**
 * Ports YOLOv5's hyp.scratch.yaml onto Ultralytics train arguments. Pure: every source key gets exactly one
 * decision (kept, renamed, rescaled or dropped) with its reason, so the report and the arguments come from
 * the same table and cannot drift apart.
 */

export type Decision =
  | { kind: 'kept'; target: string }
  | { kind: 'renamed'; target: string }
  | { kind: 'rescaled'; target: string; factor: number }
  | { kind: 'dropped' };

export interface Rule {
  decision: Decision;
  why: string;
}

/**
 * Reference gains that define the box rescale: YOLOv5's hyp.scratch box gain (0.05) multiplies a mean
 * CIoU loss over matched anchors; Ultralytics' v8/v10 loss (ultralytics/cfg/default.yaml, 8.4: box 7.5)
 * multiplies a TAL-score-weighted IoU loss. Mapping default onto default (x150) keeps any deviation a user
 * made from YOLOv5's default in proportion.
 */
export const YOLOV5_DEFAULT_BOX_GAIN = 0.05;
export const ULTRALYTICS_DEFAULT_BOX_GAIN = 7.5;

const same = (target: string, why: string): Rule => ({ decision: { kind: 'kept', target }, why });
const dropped = (why: string): Rule => ({ decision: { kind: 'dropped' }, why });

export const hypRules: Record<string, Rule> = {
  lr0: same('lr0', 'initial SGD learning rate; same meaning'),
  lrf: same('lrf', 'final LR fraction (final lr = lr0 * lrf); both use the same linear decay when cos_lr is off'),
  momentum: same('momentum', 'SGD momentum; same meaning'),
  weight_decay: same('weight_decay', 'optimizer weight decay; same meaning'),
  warmup_epochs: same('warmup_epochs', 'warm-up length in epochs; same meaning'),
  warmup_momentum: same('warmup_momentum', 'initial momentum during warm-up; same meaning'),
  warmup_bias_lr: same('warmup_bias_lr', 'bias learning rate during warm-up; same meaning'),
  box: {
    decision: { kind: 'rescaled', target: 'box', factor: ULTRALYTICS_DEFAULT_BOX_GAIN / YOLOV5_DEFAULT_BOX_GAIN },
    why:
      'loss gains differ in scale: YOLOv5 weights a mean CIoU over anchors, Ultralytics a TAL-weighted IoU sum; ' +
      `rescaled by ${ULTRALYTICS_DEFAULT_BOX_GAIN}/${YOLOV5_DEFAULT_BOX_GAIN} so YOLOv5's default lands on Ultralytics' default`,
  },
  cls: same(
    'cls',
    "class BCE gain; YOLOv5 scales it by nc/80 * 3/layers, which is 1 for COCO's 80 classes and 3 heads, and its default " +
      "equals Ultralytics' (0.5), so the value carries over unchanged",
  ),
  cls_pw: dropped(
    "YOLOv5's positive weight of the class BCE has no counterpart; Ultralytics' own cls_pw means something else " +
      '(a class-frequency weighting power: 1.0 would switch on full inverse-frequency weighting), so it must not be carried by name',
  ),
  obj: dropped('YOLOv10 is anchor-free with no objectness branch: there is no objectness loss to weight'),
  obj_pw: dropped('no objectness branch, so no objectness BCE positive weight'),
  iou_t: dropped("the IoU training threshold of YOLOv5's anchor matching; Ultralytics assigns targets with the Task-Aligned Assigner"),
  anchor_t: dropped('anchor-multiple matching threshold; YOLOv10 has no anchors'),
  fl_gamma: dropped('focal-loss gamma; Ultralytics\' detection loss is plain BCE (and 0.0 meant "off" in YOLOv5 too)'),
  hsv_h: same('hsv_h', 'HSV hue augmentation; same meaning'),
  hsv_s: same('hsv_s', 'HSV saturation augmentation; same meaning'),
  hsv_v: same('hsv_v', 'HSV value augmentation; same meaning'),
  degrees: same('degrees', 'rotation augmentation; same meaning'),
  translate: same('translate', 'translation augmentation; same meaning'),
  scale: same('scale', 'scale augmentation; same meaning'),
  shear: same('shear', 'shear augmentation; same meaning'),
  perspective: same('perspective', 'perspective augmentation; same meaning'),
  flipud: same('flipud', 'vertical flip probability; same meaning'),
  fliplr: same('fliplr', 'horizontal flip probability; same meaning'),
  mosaic: same('mosaic', 'mosaic probability; same meaning'),
  mixup: same('mixup', 'MixUp probability; same meaning'),
  copy_paste: same('copy_paste', 'copy-paste needs segments; with box labels it has no effect in either framework'),
};

/**
 * Ultralytics-only losses the source cannot set. Named here so the report says where their value comes from.
 * Source: ultralytics/cfg/default.yaml (8.4): dfl 1.5.
 */
export const addedArgs: Record<string, { value: number; why: string }> = {
  dfl: { value: 1.5, why: "distribution focal loss gain: YOLOv5 has no DFL; Ultralytics' default" },
};

export interface MappingRow {
  source: string;
  value: number;
  decision: Decision['kind'] | 'added';
  target: string | null;
  result: number | null;
  why: string;
}

export interface HypMapping {
  args: Record<string, number>;
  rows: MappingRow[];
}

export class UnknownHypError extends Error {
  constructor(readonly key: string) {
    super(`unknown hyperparameter '${key}': no mapping is defined for it (known: ${Object.keys(hypRules).join(', ')})`);
  }
}

export class BadHypValueError extends Error {
  constructor(
    readonly key: string,
    value: unknown,
  ) {
    super(`hyperparameter '${key}' must be a finite number, got ${JSON.stringify(value)}`);
  }
}

/** Rounds away float noise from rescaling (0.05 * 150 = 7.500000000000001). */
const tidy = (x: number): number => Number.parseFloat(x.toPrecision(12));

export function mapHyps(source: Record<string, unknown>): HypMapping {
  const args: Record<string, number> = {};
  const rows: MappingRow[] = [];
  for (const [key, value] of Object.entries(source)) {
    const rule = hypRules[key];
    if (!rule) throw new UnknownHypError(key);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new BadHypValueError(key, value);
    const { decision } = rule;
    let result: number | null = null;
    if (decision.kind === 'kept' || decision.kind === 'renamed') result = value;
    if (decision.kind === 'rescaled') result = tidy(value * decision.factor);
    const target = decision.kind === 'dropped' ? null : decision.target;
    if (target !== null && result !== null) args[target] = result;
    rows.push({ source: key, value, decision: decision.kind, target, result, why: rule.why });
  }
  for (const [key, { value, why }] of Object.entries(addedArgs)) {
    args[key] = value;
    rows.push({ source: '—', value: Number.NaN, decision: 'added', target: key, result: value, why });
  }
  return { args, rows };
}

export function renderMappingReport(mapping: HypMapping, sourceName: string): string {
  const cell = (v: number | null) => (v === null || Number.isNaN(v) ? '—' : String(v));
  const lines = [
    '# Hyperparameter mapping: YOLOv5 hyp.scratch -> Ultralytics train arguments',
    '',
    `Source: \`${sourceName}\` (YOLOv5's from-scratch recipe). Result: \`train-args.yaml\`.`,
    '',
    '| source key | value | decision | Ultralytics arg | value | why |',
    '| --- | --- | --- | --- | --- | --- |',
    ...mapping.rows.map(
      (r) => `| ${r.source} | ${cell(r.value)} | ${r.decision} | ${r.target ?? '—'} | ${cell(r.result)} | ${r.why.replaceAll('|', '\\|')} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

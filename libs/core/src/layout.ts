import { join } from 'node:path';
import { UserError } from './errors.ts';
import type { ValHead } from './config/schema.ts';
import { byVariant, variants, type QuantizedVariant, type Variant } from './variants.ts';
import { workspaceRoot } from './workspace.ts';

/**
 * The run-root layout: the one place that spells where every stage's output lives and what its files are
 * called. Each stage's declaration points at its folder and files here, and Nx's declared outputs are derived from
 * that (nx-targets.ts, with {options.runId} for the run id).
 */
export const experimentName = 'yolov10m_scratch_fp16_vs_w4a16_qat_brevitas';
export const runsDir = join(workspaceRoot, 'tmp', experimentName);

/**
 * Each training's folder in the run root, named as the experiment's plan names it: the variant id names everything
 * else (Nx project, ONNX and metrics files, yolo_py), the folder says which model it holds.
 */
export const trainingFolder: Record<Variant, string> = { fp16: 'fp16', qat: 'qat-w4a16', 'qat-ft': 'qat-w4a16-ft' };
/**
 * ONNX file of each variant inside <run-root>/onnx, with YOLOv10's one-to-one, NMS-free head: the product, which the
 * post-training stages read. The QAT ones hold QuantizeLinear/DequantizeLinear (QCDQ).
 */
export const onnxFileName: Record<Variant, string> = {
  fp16: 'yolov10-fp16.onnx',
  qat: 'yolov10-w4a16-qcdq.onnx',
  'qat-ft': 'yolov10-w4a16-ft-qcdq.onnx',
};
/**
 * Each trained model's files per head (conf/train.yaml's valHead names): the one-to-one file above, and the
 * one-to-many head's raw output ([N, 4 + nc, anchors], scored with the evaluator's NMS) beside it, so that eval scores
 * YOLOv10's NMS-free design against NMS on the same trained weights.
 */
export const headOnnxFileName: Record<Variant, Record<ValHead, string>> = byVariant((v) => ({
  one2one: onnxFileName[v],
  'one2many-nms': onnxFileName[v].replace(/\.onnx$/, '-one2many.onnx'),
}));
/** The Ultralytics train arguments, inside <run-root>/hyps, that both trainings read. */
export const trainArgsFileName = 'train-args.yaml';
/**
 * The artifacts' file names, beside the folders that hold them: every stage and the stage declarations
 * (libs/<stage>/src/declaration.ts) name a file through these, never by spelling it again.
 */
export const artifactFiles = {
  /** dataset/ (and each training's view of it): the YOLO dataset description Ultralytics reads. */
  dataYaml: 'data.yaml',
  /** dataset/: images/<split>/ (links to the source images) and labels/<split>/ (YOLO label files). */
  imagesDir: 'images',
  labelsDir: 'labels',
  /** dataset/: the split the eval stage scores (and the parity tool). */
  valImages: join('images', 'val2017'),
  /** dataset/: the split the trainings learn from and the W8A8 calibration images are drawn from. */
  trainImages: join('images', 'train2017'),
  /** dataset/ of a synthetic profile: the generated COCO-format images and annotations the labels are made from. */
  syntheticSource: 'source',
  /** hyps/: how every source key was mapped, for people and for tools. */
  mappingMd: 'mapping.md',
  mappingJson: 'mapping.json',
  /** dataset/ and hyps/: where the stage's output came from. */
  provenance: 'provenance.json',
  /** dataset/: digest of the dataset's content, the trainings' and eval's view of it. */
  fingerprint: 'fingerprint.json',
  /** <variant>/: versions, device, AMP, parameters, wall time. */
  runJson: 'run.json',
  /** <variant>/: Ultralytics' per-epoch losses and metrics. */
  resultsCsv: 'results.csv',
  /** <variant>/: the request the training ran (a copy of the in-progress one). */
  trainRequest: 'request.json',
  /** <variant>/: the checkpoint export reads. */
  bestWeights: join('weights', 'best.pt'),
  lastWeights: join('weights', 'last.pt'),
  /** .in-progress/<variant>/: yolo_py.progress's running totals, across resumed sessions. */
  progressJson: 'progress.json',
  /** onnx/: what export wrote about each ONNX file. */
  exportJson: 'export.json',
  /** onnx/: the request the export stage handed yolo_py.export_cli, kept beside what it produced. */
  exportRequest: 'export-request.json',
  /** ptq-w4a16/ and ptq-w8a8/: the request the stage handed its yolo_py entry (ptq_w4a16_cli, ptq_w8a8_cli), kept beside what it produced. */
  ptqRequest: 'ptq-request.json',
  /** eval/: which metrics were reused and under which inputs. */
  evalJson: 'eval.json',
  /** summary/ */
  summaryMd: 'summary.md',
  /** summary/ (both trainings), and each training's folder (its own run; drawn when it finishes, best effort). */
  lossPng: 'loss.png',
  lossHtml: 'loss.html',
  /** summary/: validation mAP50-95 and mAP50 per epoch of both trainings (the loss chart's companion). */
  mapPng: 'map.png',
  mapHtml: 'map.html',
  /** summary/: per-layer weight SQNR of the 4-bit quantization, QAT and FP16 weights (quantization report). */
  sqnrPng: 'sqnr.png',
  sqnrHtml: 'sqnr.html',
  /** summary/: the QAT run's share of 4-bit weight codes changed per epoch; only when its results.csv records it. */
  oscillationPng: 'oscillation.png',
  oscillationHtml: 'oscillation.html',
} as const;

/** Per-variant loss chart inside <run-root>/summary (made there, so a chart change never invalidates a training). */
export const variantLossChart: Record<Variant, { png: string; html: string }> = byVariant((v) => ({ png: `${v}.loss.png`, html: `${v}.loss.html` }));

/**
 * Files of the post-training quantization stages, which yolo_py.ptq_w4a16_cli and ptq_w8a8_cli write (they read these
 * names from yolo_py/contracts/ptq_files.json, emitted from here): <run-root>/ptq-w4a16 (the FP16 weights through the QAT
 * quantizer, the packed INT4 copies of the three QCDQ files: QAT from scratch, QAT fine-tune and PTQ; the quantization
 * report) and <run-root>/ptq-w8a8 (the calibrated W8A8 QDQ file). `report` and `summary` are the JSON artifacts each
 * step writes from its result.
 */
export const ptqFiles = {
  w4a16: {
    ptqCheckpoint: 'w4a16-ptq.pt',
    ptqQcdq: 'yolov10-w4a16-ptq-qcdq.onnx',
    qatInt4: 'yolov10-w4a16-qat-int4.onnx',
    qatFtInt4: 'yolov10-w4a16-qat-ft-int4.onnx',
    ptqInt4: 'yolov10-w4a16-ptq-int4.onnx',
    report: 'quantization-report.json',
    summary: 'ptq-w4a16.json',
  },
  w8a8: {
    w8a8: 'yolov10-w8a8-ptq-qdq.onnx',
    summary: 'ptq-w8a8.json',
  },
} as const;
export type PtqStep = keyof typeof ptqFiles;
/** The W8A8 stage's calibration list (names, sha256, letterbox), kept beside its QDQ file as provenance. */
export const calibrationListFileName = 'calibration.json';

/**
 * Every ONNX file the eval stage scores: the trained variants (one-to-one head), their one-to-many head files and the
 * post-training quantized ones. The QAT models' packed INT4 copies are scored too: each one's mAP must equal its QCDQ
 * file's (the eval stage checks it; packedInt4Of pairs them).
 */
export const evalVariants = [...variants, 'fp16-one2many', 'qat-one2many', 'qat-ft-one2many', 'qat-int4', 'qat-ft-int4', 'ptq-w4a16', 'ptq-w8a8'] as const;
export type EvalVariant = (typeof evalVariants)[number];
/** Each packed INT4 file scored, by the QCDQ file it packs. */
export const packedInt4Of = { qat: 'qat-int4', 'qat-ft': 'qat-ft-int4' } as const satisfies Record<QuantizedVariant, EvalVariant>;
/** The scored file of each trained model's head: the one place that ties an eval variant to a (variant, head) pair. */
export const evalVariantOfHead: Record<Variant, Record<ValHead, EvalVariant>> = {
  fp16: { one2one: 'fp16', 'one2many-nms': 'fp16-one2many' },
  qat: { one2one: 'qat', 'one2many-nms': 'qat-one2many' },
  'qat-ft': { one2one: 'qat-ft', 'one2many-nms': 'qat-ft-one2many' },
};
/** Where each scored ONNX file lives in a run. */
export function evalOnnxPath(layout: RunLayout, variant: EvalVariant): string {
  switch (variant) {
    case 'fp16':
    case 'qat':
    case 'qat-ft':
      return join(layout.onnx, onnxFileName[variant]);
    case 'fp16-one2many':
      return join(layout.onnx, headOnnxFileName.fp16['one2many-nms']);
    case 'qat-one2many':
      return join(layout.onnx, headOnnxFileName.qat['one2many-nms']);
    case 'qat-ft-one2many':
      return join(layout.onnx, headOnnxFileName['qat-ft']['one2many-nms']);
    case 'qat-int4':
      return join(layout.ptq.w4a16, ptqFiles.w4a16.qatInt4);
    case 'qat-ft-int4':
      return join(layout.ptq.w4a16, ptqFiles.w4a16.qatFtInt4);
    case 'ptq-w4a16':
      return join(layout.ptq.w4a16, ptqFiles.w4a16.ptqQcdq);
    case 'ptq-w8a8':
      return join(layout.ptq.w8a8, ptqFiles.w8a8.w8a8);
  }
}

/** Metrics file of each scored ONNX file inside <run-root>/eval. */
export const metricsFileName: Record<EvalVariant, string> = Object.fromEntries(evalVariants.map((v) => [v, `${v}.metrics.json`])) as Record<EvalVariant, string>;

/** Beside .in-progress/<variant>/: the request it was started with and the lock of the training writing it. */
export const inProgressSidecar = { request: '.request.json', lock: '.lock' } as const;

/** The file names yolo_py spells (yolo_py/contracts/layout.json, emitted from here). */
export function pythonLayout(): Record<string, string> {
  const { runJson, progressJson, exportJson } = artifactFiles;
  return { runJson, progressJson, exportJson };
}

export interface RunLayout {
  runId: string;
  root: string;
  dataset: string;
  hyps: string;
  /** <hyps>/train-args.yaml */
  trainArgs: string;
  /** Each training's finished run: <run-root>/<trainingFolder>. */
  train: Record<Variant, string>;
  /** Training in progress: kept outside the declared outputs so Nx never caches a partial run and a rerun resumes. */
  trainInProgress: Record<Variant, string>;
  /**
   * Each training's own view of the dataset (links to the dataset stage's files): Ultralytics writes its
   * labels/*.cache there, not into the dataset stage's cached output. Outside every declared output.
   */
  trainData: Record<Variant, string>;
  onnx: string;
  /** The post-training quantization stages' folders. */
  ptq: Record<PtqStep, string>;
  eval: string;
  summary: string;
  /** Ultralytics' settings folder (YOLO_CONFIG_DIR) for the stages that run it on this run: training and export. */
  yoloConfig: string;
}

export function validateRunId(runId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(runId)) {
    throw new UserError('expected 1-64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit', `run id '${runId}'`);
  }
  return runId;
}

export function runLayout(runId: string, root: string = join(runsDir, validateRunId(runId))): RunLayout {
  return {
    runId,
    root,
    dataset: join(root, 'dataset'),
    hyps: join(root, 'hyps'),
    trainArgs: join(root, 'hyps', trainArgsFileName),
    train: byVariant((v) => join(root, trainingFolder[v])),
    // By the variant id, not trainingFolder: a run in progress resumes across a rename of its finished folder (the
    // .train-data path is even in the recipe digest: a new one would set the run aside and start over).
    trainInProgress: byVariant((v) => join(root, '.in-progress', v)),
    trainData: byVariant((v) => join(root, '.train-data', v)),
    onnx: join(root, 'onnx'),
    ptq: { w4a16: join(root, 'ptq-w4a16'), w8a8: join(root, 'ptq-w8a8') },
    eval: join(root, 'eval'),
    summary: join(root, 'summary'),
    yoloConfig: join(root, '.yolo-config'),
  };
}

/**
 * Schemas of the JSON artifacts one stage writes and another reads, and the one reader that checks them: a
 * missing, unparsable or malformed artifact fails naming the file and the field, never as an undefined deep
 * inside a later stage. Objects are loose: a reader states the fields it uses, a writer may add more.
 * Every artifact's keys are camelCase, whichever language writes it (yolo_py converts at the write:
 * yolo_py/artifact_keys.py); only the request.json files Python reads are snake_case, its dataclasses' fields.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UserError } from './errors.ts';
import { variants } from './variants.ts';
import { cocoStatKeys, graphKinds, type CocoStatKey } from './vocabulary.ts';
import { fromWorkspace } from './workspace.ts';
import { evalVariants, type EvalVariant } from './layout.ts';

const count = z.number().int().nonnegative();
const latency = z.looseObject({ mean: z.number(), p50: z.number(), p90: z.number(), p99: z.number(), runs: count });

/** <variant>/run.json, written by yolo_py.train. */
export const runJsonSchema = z.looseObject({
  model: z.string(),
  imgsz: count,
  epochs: count,
  epochsCompleted: count,
  batch: z.number().int(),
  device: z.string(),
  deviceName: z.string(),
  worldSize: count,
  amp: z.boolean(),
  parameters: count,
  quantization: z.looseObject({ quantizedConvs: count, floatConvNames: z.array(z.string()) }).nullable(),
  wallSeconds: z.number(),
  trainSeconds: z.number(),
  imagesPerSecond: z.number().nullable(),
  peakGpuMemoryGiB: z.number().nullable(),
  sessions: count,
  versions: z.record(z.string(), z.string().nullable()),
});

/** eval/<variant>.metrics.json, written by the eval stage: the 12 COCO stats in pycocotools' order. */
export const metricsJsonSchema = z.looseObject({
  stats: z.array(z.number()).length(cocoStatKeys.length),
  ...(Object.fromEntries(cocoStatKeys.map((key) => [key, z.number()])) as Record<CocoStatKey, z.ZodNumber>),
  images: count,
  latencyMs: latency.nullable(),
  /** The QCDQ file's latency with its weight Q/DQ folded at load time; null for a float file. */
  latencyQdqFoldedMs: latency.nullable().optional(),
  throughput: z.looseObject({ imagesPerSecond: z.number(), batch: count.optional(), workers: z.number().int().nonnegative().optional() }).nullable().optional(),
  providers: z.array(z.string()).optional(),
  /** Which Ultralytics preprocessing the evaluator reproduced. */
  letterbox: z.enum(['val', 'predict']).nullable().optional(),
});

const exportedModel = z.looseObject({
  variant: z.enum(variants),
  graph: z.enum(graphKinds),
  file: z.string(),
  fileBytes: count,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest'),
  opset: count,
  nodeCounts: z.record(z.string(), count),
  parameters: z.looseObject({ initializerElements: count, convParams: count }),
  intWeights: z.boolean(),
});

/** onnx/export.json, written by yolo_py.export_cli. */
export const exportJsonSchema = z.looseObject({ opset: count, models: z.looseObject({ fp16: exportedModel, qat: exportedModel }) });

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

const splitCounts = z.looseObject({ images: count, labelledImages: count, backgroundImages: count, annotationsWritten: count });

/** dataset/provenance.json, written by the dataset stage. */
export const datasetProvenanceSchema = z.looseObject({
  source: z.looseObject({ kind: z.enum(['synthetic', 'coco']), root: z.string() }),
  splits: z.record(z.string(), z.looseObject({ annotationFile: z.string(), counts: splitCounts })),
});

/** eval/eval.json, the eval stage's memo of what each metrics file was computed from. */
const evalMemoEntry = z.looseObject({ key: z.string(), onnxSha256: z.string(), reused: z.boolean() });
/** eval.json: one memo entry per scored file (a memo from before a variant existed lacks it: it is scored). */
export const evalJsonSchema = z.looseObject(Object.fromEntries(evalVariants.map((v) => [v, evalMemoEntry.optional()])) as Record<EvalVariant, z.ZodOptional<typeof evalMemoEntry>>);

/** The value at a zod issue's path, for "got ..." in the message. */
function at(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), value);
}

/** Parses and checks an artifact's text; `shown` names the file in the error. Pure. */
export function parseArtifact<S extends z.ZodType>(text: string, schema: S, shown: string): z.output<S> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UserError(`not valid JSON (${(error as Error).message})`, shown);
  }
  const parsed = schema.safeParse(document);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join('.') || '(top level)';
  const got = at(document, issue.path);
  throw new UserError(`${issue.message}, got ${got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 80)}`, `${shown}: ${field}`);
}

/** Reads and checks an artifact; a missing file names the Nx target that writes it. */
export async function readArtifact<S extends z.ZodType>(path: string, schema: S, producer: string): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UserError(`missing: run \`npx nx run ${producer}\` first`, fromWorkspace(path));
  }
  return parseArtifact(text, schema, fromWorkspace(path));
}

/**
 * The files through which the Python side (yolo_py) learns what TypeScript defines once (contracts flow one way: yolo_py
 * owns no fact that TypeScript reads): they are emitted
 * from the TypeScript definitions into libs/yolo-py/yolo_py/contracts/ and checked in, and a test fails when
 * one is stale (`node --import tsx tools/emit-python-contracts.ts` rewrites them).
 */
import { join } from 'node:path';
import { z } from 'zod';
import { exportJsonSchema, exportRequestSchema } from './schemas/export.ts';
import { ptqW4a16JsonSchema, ptqW4a16RequestSchema, quantizationReportSchema } from './schemas/ptq-w4a16.ts';
import { calibrationListSchema, ptqW8a8JsonSchema, ptqW8a8RequestSchema } from './schemas/ptq-w8a8.ts';
import { qatSettingsRequestSchema } from './schemas/qat-settings.ts';
import { progressJsonSchema, runJsonSchema, trainRequestSchema } from './schemas/training.ts';
import { valHeads } from './config/schema.ts';
import { ptqFiles, pythonLayout } from './layout.ts';
import { offlineSwitches, pythonExitCodes } from './python.ts';
import { fineTuneVariant, quantizedVariants, variants } from './variants.ts';
import { graphKinds } from './vocabulary.ts';
import { workspaceRoot } from './workspace.ts';

export const pythonContractsDir = join(workspaceRoot, 'libs', 'yolo-py', 'yolo_py', 'contracts');

/** The artifact schemas the Python side checks (and the QAT settings, whose bounds it reads), by contract file stem. */
export const pythonSchemas: Record<string, z.ZodType> = {
  train_request: trainRequestSchema,
  export_request: exportRequestSchema,
  progress: progressJsonSchema,
  run: runJsonSchema,
  export: exportJsonSchema,
  ptq_w4a16_request: ptqW4a16RequestSchema,
  ptq_w4a16: ptqW4a16JsonSchema,
  quantization_report: quantizationReportSchema,
  ptq_w8a8_request: ptqW8a8RequestSchema,
  calibration: calibrationListSchema,
  ptq_w8a8: ptqW8a8JsonSchema,
  qat_settings: qatSettingsRequestSchema,
};

/** Each contract file's name inside pythonContractsDir and its exact text. Pure. */
export function pythonContracts(): Record<string, string> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  return {
    'variants.json': json({ variants, quantized: quantizedVariants, fineTune: fineTuneVariant }),
    'graph_kinds.json': json({ graphKinds }),
    // The heads a trained model is exported with (and a training validates): conf/train.yaml's valHead names.
    'heads.json': json({ heads: valHeads }),
    'layout.json': json(pythonLayout()),
    // The entry points' exit codes, the offline switches and the PTQ steps' file names, as python.ts and layout.ts define them.
    'exit_codes.json': json(pythonExitCodes),
    'offline_env.json': json(offlineSwitches),
    'ptq_files.json': json(ptqFiles),
    // What yolo_py reads (the requests, progress.json, calibration.json) and what it writes for TypeScript (run.json,
    // export.json, the PTQ JSONs),
    // as JSON Schema for yolo_py/json_schema.py: one file each, so a stage's inputs hold only the schemas it uses.
    ...Object.fromEntries(Object.entries(pythonSchemas).map(([name, schema]) => [`${name}.schema.json`, json(z.toJSONSchema(schema))])),
  };
}

/**
 * What a finished stage's folder must hold, for the fault-injection check (validate-outputs.ts): every file its
 * declaration (libs/<stage>/src/declaration.ts) says it writes, each JSON artifact conforming to the schema its reader
 * checks it with, and, for the post-training quantization stages, nothing else (the letterboxed calibration tensor,
 * a temporary of ptq-w8a8, must never survive into its output). Pure but for reading the run root.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { z } from 'zod';
import { parseArtifact } from '../../libs/core/src/artifacts.ts';
import { UserError } from '../../libs/core/src/errors.ts';
import { artifactFiles, calibrationListFileName, evalVariants, metricsFileName, ptqFiles, runLayout } from '../../libs/core/src/layout.ts';
import { datasetProvenanceSchema, fingerprintJsonSchema } from '../../libs/core/src/schemas/dataset.ts';
import { evalJsonSchema, metricsJsonSchema } from '../../libs/core/src/schemas/eval.ts';
import { exportJsonSchema, exportRequestSchema } from '../../libs/core/src/schemas/export.ts';
import { ptqW4a16JsonSchema, ptqW4a16RequestSchema, quantizationReportSchema } from '../../libs/core/src/schemas/ptq-w4a16.ts';
import { calibrationListSchema, ptqW8a8JsonSchema, ptqW8a8RequestSchema } from '../../libs/core/src/schemas/ptq-w8a8.ts';
import { runJsonSchema, trainRequestSchema } from '../../libs/core/src/schemas/training.ts';
import { stageNames, stages, type StageName } from '../../libs/core/src/stage-registry.ts';
import { variants } from '../../libs/core/src/variants.ts';

/** Stages whose folder holds exactly what they declare (the others keep more: checkpoints, events, COCO results). */
const exactOutputs: readonly StageName[] = ['ptq-w4a16', 'ptq-w8a8'];

/** Each JSON artifact of a run root with the schema its reader checks it against. */
function artifactSchemas(runRoot: string): Array<[string, z.ZodType]> {
  const l = runLayout('fault-inject', runRoot);
  return [
    [join(l.dataset, artifactFiles.provenance), datasetProvenanceSchema],
    [join(l.dataset, artifactFiles.fingerprint), fingerprintJsonSchema],
    ...variants.map((v): [string, z.ZodType] => [join(l.train[v], artifactFiles.runJson), runJsonSchema]),
    ...variants.map((v): [string, z.ZodType] => [join(l.train[v], artifactFiles.trainRequest), trainRequestSchema]),
    [join(l.onnx, artifactFiles.exportJson), exportJsonSchema],
    [join(l.onnx, artifactFiles.exportRequest), exportRequestSchema],
    [join(l.ptq.w4a16, ptqFiles.w4a16.summary), ptqW4a16JsonSchema],
    [join(l.ptq.w4a16, ptqFiles.w4a16.report), quantizationReportSchema],
    [join(l.ptq.w4a16, artifactFiles.ptqRequest), ptqW4a16RequestSchema],
    [join(l.ptq.w8a8, ptqFiles.w8a8.summary), ptqW8a8JsonSchema],
    [join(l.ptq.w8a8, calibrationListFileName), calibrationListSchema],
    [join(l.ptq.w8a8, artifactFiles.ptqRequest), ptqW8a8RequestSchema],
    ...evalVariants.map((v): [string, z.ZodType] => [join(l.eval, metricsFileName[v]), metricsJsonSchema]),
    [join(l.eval, artifactFiles.evalJson), evalJsonSchema],
  ];
}

/** Problems of the stage folders present in `runRoot`: a declared file missing, an undeclared one, a malformed artifact. */
export function stageOutputProblems(runRoot: string): string[] {
  const layout = runLayout('fault-inject', runRoot);
  const problems: string[] = [];
  for (const stage of stageNames) {
    const dir = stages[stage].output(layout);
    if (!existsSync(dir)) continue;
    const declared = stages[stage].writes;
    for (const file of declared) if (!existsSync(join(dir, file))) problems.push(`${relative(runRoot, join(dir, file))}: declared output of ${stage} missing`);
    if (exactOutputs.includes(stage)) {
      for (const file of readdirSync(dir)) if (!declared.includes(file)) problems.push(`${relative(runRoot, join(dir, file))}: not an output of ${stage} (left by a killed run?)`);
    }
  }
  for (const [path, schema] of artifactSchemas(runRoot)) {
    if (!existsSync(path)) continue; // a declared one is reported above
    try {
      parseArtifact(readFileSync(path, 'utf8'), schema, relative(runRoot, path));
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      problems.push(error.message);
    }
  }
  return problems;
}

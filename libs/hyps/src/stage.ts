/**
 * The hyps stage: conf/hyp.scratch.yaml (YOLOv5's from-scratch recipe) -> <run-root>/hyps:
 *   train-args.yaml  the Ultralytics train arguments both trainings use
 *   mapping.md/json  every source key kept, renamed, rescaled or dropped, and why
 *   provenance.json  source path and sha256
 * Ultralytics' own argument checks run on the result, so a value it would reject fails here, by name.
 */
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parse, stringify } from 'yaml';
import { UserError } from '../../core/src/errors.ts';
import { sha256File } from '../../core/src/hashing.ts';
import { hypSourceFile } from '../../core/src/config/load.ts';
import { artifactFiles, trainArgsFileName } from '../../core/src/layout.ts';
import { offlineEnv, runPythonModuleOrFail } from '../../core/src/python.ts';
import { runStageMain } from '../../core/src/stage-args.ts';
import { writeDirAtomically } from '../../core/src/staging.ts';
import { fromWorkspace } from '../../core/src/workspace.ts';
import { BadHypValueError, UnknownHypError, mapHyps, renderMappingReport, type HypMapping } from './mapping.ts';

export async function readHypSource(path: string): Promise<Record<string, unknown>> {
  const shown = fromWorkspace(path);
  let document: unknown;
  try {
    document = parse(await readFile(path, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `not valid YAML: ${(error as Error).message.split('\n')[0]}`;
    throw new UserError(reason, shown);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new UserError('expected a mapping of hyperparameter -> number', shown);
  }
  return document as Record<string, unknown>;
}

export function mapOrExplain(source: Record<string, unknown>, shown: string): HypMapping {
  try {
    return mapHyps(source);
  } catch (error) {
    if (error instanceof UnknownHypError || error instanceof BadHypValueError) throw new UserError(error.message, `${shown}: ${error.key}`);
    throw error;
  }
}

/** Asks Ultralytics itself whether it accepts these arguments; its message names the key. */
async function checkWithUltralytics(args: Record<string, number>, shown: string): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'hyps-check-'));
  try {
    const argsFile = join(scratch, 'args.json');
    await writeFile(argsFile, JSON.stringify(args));
    await runPythonModuleOrFail('yolo_py.check_args', [argsFile], {
      env: offlineEnv(join(scratch, 'yolo-config')),
      what: `${shown}: Ultralytics rejects the mapped train arguments`,
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export async function runHypsStage(outDir: string, sourceFile: string = hypSourceFile): Promise<HypMapping> {
  const shown = fromWorkspace(sourceFile);
  const mapping = mapOrExplain(await readHypSource(sourceFile), shown);
  await checkWithUltralytics(mapping.args, shown);
  const sourceSha256 = await sha256File(sourceFile);
  await writeDirAtomically(outDir, async (staging) => {
    await writeFile(
      join(staging, trainArgsFileName),
      `# Ultralytics train arguments ported from ${shown} (sha256 ${sourceSha256}); see mapping.md\n${stringify(mapping.args)}`,
    );
    await writeFile(join(staging, artifactFiles.mappingMd), renderMappingReport(mapping, shown));
    await writeFile(join(staging, artifactFiles.mappingJson), `${JSON.stringify(mapping.rows, null, 2)}\n`);
    await writeFile(
      join(staging, artifactFiles.provenance),
      `${JSON.stringify({ source: shown, sourceSha256, createdAt: new Date().toISOString() }, null, 2)}\n`,
    );
  });
  return mapping;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runStageMain(async (_profile, layout) => {
    const mapping = await runHypsStage(layout.hyps);
    const counts = mapping.rows.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.decision]: (acc[r.decision] ?? 0) + 1 }), {});
    process.stdout.write(`hyps: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')} -> ${fromWorkspace(layout.hyps)}\n`);
  });
}

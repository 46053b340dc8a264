import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { projectPython } from '../../../core/src/python-env.ts';

/**
 * Runs coco_reference.py (pycocotools or faster-coco-eval) on instances/results files, for the parity
 * tests and the benchmark. PROJECT_PYTHON overrides the workspace venv's Python during development.
 */
export const referenceScript = fileURLToPath(new URL('./coco_reference.py', import.meta.url));

export type ReferenceEngine = 'pycocotools' | 'faster-coco-eval';

export interface ReferenceReport {
  readonly stats: number[];
  readonly perCategory: { categoryId: number; ap: number; ap50: number; gtCount: number }[];
  readonly iouThrs: number[];
  readonly recThrs: number[];
  readonly loadSeconds: number;
  readonly evalSeconds: number;
  readonly peakRssKb: number;
  /** User + system CPU of the whole Python process so far. */
  readonly cpuSeconds: number;
  readonly versions: Record<string, string>;
}

export interface ReferenceCase {
  readonly instances: string;
  readonly results: string;
}

/** Evaluates every case in one Python process (imports cost more than small cases); `workDir` holds the exchange files. */
export async function runReference(engine: ReferenceEngine, cases: readonly ReferenceCase[], workDir: string): Promise<ReferenceReport[]> {
  const manifest = cases.map((c, i) => ({ ...c, output: join(workDir, `reference-${engine}-${i}.json`) }));
  const manifestPath = join(workDir, `reference-${engine}-manifest.json`);
  await writeFile(manifestPath, JSON.stringify(manifest));
  const run = await execa(projectPython, [referenceScript, '--engine', engine, manifestPath], { reject: false });
  if (run.exitCode !== 0) {
    throw new Error(`${projectPython} ${referenceScript} failed (exit ${run.exitCode}; set PROJECT_PYTHON to a Python with ${engine}):\n${run.stderr}`);
  }
  return Promise.all(manifest.map(async (c) => JSON.parse(await readFile(c.output, 'utf8')) as ReferenceReport));
}

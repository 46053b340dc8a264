import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { execa } from 'execa';
import { projectPython } from '../../../core/src/python-env.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Runs one of the oracle scripts beside this file and returns its stdout; a failure carries the script's stderr. */
export async function runOracle(script: string, args: readonly string[], input?: string): Promise<string> {
  const result = await execa(projectPython, [join(here, script), ...args], {
    input,
    reject: false,
    env: { YOLO_OFFLINE: 'true', YOLO_VERBOSE: 'false' },
  });
  if (result.exitCode !== 0) throw new Error(`${script} failed (exit ${result.exitCode}):\n${result.stderr}`);
  return result.stdout;
}

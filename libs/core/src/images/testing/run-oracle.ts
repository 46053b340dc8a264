import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { runPythonOracle } from '../../testing/python-oracle.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Runs one of the image oracle scripts beside this file and returns its stdout; a failure carries the script's stderr. */
export async function runOracle(script: string, args: readonly string[], input?: string): Promise<string> {
  return runPythonOracle(join(here, script), args, input);
}

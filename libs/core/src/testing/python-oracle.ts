import { basename } from 'node:path';
import { execa } from 'execa';
import { projectPython } from '../python-env.ts';

/**
 * Tests: runs a Python oracle script (its path) with the project's Python, Ultralytics offline and quiet, and returns
 * its stdout; a failure carries the script's stderr. Each folder of oracles binds its own folder (run-oracle.ts).
 */
export async function runPythonOracle(scriptPath: string, args: readonly string[], input?: string): Promise<string> {
  const result = await execa(projectPython, [scriptPath, ...args], {
    input,
    reject: false,
    env: { YOLO_OFFLINE: 'true', YOLO_VERBOSE: 'false' },
  });
  if (result.exitCode !== 0) throw new Error(`${basename(scriptPath)} failed (exit ${result.exitCode}):\n${result.stderr}`);
  return result.stdout;
}

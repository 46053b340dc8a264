import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { offlineEnv } from '../../core/src/python.ts';
import { projectPython } from '../../core/src/python-env.ts';

export { withTempDir } from '../../core/src/testing/temp-dir.ts';

/**
 * Runs a Python snippet with Ultralytics kept offline and its settings inside `scratchDir`; returns stdout.
 * A failure shows Python's stderr.
 */
export async function runPython(code: string, scratchDir: string, options: { args?: string[]; input?: string } = {}): Promise<string> {
  const configDir = join(scratchDir, 'yolo-config');
  // check_det_dataset looks for Arial.ttf and would try to download it; nothing is drawn here, a placeholder does.
  mkdirSync(join(configDir, 'Ultralytics'), { recursive: true });
  writeFileSync(join(configDir, 'Ultralytics', 'Arial.ttf'), '');
  const result = await execa(projectPython, ['-c', code, ...(options.args ?? [])], {
    input: options.input,
    reject: false,
    env: { ...offlineEnv(configDir), PYTHONHASHSEED: '0' },
    maxBuffer: 1 << 28,
  });
  if (result.exitCode !== 0) throw new Error(`python (${projectPython}) failed with exit ${result.exitCode}:\n${result.stderr}`);
  return result.stdout;
}

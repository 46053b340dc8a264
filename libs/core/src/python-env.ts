import { readFile, writeFile, rm, access } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { sha256Text } from './hashing.ts';
import { UserError } from './errors.ts';
import { workspaceRoot } from './workspace.ts';

/** The pinned lock every Python stage runs against; its hash stamps the built environment. */
export const pythonLockFile = join(workspaceRoot, 'requirements.lock');
export const venvDir = join(workspaceRoot, '.venv');
export const venvPython = join(venvDir, 'bin', 'python');
const stampFile = join(venvDir, '.lock-sha256');

/**
 * Makes sure .venv holds exactly the pinned lock. Idempotent and cheap when nothing changed (one hash of a
 * small file against a stamp); rebuilt only when the lock changes. Lives outside the Nx cache on purpose:
 * it is several GB and machine-specific.
 */
export async function ensureVenv(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<string> {
  const lock = await readFile(pythonLockFile, 'utf8');
  const wanted = sha256Text(lock);
  const current = await readFile(stampFile, 'utf8').catch(() => '');
  if (current.trim() === wanted && (await canRun(venvPython))) return venvPython;

  const basePython = process.env.PYTHON ?? 'python3';
  const probe = await execa(basePython, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { reject: false });
  if (probe.exitCode !== 0) {
    throw new UserError(`cannot run '${basePython}' to build the Python environment: install Python 3.11 or set PYTHON to its path`, 'PYTHON');
  }
  log(`python env: building ${venvDir} from ${pythonLockFile} (python ${probe.stdout.trim()}); this happens once per lock change`);
  await rm(stampFile, { force: true });
  if (!(await canRun(venvPython))) {
    await run(basePython, ['-m', 'venv', venvDir], 'create the virtual environment');
  }
  await run(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '-r', pythonLockFile], `install ${pythonLockFile}`);
  await writeFile(stampFile, `${wanted}\n`);
  return venvPython;
}

async function canRun(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function run(file: string, args: string[], what: string): Promise<void> {
  const result = await execa(file, args, { reject: false, stdout: ['inherit'], stderr: ['inherit'] });
  if (result.exitCode !== 0) {
    throw new UserError(`failed to ${what} (exit ${result.exitCode}); see pip's output above`, venvDir);
  }
}

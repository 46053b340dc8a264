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
/** The Python that tests, parity oracles and benchmarks run directly: PROJECT_PYTHON while .venv is being built, else .venv's. */
export const projectPython = process.env.PROJECT_PYTHON ?? venvPython;

export interface VenvOptions {
  log?: (line: string) => void;
  venvDir?: string;
  lockFile?: string;
  /** The interpreter that creates the venv; default $PYTHON or python3. */
  basePython?: string;
}

/**
 * Makes sure .venv holds exactly the pinned lock. Idempotent and cheap when nothing changed (one hash of a
 * small file against a stamp); rebuilt only when the lock changes. Lives outside the Nx cache on purpose:
 * it is several GB and machine-specific.
 */
export async function ensureVenv(options: VenvOptions = {}): Promise<string> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const dir = options.venvDir ?? venvDir;
  const lockFile = options.lockFile ?? pythonLockFile;
  const python = join(dir, 'bin', 'python');
  const stampFile = join(dir, '.lock-sha256');
  const lock = await readFile(lockFile, 'utf8').catch(() => {
    throw new UserError('the pinned Python lock file is missing', lockFile);
  });
  const wanted = sha256Text(lock);
  const current = await readFile(stampFile, 'utf8').catch(() => '');
  if (current.trim() === wanted && (await canRun(python))) return python;

  const basePython = options.basePython ?? process.env.PYTHON ?? 'python3';
  const probe = await execa(basePython, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { reject: false });
  if (probe.failed) {
    throw new UserError(`cannot run '${basePython}' to build the Python environment: install Python 3.11 or set PYTHON to its path`, 'PYTHON');
  }
  log(`python env: building ${dir} from ${lockFile} (python ${probe.stdout.trim()}); this happens once per lock change`);
  await rm(stampFile, { force: true });
  if (!(await canRun(python))) {
    await run(basePython, ['-m', 'venv', dir], 'create the virtual environment', dir);
  }
  await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '-r', lockFile], `install ${lockFile}`, dir);
  await writeFile(stampFile, `${wanted}\n`);
  return python;
}

async function canRun(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function run(file: string, args: string[], what: string, where: string): Promise<void> {
  const result = await execa(file, args, { reject: false, stdout: ['inherit'], stderr: ['inherit'] });
  if (result.exitCode !== 0) {
    throw new UserError(`failed to ${what} (exit ${result.exitCode}); see the output above`, where);
  }
}

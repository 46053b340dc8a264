import { join } from 'node:path';
import { execa } from 'execa';
import { ensureVenv } from './python-env.ts';
import { UserError } from './errors.ts';
import { workspaceRoot } from './workspace.ts';

/**
 * Exit codes of the yolo_py entry points, defined here for both sides: emitted into yolo_py/contracts/exit_codes.json
 * (python-contracts.ts), which yolo_py/exit_codes.py reads.
 */
export const pythonExitCodes = {
  /** The request or the arguments are wrong: the stage reports Python's last stderr line as the user's error. */
  badInput: 2,
  /** The GPU ran out of memory: the stage names the batch and how to resume. */
  outOfMemory: 3,
  /** The machine lacks the device asked for: the stage names the profile, the device and where it was set. */
  deviceUnavailable: 4,
  /** Training hit non-finite numbers it could not recover from; the run can resume. */
  diverged: 5,
} as const;

/**
 * Ultralytics' offline and no-auto-install switches, and those of the third-party loggers it would enable if installed:
 * set on every Python child (offlineEnv) and, emitted into yolo_py/contracts/offline_env.json, by yolo_py.offline
 * in-process too.
 */
export const offlineSwitches: Readonly<Record<string, string>> = {
  YOLO_OFFLINE: 'true',
  YOLO_AUTOINSTALL: 'false',
  WANDB_MODE: 'disabled',
  COMET_MODE: 'disabled',
  CLEARML_OFFLINE_MODE: '1',
  MLFLOW_TRACKING_URI: '',
  HF_HUB_OFFLINE: '1',
};

/** Where the experiment's Python package (yolo_py) lives; put on PYTHONPATH for every call. */
export const pythonPackageRoot = join(workspaceRoot, 'libs', 'yolo-py');

/** Environment that keeps Ultralytics and friends off the network (offlineSwitches) for a Python child. */
export function offlineEnv(configDir: string): Record<string, string> {
  return {
    ...offlineSwitches,
    YOLO_CONFIG_DIR: configDir,
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
  };
}

export interface PythonRunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Each line of stdout and stderr as it arrives (progress goes to Nx's output this way). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** What the call is doing, for the error message. */
  what: string;
}

export interface PythonResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  signal?: string;
}

/** Passes a line of the Python child's output through to ours (Nx shows it as the task's output). */
export const forwardLine = (line: string, stream: 'stdout' | 'stderr'): void => {
  (stream === 'stdout' ? process.stdout : process.stderr).write(`${line}\n`);
};

/** Runs `python -m <module> ...args` in the workspace venv; never throws on a non-zero exit (callers decide). */
export async function runPythonModule(module: string, args: string[], options: PythonRunOptions): Promise<PythonResult> {
  const python = await ensureVenv();
  const subprocess = execa(python, ['-m', module, ...args], {
    cwd: options.cwd ?? workspaceRoot,
    env: { PYTHONPATH: pythonPackageRoot, ...options.env },
    reject: false,
    all: false,
    buffer: true,
    forceKillAfterDelay: 30_000,
    cleanup: true,
  });
  const forward = (stream: 'stdout' | 'stderr') => {
    let pending = '';
    subprocess[stream]?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split(/\r?\n|\r/);
      pending = lines.pop() ?? '';
      for (const line of lines) options.onLine?.(line, stream);
    });
    subprocess[stream]?.on('end', () => {
      if (pending) options.onLine?.(pending, stream);
    });
  };
  forward('stdout');
  forward('stderr');
  const result = await subprocess;
  return {
    exitCode: result.exitCode ?? (result.signal ? 128 : 1),
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    ...(result.signal ? { signal: result.signal } : {}),
  };
}

/** The last line Python wrote to stderr: its own one-line message, or a traceback's final line. */
export function lastErrorLine(result: PythonResult): string {
  return result.stderr.trim().split('\n').filter(Boolean).pop() ?? '';
}

/** Like runPythonModule, but a non-zero exit becomes a UserError carrying Python's last stderr line. */
export async function runPythonModuleOrFail(module: string, args: string[], options: PythonRunOptions): Promise<PythonResult> {
  const result = await runPythonModule(module, args, options);
  if (result.exitCode !== 0) throw new UserError(lastErrorLine(result) || `exit code ${result.exitCode}`, options.what);
  return result;
}

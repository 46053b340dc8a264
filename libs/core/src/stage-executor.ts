import { spawn } from 'node:child_process';
import { UserError } from './errors.ts';
import { stageLaunch, stageParentEnv } from './stage-launch.ts';
import { watchParent } from './processes.ts';
import { reusableOutput, stampedStage, stampOutput } from './output-stamp.ts';
import { fromWorkspace } from './workspace.ts';

/**
 * The Nx executor of every stage target (registered by tools/nx-stage). It validates the options, then runs the
 * stage as `node --import tsx <script> --profile P --run-id R` from an argv array, in a process group of its
 * own, and ties that group's life to Nx's: Nx gives each task its own process group, so killing Nx's group
 * used to leave the stage and its Python child running, still holding the training lock.
 *
 * For a stage Nx caches only in part (the trainings), a folder stamped with this task's hash is kept instead of
 * running the stage again, and a successful run stamps its folder (output-stamp.ts).
 */

/** After SIGTERM, how long the stage's group gets to exit before SIGKILL. */
export const STOP_GRACE_MS = 1_000;
const forwardedSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function runStageExecutor(options: Record<string, unknown>): Promise<{ success: boolean }> {
  let launch;
  try {
    launch = stageLaunch(options);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    return { success: false };
  }
  const stamped = stampedStage(launch.script);
  const reused = stamped && (await reusableOutput(stamped, launch.runId));
  if (reused) {
    process.stdout.write(`${stamped}: kept ${fromWorkspace(reused)}, made under this task's hash; Nx had no cache entry for it (evicted or reset)\n`);
    return { success: true };
  }
  const child = spawn(launch.file, launch.args, {
    cwd: launch.cwd,
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, [stageParentEnv]: String(process.pid) },
  });
  const group = child.pid;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (group === undefined || child.exitCode !== null || child.signalCode !== null) return;
    stopping = true;
    killGroup(group, signal);
    setTimeout(() => killGroup(group, 'SIGKILL'), STOP_GRACE_MS).unref();
  };
  const onSignal = (signal: NodeJS.Signals) => stop(signal);
  for (const signal of forwardedSignals) process.on(signal, onSignal);
  // Nx itself killed (even by SIGKILL): this process is re-parented, and takes the stage down with it.
  const unwatch = watchParent(() => {
    stop('SIGTERM');
    setTimeout(() => process.exit(1), STOP_GRACE_MS + 200).unref();
  });
  try {
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal }));
    });
    // Whatever the stage left in its group (a Chromium, a DDP worker) goes with it.
    if (group !== undefined) killGroup(group, 'SIGKILL');
    if (signal && !stopping) process.stderr.write(`error: ${launch.script} was killed by ${signal}\n`);
    if (code === 0 && stamped) await stampOutput(stamped, launch.runId);
    return { success: code === 0 };
  } finally {
    unwatch();
    for (const signal of forwardedSignals) process.off(signal, onSignal);
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

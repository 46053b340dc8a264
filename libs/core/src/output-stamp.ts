/**
 * The task-hash stamp of the stages Nx caches only in part (a declaration's `nxCache: 'writes'`: the trainings).
 *
 * Nx 23 deletes cache entries on its own: at the end of every run, each entry nobody read in the last 7 days (not
 * configurable), and on every cache write, the least recently read entries while .nx/cache is over maxCacheSize.
 * With its entry gone Nx runs the task again, and a training would start over from epoch 1 and replace a finished
 * run of days that still sits in the run root. So the stage executor stamps such a stage's folder with the Nx task
 * hash it was made under and, when Nx runs the task again under that very hash (same code, config, packages and
 * upstream artifacts: Nx would have restored this output had it kept the entry), keeps the folder instead of running
 * the stage. Nx then caches it again. `--skip-nx-cache` still runs the stage.
 *
 * Not in any stage's code: changing this file invalidates no stage.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runLayout } from './layout.ts';
import { stageNames, stages, type StageName } from './stage-registry.ts';
import { exists, writeFileAtomically } from './staging.ts';

/** In the folder of a stamped stage: the Nx task hash it was made under, cached and restored with the declared files (nx-targets.ts). */
export const outputStampFileName = 'nx-task-hash';

/** Set by Nx for every task it runs: the task's hash, its cache key. */
export const taskHashEnv = 'NX_TASK_HASH';
/** Set by Nx to 'true' under --skip-nx-cache. */
export const skipCacheEnv = 'NX_SKIP_NX_CACHE';

/** The stage a stage target's `script` option starts, if it is a stamped one. */
export function stampedStage(script: string): StageName | null {
  const stage = stageNames.find((s) => stages[s].code.ts[0] === script);
  return stage !== undefined && stages[stage].nxCache === 'writes' ? stage : null;
}

const taskHash = (env: NodeJS.ProcessEnv): string | null => (env[taskHashEnv] && env[skipCacheEnv] !== 'true' ? env[taskHashEnv] : null);

/**
 * The stage's folder when it can stand for this task's output: Nx runs the task under a hash (and not with
 * --skip-nx-cache), the folder's stamp is that hash, and every file the stage declares is there. Otherwise null.
 */
export async function reusableOutput(stage: StageName, runId: string, env: NodeJS.ProcessEnv = process.env, root?: string): Promise<string | null> {
  const hash = taskHash(env);
  if (hash === null) return null;
  const dir = stages[stage].output(runLayout(runId, root));
  const stamp = await readFile(join(dir, outputStampFileName), 'utf8').catch(() => '');
  if (stamp.trim() !== hash) return null;
  for (const file of stages[stage].writes) if (!(await exists(join(dir, file)))) return null;
  return dir;
}

/** After the stage succeeded: its folder gets this task's hash, or, run outside Nx, no stamp at all. */
export async function stampOutput(stage: StageName, runId: string, env: NodeJS.ProcessEnv = process.env, root?: string): Promise<void> {
  const stamp = join(stages[stage].output(runLayout(runId, root)), outputStampFileName);
  const hash = env[taskHashEnv];
  if (hash) await writeFileAtomically(stamp, `${hash}\n`);
  else await rm(stamp, { force: true });
}

import { parseArgs } from 'node:util';
import { runMain, UserError } from './errors.ts';
import { defaultProfile, parseProfile, type Profile } from './config/load.ts';
import { runLayout, type RunLayout } from './layout.ts';
import { leadsOwnProcessGroup, watchParent } from './processes.ts';
import { stageParentEnv } from './stage-launch.ts';

export interface StageContext {
  profile: Profile;
  layout: RunLayout;
}

/**
 * Every stage CLI takes `--profile` and `--run-id`, which Nx passes from the target's options (so the
 * declared outputs and the folder the stage writes are the same path). RUN_ID in the environment is
 * honoured when no --run-id is given, and refused when it disagrees with Nx's, because Nx would then cache
 * a folder the stage never wrote.
 */
export function parseStageArgs(argv: string[] = process.argv.slice(2)): StageContext {
  let values: { profile?: string; 'run-id'?: string };
  try {
    ({ values } = parseArgs({ args: argv, options: { profile: { type: 'string' }, 'run-id': { type: 'string' } }, strict: true }));
  } catch (error) {
    throw new UserError((error as Error).message, 'command line');
  }
  const given = values.profile ?? process.env.PROFILE;
  const profile = given === undefined ? defaultProfile : parseProfile(given, values.profile === undefined ? 'PROFILE' : '--profile');
  const envRunId = process.env.RUN_ID;
  const runId = values['run-id'] ?? envRunId ?? profile;
  if (values['run-id'] && envRunId && envRunId !== values['run-id']) {
    throw new UserError(
      `RUN_ID=${envRunId} disagrees with the run id Nx was given (${values['run-id']}); Nx only knows run ids passed as an option: ` +
        `run \`npx nx run-many -t summary --runId=${envRunId}\` instead`,
      'RUN_ID',
    );
  }
  return { profile, layout: runLayout(runId) };
}

/**
 * A stage CLI's entry point: `stage` gets the profile and run layout from the command line, under runMain.
 * A stage dies with the process that started it (the Nx executor, or a shell): when that one is gone, even by
 * SIGKILL, nobody waits for the result, and a rerun must not find this one still training or holding its lock.
 */
export function runStageMain(stage: (profile: Profile, layout: RunLayout) => Promise<void>): void {
  watchParent(stopOrphanedStage, startedBy());
  runMain(async () => {
    const { profile, layout } = parseStageArgs();
    await stage(profile, layout);
  });
}

/** The executor's pid when it started this stage; otherwise (by hand, from a test) the parent as found now. */
function startedBy(): number {
  const pid = Number(process.env[stageParentEnv]);
  delete process.env[stageParentEnv]; // not inherited by anything this stage starts
  return Number.isInteger(pid) && pid > 0 ? pid : process.ppid;
}

function stopOrphanedStage(): void {
  process.stderr.write('error: the process that started this stage is gone: stopping\n');
  // Started by the executor, the stage leads its own process group: SIGTERM reaches its Python, Chromium and
  // esbuild children too. Elsewhere (by hand, from a test) the group is someone else's: exit alone, and the
  // Python child follows by its parent-death signal (yolo_py/lifeline.py).
  if (leadsOwnProcessGroup()) process.kill(-process.pid, 'SIGTERM');
  process.exit(1);
}


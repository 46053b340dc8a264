import { parseArgs } from 'node:util';
import { runMain, UserError } from './errors.ts';
import { parseProfile, type Profile } from './config/load.ts';
import { runLayout, type RunLayout } from './layout.ts';

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
  const profile = parseProfile(values.profile ?? process.env.PROFILE);
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

/** A stage CLI's entry point: `stage` gets the profile and run layout from the command line, under runMain. */
export function runStageMain(stage: (profile: Profile, layout: RunLayout) => Promise<void>): void {
  runMain(async () => {
    const { profile, layout } = parseStageArgs();
    await stage(profile, layout);
  });
}

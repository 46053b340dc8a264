import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from './errors.ts';
import { parseProfile, type Profile } from './config/load.ts';
import { validateRunId } from './layout.ts';
import { workspaceRoot } from './workspace.ts';

/**
 * What the Nx stage executor (tools/nx-stage) turns a target's options into: one node process with an argv
 * array. No option ever passes through a shell, and each is checked here, before anything starts, so a bad
 * run id or profile fails by name instead of reaching the stage (or, as before, /bin/sh).
 */
/** Set by the executor for the stage it starts: its own pid, which the stage watches (processes.ts watchParent). */
export const stageParentEnv = 'NX_STAGE_PARENT_PID';

export interface StageLaunch {
  profile: Profile;
  runId: string;
  script: string;
  file: string;
  args: string[];
  cwd: string;
}

/** The options a stage target takes; `script` comes from the stage's declaration (libs/<stage>/src/declaration.ts), `profile` and `runId` come from -c and --runId. */
export const stageOptionNames = ['script', 'profile', 'runId'] as const;
const stageScript = /^libs\/[a-z0-9-]+\/src\/stage\.ts$/;

export function stageLaunch(options: Record<string, unknown>, root: string = workspaceRoot): StageLaunch {
  const unknown = Object.keys(options).filter((key) => !key.startsWith('__') && !(stageOptionNames as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new UserError(`unknown option ${unknown.map((k) => `--${k}`).join(', ')}: a stage takes only --runId and -c <profile>`, 'nx options');
  }
  const text = (key: (typeof stageOptionNames)[number]): string => {
    const value = options[key];
    if (typeof value !== 'string') throw new UserError(`expected a string, got ${JSON.stringify(value) ?? 'nothing'}`, `option ${key}`);
    return value;
  };
  const script = text('script');
  if (!stageScript.test(script) || !existsSync(join(root, script))) {
    throw new UserError(`expected a stage script libs/<stage>/src/stage.ts of this workspace, got '${script}'`, 'option script');
  }
  const profile = parseProfile(text('profile'), 'option profile (-c or --profile)');
  const runId = validateRunId(text('runId'));
  return {
    profile,
    runId,
    script,
    file: process.execPath,
    args: ['--import', 'tsx', script, '--profile', profile, '--run-id', runId],
    cwd: root,
  };
}

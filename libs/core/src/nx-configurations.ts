import { defaultProfile, knownProfiles, parseProfile } from './config/schema.ts';

/**
 * Nx runs a target's defaults when `-c` names a configuration the target lacks, so `-c prod` silently ran
 * the demo profile into the default run root. The workspace's one local Nx plugin (tools/nx-stage) gives every
 * stage target one configuration per known profile and, before any task starts, refuses a command line whose
 * configuration is not one of them.
 */

type ProfileOptions = { profile: string; runId: string };

/**
 * What the plugin adds to each stage target: the default profile as its options and one configuration per
 * profile. The run id defaults to the profile's name; --runId=<name> overrides it.
 */
export function stageTargetProfiles(): { options: ProfileOptions; configurations: Record<string, ProfileOptions> } {
  return {
    options: { profile: defaultProfile, runId: defaultProfile },
    configurations: Object.fromEntries(knownProfiles.map((profile) => [profile, { profile, runId: profile }])),
  };
}

/**
 * The configuration names an Nx command line asks for: `-c X`, `-cX`, `-c=X`, `--configuration[=]X`, and the
 * third part of `nx run project:target:X`. Pure: takes Nx's process.argv.
 */
export function requestedConfigurations(argv: readonly string[]): string[] {
  const found: string[] = [];
  const args = argv.slice(2);
  // `nx run p:t:c` or the shorthand `nx p:t:c`: the target string is the first word after the command.
  const targetAt = args[0] === 'run' ? 1 : 0;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === '--') break;
    const match = /^--configuration(?:=(.*))?$/.exec(arg) ?? /^-c(?:=?(.+))?$/.exec(arg);
    if (match) {
      const value = match[1] ?? args[i + 1];
      if (match[1] === undefined) i += 1;
      if (value !== undefined) found.push(value);
    } else if (i === targetAt) {
      const parts = arg.split(':');
      if (parts.length >= 3) found.push(parts.slice(2).join(':'));
    }
  }
  return found;
}

/** Throws, naming the known profiles, when the command line asks for a configuration no stage target has (one per profile). */
export function checkConfigurations(argv: readonly string[]): void {
  for (const name of requestedConfigurations(argv)) parseProfile(name, 'configuration (-c / --configuration)');
}

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UserError } from '../../core/src/errors.ts';

/** Environment variables naming the browser, most specific first; when one is set it must be right. */
export const CHROMIUM_ENV_VARS = ['PUPPETEER_EXECUTABLE_PATH', 'CHROME_PATH'] as const;

/** Where distributions and vendors install Chromium or Chrome. */
export const CHROMIUM_LOCATIONS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/opt/google/chrome/chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
] as const;

/** Command names searched on PATH when no known location holds a browser. */
export const CHROMIUM_COMMANDS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'] as const;

/** No browser anywhere: the one failure that installing a Chromium fixes (tools/bootstrap.sh tells it apart). */
export class NoChromiumError extends UserError {}

export interface ChromiumLookup {
  /** Defaults to process.env; its PATH is searched last. */
  env?: NodeJS.ProcessEnv;
  locations?: readonly string[];
  commands?: readonly string[];
}

/**
 * Finds a system Chromium for Puppeteer, which is installed here without a browser of its own:
 * PUPPETEER_EXECUTABLE_PATH or CHROME_PATH, then the usual install locations, then PATH.
 */
export function findChromium(lookup: ChromiumLookup = {}): string {
  const env = lookup.env ?? process.env;
  const locations = lookup.locations ?? CHROMIUM_LOCATIONS;
  for (const name of CHROMIUM_ENV_VARS) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (!isExecutableFile(value)) {
      throw new UserError(`"${value}" is not an executable file; point it at a Chromium or Chrome binary, or unset it`, name);
    }
    return value;
  }
  for (const location of locations) {
    if (isExecutableFile(location)) return location;
  }
  const dirs = (env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const command of lookup.commands ?? CHROMIUM_COMMANDS) {
    for (const dir of dirs) {
      const candidate = join(dir, command);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  throw new NoChromiumError(
    'no Chromium or Chrome found to render the loss chart (looked at ' +
      `${CHROMIUM_ENV_VARS.join(', ')}, ${locations.length} usual locations and PATH). ` +
      'Install one, e.g. "apt-get install -y chromium" on Debian/Ubuntu, or set PUPPETEER_EXECUTABLE_PATH to its binary',
    'chromium',
  );
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * tools/bootstrap.sh's Chromium check, by the loss chart's own lookup (libs/chart/src/chromium.ts), so both
 * accept the same browsers. Prints the binary and exits 0; exits 3 when there is none (bootstrap may then
 * install one); exits 1 with the reason for anything else, such as PUPPETEER_EXECUTABLE_PATH naming no binary.
 */
import { UserError } from '../libs/core/src/errors.ts';
import { findChromium, NoChromiumError } from '../libs/chart/src/chromium.ts';

const EXIT_NO_CHROMIUM = 3; // tools/bootstrap.sh tests for 3

try {
  process.stdout.write(`${findChromium()}\n`);
} catch (error) {
  if (!(error instanceof UserError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = error instanceof NoChromiumError ? EXIT_NO_CHROMIUM : 1;
}

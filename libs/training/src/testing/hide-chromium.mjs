/**
 * Tests only, loaded with `--import` (NODE_OPTIONS): the process sees no Chromium or Chrome binary anywhere, as on a
 * GPU host without one. libs/chart/src/chromium.ts looks with statSync and accessSync; both report no such file for a
 * browser's name, and the variables that would name one are cleared.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';

const browser = /^(chromium|chromium-browser|google-chrome|google-chrome-stable|chrome|Google Chrome|Chromium)$/;
for (const name of ['statSync', 'accessSync']) {
  const real = fs[name];
  fs[name] = function (path, ...rest) {
    if (browser.test(basename(String(path)))) {
      throw Object.assign(new Error(`ENOENT: no such file or directory, ${name} '${path}'`), { code: 'ENOENT', path: String(path) });
    }
    return real.call(this, path, ...rest);
  };
}
syncBuiltinESMExports(); // named imports of node:fs (import { statSync } from 'node:fs') see the patched functions
delete process.env.PUPPETEER_EXECUTABLE_PATH;
delete process.env.CHROME_PATH;

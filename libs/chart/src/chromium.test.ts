import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../core/src/errors.ts';
import { findChromium, NoChromiumError } from './chromium.ts';
import { withTempDir } from '../../core/src/testing/temp-dir.ts';

async function executable(path: string): Promise<string> {
  await writeFile(path, '#!/bin/sh\n');
  await chmod(path, 0o755);
  return path;
}

test('no browser anywhere: a UserError that says how to get one', () => {
  assert.throws(
    () => findChromium({ env: { PATH: '' }, locations: [] }),
    (error: unknown) =>
      error instanceof NoChromiumError &&
      error.message.includes('apt-get install -y chromium') &&
      error.message.includes('PUPPETEER_EXECUTABLE_PATH'),
  );
});

test('searches the environment variables, then the known locations, then PATH', () =>
  withTempDir(async (dir) => {
    const fromEnv = await executable(join(dir, 'chrome-from-env'));
    const atLocation = await executable(join(dir, 'chrome-at-location'));
    const onPath = await executable(join(dir, 'chromium'));
    const notThere = join(dir, 'absent');

    assert.equal(findChromium({ env: { CHROME_PATH: fromEnv, PATH: dir }, locations: [atLocation] }), fromEnv);
    assert.equal(findChromium({ env: { PUPPETEER_EXECUTABLE_PATH: fromEnv, CHROME_PATH: notThere }, locations: [] }), fromEnv);
    assert.equal(findChromium({ env: { PATH: dir }, locations: [notThere, atLocation] }), atLocation);
    assert.equal(findChromium({ env: { PATH: `/nonexistent:${dir}` }, locations: [notThere] }), onPath);
  }));

test('a variable naming a missing or non-executable file is an error, not silently skipped', () =>
  withTempDir(async (dir) => {
    const plain = join(dir, 'not-executable');
    await writeFile(plain, '');
    for (const [name, value] of [['PUPPETEER_EXECUTABLE_PATH', join(dir, 'absent')], ['CHROME_PATH', plain], ['CHROME_PATH', dir]]) {
      assert.throws(
        () => findChromium({ env: { [name!]: value }, locations: [] }),
        (e: unknown) => e instanceof UserError && !(e instanceof NoChromiumError) && e.message.startsWith(`${name}: "${value}" is not an executable file`),
      );
    }
  }));

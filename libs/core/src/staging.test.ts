import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDirAtomically } from './staging.ts';

test('a successful build replaces the folder in one step and leaves no staging folder', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'staging-'));
  const target = join(parent, 'out');
  mkdirSync(target);
  writeFileSync(join(target, 'old.txt'), 'old');
  await writeDirAtomically(target, (staging) => writeFile(join(staging, 'new.txt'), 'new'));
  assert.deepEqual(readdirSync(target), ['new.txt']);
  assert.deepEqual(readdirSync(parent), ['out']);
});

test('a failed build leaves the previous good output untouched and cleans up', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'staging-'));
  const target = join(parent, 'out');
  mkdirSync(target);
  writeFileSync(join(target, 'good.txt'), 'good');
  await assert.rejects(
    writeDirAtomically(target, async (staging) => {
      await writeFile(join(staging, 'half.txt'), 'half');
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(readFileSync(join(target, 'good.txt'), 'utf8'), 'good');
  assert.deepEqual(readdirSync(parent), ['out']);
});

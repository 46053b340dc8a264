import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { partialOwner, removeStalePartials, stagingOwner, writeDirAtomically } from './staging.ts';

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

test('what a killed stage left beside the output is removed when the stage next runs; a live one\'s is kept', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'staging-'));
  const target = join(parent, 'dataset');
  const dead = spawnSync('true').pid!; // a pid whose process has exited
  const stale = [`.dataset.staging-${dead}-1700000000000`, `.dataset.old-${dead}-1700000000001`, `dataset.old-${dead}-1700000000002`];
  const live = `.dataset.staging-${process.pid}-1700000000003`;
  for (const name of [...stale, live, 'hyps', '.hyps.staging-notapid']) mkdirSync(join(parent, name, 'labels'), { recursive: true });
  writeFileSync(join(parent, `.data.${dead}-0123abcd.partial.yaml`), 'half');
  assert.equal(stagingOwner(stale[0]!, 'dataset'), dead);
  assert.equal(stagingOwner('dataset', 'dataset'), null);
  assert.equal(stagingOwner(`.dataset2.staging-${dead}-1`, 'dataset'), null);
  await writeDirAtomically(target, (staging) => writeFile(join(staging, 'new.txt'), 'new'));
  assert.deepEqual(readdirSync(parent).sort(), [live, '.hyps.staging-notapid', 'dataset', 'hyps'].sort());
});

test("a killed process's partial files inside a folder are removed, a live one's and finished files kept", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'staging-'));
  const dead = spawnSync('true').pid!;
  const stale = `.loss.${dead}-386c629e.partial.html`;
  const live = `.loss.${process.pid}-0123abcd.partial.png`;
  for (const name of [stale, live, 'loss.html', 'results.csv']) writeFileSync(join(dir, name), 'x');
  assert.equal(partialOwner(stale), dead);
  assert.equal(partialOwner('loss.html'), null);
  assert.deepEqual(await removeStalePartials(dir), [stale]);
  assert.deepEqual(readdirSync(dir).sort(), [live, 'loss.html', 'results.csv'].sort());
});

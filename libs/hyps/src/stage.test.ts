import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { hypSourceFile } from '../../core/src/config/load.ts';
import { runHypsStage } from './stage.ts';

test('writes Ultralytics train arguments that Ultralytics accepts, with the mapping report', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'hyps-')), 'hyps');
  await runHypsStage(out);
  assert.deepEqual(readdirSync(out).sort(), ['mapping.json', 'mapping.md', 'provenance.json', 'train-args.yaml']);
  const args = parse(readFileSync(join(out, 'train-args.yaml'), 'utf8')) as Record<string, number>;
  assert.equal(args.box, 7.5);
});

test('a value Ultralytics rejects fails the stage by name and keeps the previous output', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hyps-'));
  const out = join(dir, 'hyps');
  mkdirSync(out);
  writeFileSync(join(out, 'train-args.yaml'), 'previous: 1\n');
  const bad = join(dir, 'hyp.yaml');
  writeFileSync(bad, readFileSync(hypSourceFile, 'utf8').replace('fliplr: 0.5', 'fliplr: 1.5'));
  await assert.rejects(runHypsStage(out, bad), /'fliplr=1\.5' is an invalid value/);
  assert.equal(readFileSync(join(out, 'train-args.yaml'), 'utf8'), 'previous: 1\n');
  assert.equal(existsSync(join(dir, 'hyps', 'mapping.md')), false);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { loadSection } from '../../core/src/config/load.ts';
import { UserError } from '../../core/src/errors.ts';
import { sha256Text } from '../../core/src/hashing.ts';
import { artifactFiles, runLayout } from '../../core/src/layout.ts';
import { withTempDir } from '../../core/src/testing/temp-dir.ts';
import { resolveTeacher } from './teacher.ts';

const distilling = { ...loadSection('qat', 'ci'), distill: { weight: 1, temperature: 10 } };

test('a distilling QAT run without the FP16 model fails naming best.pt and the target that writes it', () =>
  withTempDir(async (root) => {
    const layout = runLayout('t', root);
    await assert.rejects(resolveTeacher('qat', distilling, layout), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /fp16\/weights\/best\.pt/);
      assert.match(e.message, /distillation \(conf\/qat\.yaml distill\) needs the FP16 teacher: run `npx nx run train-fp16:train-fp16` first/);
      return true;
    });
  }));

test('the teacher is best.pt with its sha256; without distillation nothing is read', () =>
  withTempDir(async (root) => {
    const layout = runLayout('t', root);
    const best = join(layout.train.fp16, artifactFiles.bestWeights);
    await mkdir(dirname(best), { recursive: true });
    await writeFile(best, 'weights');
    assert.deepEqual(await resolveTeacher('qat', distilling, layout), { path: best, sha256: sha256Text('weights') });
    assert.deepEqual(await resolveTeacher('qat-ft', distilling, layout), { path: best, sha256: sha256Text('weights') }, 'the fine-tune distills too');
    assert.equal(await resolveTeacher('qat-ft', loadSection('qat', 'ci'), layout), null);
    assert.equal(await resolveTeacher('qat', loadSection('qat', 'ci'), layout), null);
    assert.equal(await resolveTeacher('fp16', null, runLayout('t', join(root, 'elsewhere'))), null);
  }));

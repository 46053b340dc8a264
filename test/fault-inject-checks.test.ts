/**
 * The fault-injection check of a stage's folder (tools/fault-inject/artifact-checks.ts), on hand-made PTQ outputs:
 * it must see a missing declared file, a file a killed run left (the calibration tensor), and a malformed or
 * old-format (snake_case) artifact, naming the file and the field; a complete folder passes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stageOutputProblems } from '../tools/fault-inject/artifact-checks.ts';
import { artifactFiles, calibrationListFileName, ptqFiles, runLayout } from '../libs/core/src/layout.ts';

const sha = 'a'.repeat(64);
const file = (name: string) => ({ file: name, bytes: 10, sha256: sha });
const w8a8Json = {
  files: { w8a8: file(ptqFiles.w8a8.w8a8) },
  w8a8: { quantizer: 'q', calibrationMethod: 'minmax', calibrationImages: 4, weights: 'w', activations: 'a', graph: { convQuantization: { convs: 3, weightQuantized: 3, activationQuantized: 3 } } },
};
const calibration = { shape: [4, 3, 64, 64], imgsz: 64, images: ['a.jpg'], requested: 4, sha256: sha, letterbox: 'val' };
const request = { out_dir: '/x', imgsz: 64, fp16_onnx: '/x/a.onnx', calibration: { tensor: '/x/t', meta: '/x/m', method: 'minmax' } };

function w8a8Folder(): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'fault-checks-'));
  const dir = runLayout('ci', root).ptq.w8a8;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, ptqFiles.w8a8.summary), JSON.stringify(w8a8Json));
  writeFileSync(join(dir, calibrationListFileName), JSON.stringify(calibration));
  writeFileSync(join(dir, artifactFiles.ptqRequest), JSON.stringify(request));
  writeFileSync(join(dir, ptqFiles.w8a8.w8a8), 'onnx');
  return { root, dir };
}

test('a complete PTQ folder passes; a missing, leftover or malformed file is named', () => {
  const { root, dir } = w8a8Folder();
  try {
    assert.deepEqual(stageOutputProblems(root), []);
    rmSync(join(dir, ptqFiles.w8a8.w8a8));
    writeFileSync(join(dir, 'calibration.f32'), 'tensor');
    writeFileSync(join(dir, ptqFiles.w8a8.summary), JSON.stringify(w8a8Json).slice(0, 40));
    const problems = stageOutputProblems(root);
    assert.ok(problems.includes(`ptq-w8a8/${ptqFiles.w8a8.w8a8}: declared output of ptq-w8a8 missing`), problems.join('\n'));
    assert.ok(problems.includes('ptq-w8a8/calibration.f32: not an output of ptq-w8a8 (left by a killed run?)'), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith(`ptq-w8a8/${ptqFiles.w8a8.summary}: not valid JSON`)), problems.join('\n'));
    // The format before keys were camelCase is refused, naming the field.
    const snake = { ...w8a8Json, w8a8: { ...w8a8Json.w8a8, calibration_method: 'minmax', calibrationMethod: undefined } };
    writeFileSync(join(dir, ptqFiles.w8a8.summary), JSON.stringify(snake));
    assert.ok(stageOutputProblems(root).some((p) => p.startsWith(`ptq-w8a8/${ptqFiles.w8a8.summary}: w8a8.calibrationMethod:`)));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

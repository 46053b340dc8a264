import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStageArgs } from './stage-args.ts';
import { runLayout, validateRunId } from './layout.ts';

test('run id defaults to the profile name; --run-id wins; RUN_ID is used when no --run-id is given', () => {
  const saved = process.env.RUN_ID;
  try {
    delete process.env.RUN_ID;
    assert.equal(parseStageArgs(['--profile', 'coco']).layout.runId, 'coco');
    assert.equal(parseStageArgs(['--profile', 'demo', '--run-id', 'exp2']).layout.runId, 'exp2');
    process.env.RUN_ID = 'from-env';
    assert.equal(parseStageArgs(['--profile', 'demo']).layout.runId, 'from-env');
    assert.throws(() => parseStageArgs(['--run-id', 'other']), /RUN_ID=from-env disagrees .* --runId=from-env/);
  } finally {
    if (saved === undefined) delete process.env.RUN_ID;
    else process.env.RUN_ID = saved;
  }
});

test('the profile: --profile, else PROFILE, else the default; an unknown one names where it came from', () => {
  const saved = process.env.PROFILE;
  try {
    delete process.env.PROFILE;
    assert.equal(parseStageArgs([]).profile, 'demo');
    assert.throws(() => parseStageArgs(['--profile', 'prod']), /UserError: --profile: unknown profile 'prod'/);
    process.env.PROFILE = 'ci';
    assert.equal(parseStageArgs([]).profile, 'ci');
    assert.equal(parseStageArgs(['--profile', 'coco']).profile, 'coco');
    process.env.PROFILE = 'staging';
    assert.throws(() => parseStageArgs([]), /UserError: PROFILE: unknown profile 'staging'/);
  } finally {
    if (saved === undefined) delete process.env.PROFILE;
    else process.env.PROFILE = saved;
  }
});

test('unknown flags and bad run ids are clear errors', () => {
  assert.throws(() => parseStageArgs(['--prfile', 'demo']), /command line: .*prfile/);
  assert.throws(() => validateRunId('../escape'), /run id '..\/escape'/);
  assert.match(runLayout('demo').train.qat, /yolov10m_scratch_fp16_vs_w4a16_qat_brevitas\/demo\/qat-w4a16$/);
});

/**
 * A training killed with SIGKILL mid-run resumes from its last checkpoint when the target runs again; Nx never
 * caches the partial run, and the killed stage's Python child does not outlive it.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { experimentName } from '../libs/core/src/layout.ts';
import { WorkspaceCopy } from './workspace.ts';

const ws = new WorkspaceCopy();
after(() => ws.remove());

function trainingProcesses(root: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
        return cmd.includes('yolo_py.train') && cmd.includes(root);
      } catch {
        return false;
      }
    })
    .map(Number);
}

test('kill -9 during training, then the target resumes from the last checkpoint', async () => {
  ws.edit('conf/train.yaml', (t) => t.replace(/(  ci:\n(?:    .*\n)*?    epochs: )2/, '$13'));
  const upstream = await ws.nx(['run-many', '-t', 'dataset,hyps', '-c', 'ci']);
  assert.equal(upstream.code, 0, upstream.output);

  const runRoot = ws.path('tmp', experimentName, 'ci');
  const inProgress = `${runRoot}/.in-progress/fp16`;
  const stage = spawn('node', ['--import', 'tsx', 'libs/train-fp16/src/stage.ts', '--profile=ci', '--run-id=ci'], { cwd: ws.root, stdio: 'ignore' });
  const deadline = Date.now() + 300_000;
  while (!existsSync(`${inProgress}/weights/epoch1.pt`)) {
    assert.ok(Date.now() < deadline, 'no checkpoint after epoch 1 within 5 minutes');
    assert.equal(stage.exitCode, null, 'the training stage ended before it was killed');
    await sleep(200);
  }
  stage.kill('SIGKILL');
  await sleep(3000);
  assert.deepEqual(trainingProcesses(ws.root), [], 'the Python trainer outlived its killed stage');
  assert.ok(!existsSync(`${runRoot}/fp16`), 'a partial run reached the declared output');

  const resumed = await ws.nx(['run', 'train-fp16:train-fp16', '-c', 'ci']);
  assert.equal(resumed.code, 0, resumed.output.slice(-3000));
  assert.match(resumed.output, /resuming the interrupted run from .*\.in-progress\/fp16\/weights\/last\.pt/);
  assert.match(resumed.output, /training from epoch [23] to 3 epochs/);
  const rows = readFileSync(`${runRoot}/fp16/results.csv`, 'utf8').trim().split('\n');
  assert.equal(rows.length, 1 + 3, rows.join('\n'));
  const run = JSON.parse(readFileSync(`${runRoot}/fp16/run.json`, 'utf8'));
  assert.equal(run.sessions, 2);
  assert.equal(run.epochsCompleted, 3);
  assert.ok(existsSync(`${runRoot}/fp16/weights/epoch3.pt`));
});

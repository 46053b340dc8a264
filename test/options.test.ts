/**
 * Options from the command line never reach a shell: run ids and profiles that carry shell syntax fail by name
 * before any stage runs, nothing they spell is executed, and nothing is cached. An unknown `-c` fails the same
 * way, naming the known profiles, instead of silently running the default profile.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { experimentName } from '../libs/core/src/layout.ts';
import { knownProfiles } from '../libs/core/src/config/schema.ts';
import { WorkspaceCopy } from './workspace.ts';

const ws = new WorkspaceCopy();
after(() => ws.remove());

const runsDir = () => ws.path('tmp', experimentName);
const runRoots = () => (existsSync(runsDir()) ? readdirSync(runsDir()) : []);
/** Files a successful injection would create, in the workspace root (Nx's cwd) or the stage's. */
const pwned = () => readdirSync(ws.root).filter((name) => name.startsWith('PWNED'));

const hostileRunIds = ['a;touch PWNED1', '$(touch PWNED2)', '`touch PWNED3`', 'a|touch PWNED4', "a'b", 'a"b;touch PWNED5', 'a&&touch PWNED6'];

test('run ids carrying ; $() backticks | & and quotes run nothing, fail by name and are not cached', async () => {
  for (const runId of hostileRunIds) {
    for (const attempt of [1, 2]) {
      const run = await ws.nx(['run-many', '-t', 'hyps', '-c', 'ci', `--runId=${runId}`]);
      assert.notEqual(run.code, 0, `${runId} (attempt ${attempt}) was accepted:\n${run.output.slice(-2000)}`);
      assert.ok(run.output.includes(`run id '${runId}': expected 1-64 characters`), `${runId}: no message naming it\n${run.output.slice(-2000)}`);
      assert.deepEqual(run.cached, [], `${runId}: a failed stage came from the cache`);
      assert.deepEqual(run.failed, ['hyps'], run.output.slice(-2000));
    }
  }
  assert.deepEqual(pwned(), [], 'a shell ran a command from a run id');
  assert.deepEqual(runRoots(), [], 'a run root was written for a refused run id');
});

test('a profile carrying shell syntax runs nothing and fails naming the known profiles', async () => {
  const run = await ws.nx(['run-many', '-t', 'hyps', '--profile=ci;touch PWNED7;true', '--runId=p7']);
  assert.notEqual(run.code, 0, run.output.slice(-2000));
  assert.match(run.output, new RegExp(`option profile \\(-c or --profile\\): unknown profile 'ci;touch PWNED7;true': expected one of ${knownProfiles.join(', ')}`));
  assert.deepEqual(pwned(), []);
  assert.deepEqual(runRoots(), []);
});

test('an unknown -c fails before any stage runs, naming the known profiles', async () => {
  for (const args of [['run-many', '-t', 'summary', '-c', 'prod', '--runId=good'], ['run', 'hyps:hyps:prod']]) {
    const run = await ws.nx(args);
    assert.notEqual(run.code, 0, `${args.join(' ')} was accepted:\n${run.output.slice(-2000)}`);
    assert.match(run.output, new RegExp(`configuration \\(-c / --configuration\\): unknown profile 'prod': expected one of ${knownProfiles.join(', ')}`));
    assert.deepEqual(run.ran, [], run.output.slice(-2000));
  }
  assert.deepEqual(runRoots(), [], 'a stage ran for an unknown configuration');
});

test('a good run id and profile pass through as they are', async () => {
  const run = await ws.nx(['run-many', '-t', 'hyps', '-c', 'ci', '--runId=seed-1.b_2']);
  assert.equal(run.code, 0, run.output.slice(-3000));
  assert.deepEqual(runRoots(), ['seed-1.b_2']);
  assert.ok(existsSync(`${runsDir()}/seed-1.b_2/hyps/train-args.yaml`));
});

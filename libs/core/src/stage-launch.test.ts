import { test } from 'node:test';
import assert from 'node:assert/strict';
import { knownProfiles } from './config/schema.ts';
import { stageLaunch } from './stage-launch.ts';

const good = { script: 'libs/hyps/src/stage.ts', profile: 'ci', runId: 'seed1' };

/** Values a shell would act on: each must be refused by name, never passed on. */
const hostileValues = ['a;touch PWNED', '$(touch PWNED2)', '`touch PWNED3`', 'a|touch PWNED4', "a'b", 'a"b', 'a b', 'ci;touch PWNED7;true', '../x', ''];

test('a stage runs as node with an argv array: the profile and run id are separate arguments, untouched', () => {
  const launch = stageLaunch(good);
  assert.equal(launch.file, process.execPath);
  assert.deepEqual(launch.args, ['--import', 'tsx', 'libs/hyps/src/stage.ts', '--profile', 'ci', '--run-id', 'seed1']);
  for (const profile of knownProfiles) assert.equal(stageLaunch({ ...good, profile }).profile, profile);
});

test('run ids and profiles that carry shell syntax fail by name before anything starts', () => {
  for (const value of hostileValues) {
    assert.throws(() => stageLaunch({ ...good, runId: value }), (e: Error) => e.message.includes(`run id '${value}'`), `runId ${value}`);
    assert.throws(
      () => stageLaunch({ ...good, profile: value }),
      (e: Error) => e.message.startsWith('option profile (-c or --profile): ') && e.message.includes(`unknown profile '${value}': expected one of ${knownProfiles.join(', ')}`),
      `profile ${value}`,
    );
  }
});

test('the script is a stage of this workspace, and options a stage does not take are refused', () => {
  assert.throws(() => stageLaunch({ ...good, script: 'tools/evil.ts' }), /option script: expected a stage script/);
  assert.throws(() => stageLaunch({ ...good, script: 'libs/nope/src/stage.ts' }), /option script/);
  assert.throws(() => stageLaunch({ ...good, command: 'touch PWNED' }), /nx options: unknown option --command/);
  assert.throws(() => stageLaunch({ ...good, runId: 7 }), /option runId: expected a string, got 7/);
  assert.ok(stageLaunch({ ...good, __overrides_unparsed__: [] }));
});

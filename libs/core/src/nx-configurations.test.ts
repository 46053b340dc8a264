import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultProfile, knownProfiles } from './config/schema.ts';
import { checkConfigurations, requestedConfigurations, stageTargetProfiles } from './nx-configurations.ts';

const nx = (...args: string[]) => ['/usr/bin/node', '/ws/node_modules/.bin/nx', ...args];

test('every known profile is an Nx configuration of a stage target, and the default profile its options', () => {
  const { options, configurations } = stageTargetProfiles();
  assert.deepEqual(Object.keys(configurations), [...knownProfiles]);
  for (const profile of knownProfiles) assert.deepEqual(configurations[profile], { profile, runId: profile });
  assert.deepEqual(options, { profile: defaultProfile, runId: defaultProfile });
});

test('the configuration is found in every spelling Nx accepts', () => {
  assert.deepEqual(requestedConfigurations(nx('run-many', '-t', 'summary', '-c', 'prod', '--runId=good')), ['prod']);
  assert.deepEqual(requestedConfigurations(nx('run-many', '-t', 'summary', '-c=prod')), ['prod']);
  assert.deepEqual(requestedConfigurations(nx('run-many', '-t', 'summary', '-cprod')), ['prod']);
  assert.deepEqual(requestedConfigurations(nx('affected', '-t', 'summary', '--configuration', 'prod')), ['prod']);
  assert.deepEqual(requestedConfigurations(nx('affected', '-t', 'summary', '--configuration=prod')), ['prod']);
  assert.deepEqual(requestedConfigurations(nx('run', 'eval:eval:prod')), ['prod']);
  assert.deepEqual(requestedConfigurations(nx('eval:eval:prod')), ['prod']);
  assert.deepEqual(requestedConfigurations(nx('run-many', '-t', 'summary', '--runId=a:b:c')), []);
  assert.deepEqual(requestedConfigurations(nx('run-many', '-t', 'summary')), []);
});

test('an unknown configuration fails naming the known profiles; known ones pass', () => {
  assert.throws(
    () => checkConfigurations(nx('run-many', '-t', 'summary', '-c', 'prod', '--runId=good')),
    new RegExp(`UserError: configuration \\(-c / --configuration\\): unknown profile 'prod': expected one of ${knownProfiles.join(', ')}$`),
  );
  assert.throws(() => checkConfigurations(nx('run', 'hyps:hyps:prod')), /configuration .*: unknown profile 'prod'/);
  for (const profile of knownProfiles) checkConfigurations(nx('run-many', '-t', 'summary', '-c', profile));
});

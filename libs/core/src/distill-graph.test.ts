import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { confDir } from './config/load.ts';
import { teacherReads } from './distill-graph.ts';
import { directUpstream, graphReads, nxStageTarget } from './nx-targets.ts';
import { stages } from './stage-registry.ts';
import { workspaceRoot } from './workspace.ts';

/** A conf/ folder holding qat.yaml as checked in, with `extra` appended. */
function qatConf(extra: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'distill-graph-'));
  copyFileSync(join(confDir, 'qat.yaml'), join(dir, 'qat.yaml'));
  writeFileSync(join(dir, 'qat.yaml'), `${readFileSync(join(dir, 'qat.yaml'), 'utf8')}${extra}`);
  return dir;
}

test('distillation off (the default): train-qat does not wait for train-fp16, and hashes none of its files', () => {
  assert.deepEqual(teacherReads(), {});
  assert.deepEqual(Object.keys(graphReads('train-qat')).sort(), ['dataset', 'hyps']);
  assert.ok(!directUpstream('train-qat').includes('train-fp16'));
  assert.ok(!nxStageTarget(workspaceRoot, 'train-qat').dependsOn.some((d) => d.projects.includes('train-fp16')));
});

test('distillation on in one profile: train-qat reads the teacher, train-fp16 best.pt', () => {
  assert.deepEqual(teacherReads(qatConf('profiles:\n  gpu:\n    distill: { weight: 1, temperature: 10 }\n')), { 'train-fp16': ['weights/best.pt'] });
  assert.deepEqual(teacherReads(qatConf('profiles:\n  gpu:\n    distill: null\n')), {});
});

test('a bad distill key fails the graph naming the file and the key', () => {
  assert.throws(() => teacherReads(qatConf('profiles:\n  ci:\n    distill: { weight: 1, temprature: 2 }\n')), /qat\.yaml: profiles\.ci\.distill\.temperature: .*key missing/);
});

test('the teacher read is worked out by the graph only: importing the registry, as every stage does, parses no qat.yaml', () => {
  // A function in the declaration, called by graphReads (nx-targets.ts): a stage's start-up never evaluates it, so a
  // bad distill key fails the graph, not the dataset stage.
  assert.equal(typeof stages['train-qat'].confDecidedReads, 'function');
  assert.deepEqual(Object.keys(stages['train-qat'].reads).sort(), ['dataset', 'hyps']);
});

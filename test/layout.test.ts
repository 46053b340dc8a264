/** The run-root layout lives in libs/core/src/layout.ts; Nx's declared outputs must name the same folders. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { experimentName, runLayout, trainArgsFileName } from '../libs/core/src/layout.ts';
import { workspaceRoot } from '../libs/core/src/workspace.ts';

const stages = { dataset: 'dataset', hyps: 'hyps', 'train-fp16': 'train.fp16', 'train-qat': 'train.qat', export: 'onnx', eval: 'eval', summary: 'summary' } as const;

/** The Nx target named after its project, from libs/<project>/project.json. */
const stageTarget = (project: string) => JSON.parse(readFileSync(join(workspaceRoot, 'libs', project, 'project.json'), 'utf8')).targets[project];

test("each stage's declared Nx output is its folder in the run-root layout", () => {
  const layout = runLayout('RUNID') as unknown as Record<string, unknown>;
  for (const [project, key] of Object.entries(stages)) {
    const target = stageTarget(project);
    assert.ok(target, `${project} has a target named ${project}`);
    assert.equal(target.cache, true, `${project} is cacheable`);
    const expected = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], layout) as string;
    const declared = target.outputs[0].replace('{workspaceRoot}', workspaceRoot).replace('{options.runId}', 'RUNID');
    assert.equal(declared, expected, project);
    assert.match(declared, new RegExp(`tmp/${experimentName}/RUNID/`));
    // Run through the stage executor with an argv (no shell command line); its profiles and run-id default
    // come from the schema through tools/nx-stage, so project.json spells no profile.
    assert.equal(target.executor, './tools/nx-stage:stage', project);
    assert.deepEqual(target.options, { script: `libs/${project}/src/stage.ts` }, project);
    assert.equal(target.configurations, undefined, `${project} lists configurations of its own`);
    assert.ok(relative(workspaceRoot, declared).startsWith('tmp/'));
  }
});

test('the trainings hash the train arguments file the hyps stage writes', () => {
  for (const project of ['train-fp16', 'train-qat']) {
    const patterns = (stageTarget(project).inputs as unknown[]).flatMap((input) =>
      typeof input === 'object' && input !== null && 'dependentTasksOutputFiles' in input ? [String(input.dependentTasksOutputFiles)] : [],
    );
    assert.ok(patterns.some((p) => p.includes(trainArgsFileName)), `${project} inputs name ${trainArgsFileName}: ${patterns.join(', ')}`);
  }
});

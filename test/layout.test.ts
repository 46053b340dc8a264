/**
 * The stage declarations (libs/<stage>/src/declaration.ts) are where Nx's projects and targets come from: each
 * declared output is the stage's folder in the run-root layout (for the trainings, files in it), and the projects Nx
 * resolves are the plugin's, with no project.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { experimentName, runLayout, trainArgsFileName } from '../libs/core/src/layout.ts';
import { nxStageProjects, nxStageTarget, stageRoot } from '../libs/core/src/nx-targets.ts';
import { stageNames, stages } from '../libs/core/src/stage-registry.ts';
import { workspaceRoot } from '../libs/core/src/workspace.ts';
import { nxTestEnv } from './workspace.ts';

const nxProject = (project: string) =>
  JSON.parse(execFileSync(join(workspaceRoot, 'node_modules', '.bin', 'nx'), ['show', 'project', project, '--json'], { cwd: workspaceRoot, env: nxTestEnv(), encoding: 'utf8' }));

test("each stage's declared Nx output is its folder in the run-root layout; a training's, only the files stages read from it", () => {
  const layout = runLayout('RUNID');
  const resolve = (output: string) => output.replace('{workspaceRoot}', workspaceRoot).replace(/\{options\.runId\}/g, 'RUNID');
  for (const stage of stageNames) {
    const declared = nxStageTarget(workspaceRoot, stage).outputs.map(resolve);
    const folder = stages[stage].output(layout);
    for (const output of declared) assert.match(output, new RegExp(`/tmp/${experimentName}/RUNID/`));
    if (stages[stage].nxCache === 'writes') continue; // the trainings, below
    assert.deepEqual(declared, [folder], stage);
  }
  // A coco training's folder holds ~100 periodic checkpoints (7-13 GB): Nx would copy them into .nx/cache, and back out
  // on every cache hit without its daemon. It caches what the other stages read, the request and the task-hash stamp.
  for (const stage of ['train-fp16', 'train-qat', 'train-qat-ft'] as const) {
    const folder = stages[stage].output(layout);
    const declared = nxStageTarget(workspaceRoot, stage).outputs.map(resolve);
    assert.deepEqual(declared.map((o) => relative(folder, o)).sort(), ['nx-task-hash', 'request.json', 'results.csv', 'run.json', 'weights/best.pt', 'weights/last.pt'], stage);
    const read = Object.values(stages).flatMap((d) => d.reads[stage] ?? []);
    for (const file of read) assert.ok(declared.includes(join(folder, file)), `${stage}: ${file} is read downstream but not cached`);
  }
});

test('no stage has a project.json: Nx resolves each stage project and its target from the declaration', () => {
  const derived = nxStageProjects(workspaceRoot);
  for (const stage of stageNames) assert.ok(!existsSync(join(workspaceRoot, stageRoot(stage), 'project.json')), stage);
  for (const stage of ['train-fp16', 'summary'] as const) {
    const resolved = nxProject(stage);
    const { implicitDependencies, targets } = derived[stageRoot(stage)]!;
    assert.equal(resolved.root, stageRoot(stage), stage);
    assert.deepEqual(resolved.tags, ['stage'], stage);
    assert.deepEqual(resolved.implicitDependencies, implicitDependencies, stage);
    assert.deepEqual(Object.keys(resolved.targets), [stage], stage);
    const expected = targets[stage]!;
    assert.equal(expected.executor, './tools/nx-stage:stage', stage);
    assert.equal(expected.options.script, `libs/${stage}/src/stage.ts`, stage);
    const { parallelism: _, ...target } = resolved.targets[stage]; // Nx's default, which the plugin leaves alone
    assert.deepEqual(target, expected, stage);
  }
});

test('the trainings hash the train arguments file the hyps stage writes, and no chart, export or eval code', () => {
  for (const stage of ['train-fp16', 'train-qat', 'train-qat-ft'] as const) {
    const inputs = nxStageTarget(workspaceRoot, stage).inputs;
    const patterns = inputs.flatMap((i) => (typeof i === 'object' && 'dependentTasksOutputFiles' in i ? [i.dependentTasksOutputFiles] : []));
    assert.ok(patterns.some((p) => p.includes(trainArgsFileName)), `${stage} inputs name ${trainArgsFileName}: ${patterns.join(', ')}`);
    const files = inputs.filter((i): i is string => typeof i === 'string');
    for (const foreign of ['libs/chart/', 'libs/export/', 'libs/eval/', 'libs/summary/', 'yolo_py/export/', 'libs/core/src/errors.ts', 'requirements.lock', '.test.', '/testing/']) {
      assert.ok(!files.some((f) => f.includes(foreign)), `${stage} hashes ${foreign}: ${files.filter((f) => f.includes(foreign)).join(', ')}`);
    }
  }
});

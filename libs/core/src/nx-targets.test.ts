import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codeClosure } from './code-closure.ts';
import { stageCode, stageNpmPackages, stageRoot } from './nx-targets.ts';
import { stageNames, stages } from './stage-registry.ts';
import { workspaceRoot } from './workspace.ts';

test("every npm package a stage's code imports is a dependency of the workspace (Nx refuses an unknown one)", () => {
  const manifest = JSON.parse(readFileSync(join(workspaceRoot, 'package.json'), 'utf8'));
  const known = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies)]);
  for (const stage of stageNames) {
    // Imports are read with patterns (code-closure.ts), so a quoted example in a comment would count as one.
    assert.deepEqual(stageNpmPackages(workspaceRoot, stage).filter((p) => !known.has(p)), [], stage);
  }
});

test('each stage is declared beside its code: libs/<stage>/src/declaration.ts, its script libs/<stage>/src/stage.ts', () => {
  for (const stage of stageNames) {
    assert.ok(existsSync(join(workspaceRoot, stageRoot(stage), 'src', 'declaration.ts')), stage);
    assert.equal(stages[stage].code.ts[0], join(stageRoot(stage), 'src', 'stage.ts'), stage);
  }
});

test("no stage's code input holds the registry or a declaration, though a stage loads them to word a missing-upstream error", () => {
  const declarations = /(^libs\/core\/src\/(stage-registry|stage-declaration)\.ts|\/declaration\.ts)$/;
  assert.ok(codeClosure(workspaceRoot, stages.eval.code).some((file) => declarations.test(file)), 'eval loads the registry (stage-outputs.ts)');
  for (const stage of stageNames) assert.deepEqual(stageCode(workspaceRoot, stage).filter((file) => declarations.test(file)), [], stage);
});

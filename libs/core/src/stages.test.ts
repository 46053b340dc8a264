import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stageNames, stageNpmPackages } from './stages.ts';
import { workspaceRoot } from './workspace.ts';

test("every npm package a stage's code imports is a dependency of the workspace (Nx refuses an unknown one)", () => {
  const manifest = JSON.parse(readFileSync(join(workspaceRoot, 'package.json'), 'utf8'));
  const known = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies)]);
  for (const stage of stageNames) {
    // Imports are read with patterns (code-closure.ts), so a quoted example in a comment would count as one.
    assert.deepEqual(stageNpmPackages(workspaceRoot, stage).filter((p) => !known.has(p)), [], stage);
  }
});

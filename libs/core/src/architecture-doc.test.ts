/**
 * docs/architecture.md's graph is the registry's: a node per stage with its output folder, and an arrow per upstream
 * stage a declaration reads from, labelled with the files it reads. A stage added, or a read changed, without
 * redrawing the graph fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runLayout } from './layout.ts';
import { stageNames, stages } from './stage-registry.ts';
import { workspaceRoot } from './workspace.ts';

test("docs/architecture.md's graph draws every registered stage, its folder and the files it reads upstream", () => {
  const doc = readFileSync(join(workspaceRoot, 'docs', 'architecture.md'), 'utf8');
  const graph = /```mermaid\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  const stageOf = (id: string) => id.replaceAll('_', '-'); // mermaid ids: the stage's name with _ for -
  const nodes = [...graph.matchAll(/^\s*(\w+)\["([\w-]+)<br\/>([\w.-]+)\/"\]$/gm)].map((m) => `${stageOf(m[1]!)} ${m[2]} ${m[3]}`);
  const arrows = [...graph.matchAll(/^\s*(\w+) -->\|"([^"]+)"\| (\w+)$/gm)].map((m) => `${stageOf(m[1]!)} -> ${stageOf(m[3]!)}: ${m[2]}`);
  const layout = runLayout('r', '/r');
  assert.deepEqual(nodes.sort(), stageNames.map((s) => `${s} ${s} ${relative(layout.root, stages[s].output(layout))}`).sort());
  const reads = stageNames.flatMap((s) => Object.entries(stages[s].reads).map(([upstream, files]) => `${upstream} -> ${s}: ${files.join(', ')}`));
  assert.deepEqual(arrows.sort(), reads.sort());
});

/**
 * What a stage's code needs to know of the other stages when it runs: which one wrote an upstream file, for the
 * error that finds it missing. It takes that from the stage registry, which is therefore message wording to a stage
 * (code-closure.ts): no stage hashes the registry or the declarations, and an edit of one declaration changes only
 * the targets Nx derives from it.
 */
import { sep } from 'node:path';
import type { RunLayout } from './layout.ts';
import { stageNames, stages, type StageName } from './stage-registry.ts';

export type { StageName };

/** The Nx target that runs a stage: tools/nx-stage names each stage's project and target after it. */
export const nxTarget = (stage: StageName): string => `${stage}:${stage}`;

/** The stage whose output folder holds `path` (absolute, in `layout`'s run). */
export function producerOf(layout: RunLayout, path: string): StageName {
  const stage = stageNames.find((s) => path === stages[s].output(layout) || path.startsWith(`${stages[s].output(layout)}${sep}`));
  if (!stage) throw new Error(`${path} is in no stage's output folder of run ${layout.runId}`);
  return stage;
}

/**
 * The stages: each one's declaration, imported from libs/<stage>/src/declaration.ts and listed once, in the order
 * their targets run. The Nx plugin makes one project per entry (nx-targets.ts). A stage's code loads this file only
 * to name the target that writes a missing upstream file (stage-outputs.ts); code-closure.ts keeps it and the
 * declarations out of every code input, so an edit of one declaration changes only the targets Nx derives from it.
 */
import { dataset } from '../../dataset/src/declaration.ts';
import { hyps } from '../../hyps/src/declaration.ts';
import { trainFp16 } from '../../train-fp16/src/declaration.ts';
import { trainQat } from '../../train-qat/src/declaration.ts';
import { trainQatFt } from '../../train-qat-ft/src/declaration.ts';
import { exportStage } from '../../export/src/declaration.ts';
import { ptqW4a16 } from '../../ptq-w4a16/src/declaration.ts';
import { ptqW8a8 } from '../../ptq-w8a8/src/declaration.ts';
import { evalStage } from '../../eval/src/declaration.ts';
import { summary } from '../../summary/src/declaration.ts';
import type { StageDeclaration } from './stage-declaration.ts';

export const stages = {
  dataset,
  hyps,
  'train-fp16': trainFp16,
  'train-qat': trainQat,
  'train-qat-ft': trainQatFt,
  export: exportStage,
  'ptq-w4a16': ptqW4a16,
  'ptq-w8a8': ptqW8a8,
  eval: evalStage,
  summary,
} satisfies Record<string, StageDeclaration>;

export type StageName = keyof typeof stages;
export const stageNames = Object.keys(stages) as StageName[];

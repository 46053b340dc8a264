import type { StageSeconds } from '../../core/src/schemas/eval.ts';

/** Where an evaluation spends its time, as metrics.json records it (its schema says what each stage is). */
export type { StageSeconds };

export function emptyStageSeconds(): StageSeconds {
  return { decodeWait: 0, letterbox: 0, inference: 0, decodeOutput: 0, metric: 0 };
}

export function addStageSeconds(total: StageSeconds, more: StageSeconds): void {
  for (const key of Object.keys(total) as (keyof StageSeconds)[]) total[key] += more[key];
}

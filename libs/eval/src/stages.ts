/**
 * Where an evaluation spends its time, in seconds summed over all images. Decoding runs on libuv's thread pool ahead
 * of the thread that infers, overlapping the other stages; decodeWait is what that thread still waited for it (with
 * letterbox workers, for decode and letterbox both). The others run on that thread one after another. With parallel
 * sessions each has such a thread, and the seconds are summed over them.
 */
export interface StageSeconds {
  decodeWait: number;
  letterbox: number;
  inference: number;
  decodeOutput: number;
  metric: number;
}

export function emptyStageSeconds(): StageSeconds {
  return { decodeWait: 0, letterbox: 0, inference: 0, decodeOutput: 0, metric: 0 };
}

export function addStageSeconds(total: StageSeconds, more: StageSeconds): void {
  for (const key of Object.keys(total) as (keyof StageSeconds)[]) total[key] += more[key];
}

/**
 * Where an evaluation's main thread spends its time, in seconds summed over all images. Decoding runs on libuv's
 * thread pool ahead of the main thread, overlapping the other stages; decodeWait is what the main thread still waited
 * for it (with letterbox workers, for decode and letterbox both). The others run on the main thread one after another.
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

/**
 * Where an evaluation's time goes, in seconds summed over all images. decode runs on libuv's thread pool ahead of
 * the main thread (overlapping the other stages, so it can exceed the wall time); inputWait is the part of it the main
 * thread still had to wait for. The others run on the main thread one after another.
 */
export interface StageSeconds {
  decode: number;
  inputWait: number;
  letterbox: number;
  inference: number;
  decodeOutput: number;
  metric: number;
}

export function emptyStageSeconds(): StageSeconds {
  return { decode: 0, inputWait: 0, letterbox: 0, inference: 0, decodeOutput: 0, metric: 0 };
}

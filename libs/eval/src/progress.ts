/**
 * A progress line at most every `intervalMs` (and at the end): images done, the rate so far and the time left at that
 * rate. 5,000 COCO images of yolov10m on a CPU take many minutes; a silent evaluator looks hung.
 */
export interface ProgressOptions {
  readonly total: number;
  readonly intervalMs?: number;
  readonly now?: () => number;
  readonly log: (line: string) => void;
}

export type ProgressTick = (done: number) => void;

export function progressReporter(options: ProgressOptions): ProgressTick {
  const { total, log } = options;
  const intervalMs = options.intervalMs ?? 10_000;
  const now = options.now ?? (() => performance.now());
  const started = now();
  let lastLine = started;
  return (done) => {
    const t = now();
    if (done < total && t - lastLine < intervalMs) return;
    lastLine = t;
    log(progressLine(done, total, (t - started) / 1000));
  };
}

export function progressLine(done: number, total: number, elapsedSeconds: number): string {
  const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  const left = rate > 0 ? (total - done) / rate : Number.NaN;
  return `${done}/${total} images, ${rate.toFixed(2)} images/s, ${done >= total ? `done in ${formatDuration(elapsedSeconds)}` : `ETA ${formatDuration(left)}`}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(rest).padStart(2, '0')}s` : `${rest}s`;
}

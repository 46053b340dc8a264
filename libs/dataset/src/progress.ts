export type Log = (line: string) => void;

export const logToStderr: Log = (line) => process.stderr.write(`${line}\n`);

const MiB = 1 << 20;

/**
 * Progress lines for parsing a file: one every `stepMiB`, and none at all for files smaller than one step
 * (small files finish before anyone would read a progress line).
 */
export function parseProgress(log: Log, label: string, stepMiB = 64): (bytesRead: number, totalBytes: number) => void {
  let next = stepMiB * MiB;
  return (bytesRead, totalBytes) => {
    if (totalBytes < stepMiB * MiB || bytesRead < next) return;
    while (next <= bytesRead) next += stepMiB * MiB;
    log(`dataset: parsed ${Math.floor(bytesRead / MiB)} of ${Math.ceil(totalBytes / MiB)} MiB of ${label}`);
  };
}

/** Progress lines for a counted loop: one every `step` items, none when the total is below one step. */
export function countProgress(log: Log, what: string, total: number, step = 20_000): (done: number) => void {
  return (done) => {
    if (total >= step && done % step === 0 && done > 0) log(`dataset: ${what} ${done} of ${total}`);
  };
}

/**
 * The training's own loss chart (loss.png and loss.html in its folder), drawn when the training finishes by
 * loss-chart-cli.ts in a child process: started by path, not imported, so chart code is no input of a training.
 *
 * Best effort: GPU hosts often have no Chromium, and a chart must never fail a training of days. Any failure is one
 * line naming why and the command that draws the PNG later; no stage reads these files (libs/training/src/declaration.ts).
 */
import { join } from 'node:path';
import { execa } from 'execa';
import { artifactFiles } from '../../core/src/layout.ts';
import { exists } from '../../core/src/staging.ts';
import type { Variant } from '../../core/src/variants.ts';
import { fromWorkspace, workspaceRoot } from '../../core/src/workspace.ts';

/** The chart's command line entry, workspace-relative. */
export const lossChartScript = 'libs/training/src/loss-chart-cli.ts';
/** Chromium gets 60 s per step (headless-screenshot.ts); past this the chart is given up, not the training. */
const CHART_TIMEOUT_MS = 180_000;

/** The command that draws the chart of a finished run's folder, as the user types it in the workspace root. */
export const lossChartCommand = (variant: Variant, folder: string): string => `node --import tsx ${lossChartScript} ${variant} ${fromWorkspace(folder)}`;

/**
 * Draws the chart of the run in `runDir` (the in-progress folder, so the files move into the output with the run in
 * its one rename); `finalDir` is where they will be, for the command printed on failure. Never throws.
 */
export async function drawLossChart(variant: Variant, runDir: string, finalDir: string, log: (line: string) => void): Promise<void> {
  const result = await execa(process.execPath, ['--import', 'tsx', join(workspaceRoot, lossChartScript), variant, runDir], {
    cwd: workspaceRoot,
    reject: false,
    timeout: CHART_TIMEOUT_MS,
    cleanup: true,
  });
  if (result.exitCode === 0 && !result.timedOut) return;
  const why = result.timedOut ? `it took over ${CHART_TIMEOUT_MS / 1000} s` : failureReason(String(result.stderr ?? '')) || `exit code ${result.exitCode}`;
  const page = (await exists(join(runDir, artifactFiles.lossHtml))) ? `; ${artifactFiles.lossHtml} was written` : '';
  log(`${artifactFiles.lossPng} not drawn (${why})${page}. The training is kept; to draw it later: ${lossChartCommand(variant, finalDir)}`);
}

/** The child's one-line error (runMain's `error: ...`), or the first line of an unexpected error's stack. */
function failureReason(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim());
  const reason = /^(?:error|[A-Za-z]*Error): (.*)$/;
  return lines.map((line) => reason.exec(line)?.[1]).find((m) => m !== undefined) ?? '';
}

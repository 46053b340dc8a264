/**
 * What happened to each training that a reader must know (run.json's `events`, its kinds in
 * libs/core/src/training-events.ts): the "Training events" section, the collapse warning at the top of summary.md,
 * and the batch actually trained. Pure.
 */
import type { TrainingEvent } from '../../core/src/schemas/training.ts';
import { trainingEventKinds } from '../../core/src/training-events.ts';
import { variants, type Variant } from '../../core/src/variants.ts';
import { trainingEventLabel, variantLabel } from '../../core/src/vocabulary.ts';
import type { RunInfo } from './inputs.ts';
import { cellText, table } from './markdown.ts';

const trainingEventsHeading = 'Training events';
const anchor = `#${trainingEventsHeading.toLowerCase().replace(/ /g, '-')}`;

/** A run's events in the order they happened; a run from before they were recorded has none. */
const eventsOf = (run: RunInfo): TrainingEvent[] => run.events ?? [];

/** Epoch 0 is before the first epoch (the batch halving, for one). */
const epochText = (epoch: number) => (epoch === 0 ? 'before epoch 1' : String(epoch));

/** The batch actually trained and, when it is not the requested one, the requested one and why (an out-of-memory halving). */
export function batchText(run: RunInfo): string {
  if (run.batchRequested === undefined || run.batchRequested === run.batch) return String(run.batch);
  const why = eventsOf(run).some((e) => e.kind === 'batchReduced') ? '; out of GPU memory' : '';
  return `${run.batch} (${run.batchRequested} requested${why})`;
}

/** One warning per collapse event, for the top of summary.md: a collapsed 4-bit run must be impossible to miss. */
export function collapseWarnings(runs: Record<Variant, RunInfo>): string[] {
  const label = trainingEventLabel.collapse;
  return variants.flatMap((v) =>
    eventsOf(runs[v])
      .filter((e) => e.kind === 'collapse')
      .flatMap((e) => [
        `> **${label[0]!.toUpperCase()}${label.slice(1)}: ${variantLabel[v]}, epoch ${e.epoch}.** Its validation mAP50-95 stayed further below its best, for longer, than the collapse watch allows; see [${trainingEventsHeading}](${anchor}).`,
        '',
      ]),
  );
}

/** Every event of every training with its epoch, label and message; or one line saying there were none. */
export function trainingEventsSection(runs: Record<Variant, RunInfo>): string[] {
  const rows = variants.flatMap((v) => eventsOf(runs[v]).map((e) => [variantLabel[v], epochText(e.epoch), trainingEventLabel[e.kind], cellText(e.message)]));
  const labels = trainingEventKinds.map((k) => trainingEventLabel[k]);
  if (rows.length === 0) return [`## ${trainingEventsHeading}`, '', `No ${labels.slice(0, -1).join(', ')} or ${labels.at(-1)} in any training.`, ''];
  const quiet = variants.filter((v) => eventsOf(runs[v]).length === 0).map((v) => variantLabel[v]);
  return [
    `## ${trainingEventsHeading}`,
    '',
    ...table(['training', 'epoch', 'event', 'message'], rows),
    '',
    ...(quiet.length > 0 ? [`None in ${quiet.join(' or ')}.`, ''] : []),
  ];
}

/**
 * summary.md's headline table of the 4-bit recipes: what each buys (mAP50-95) and what it costs in training time. Pure.
 * Device-hours are a run.json's wall time (all its sessions) times its devices; the W4A16 PTQ stage trains nothing and
 * does not record its own time.
 */
import { evalVariantLabel, variantLabel } from '../../core/src/vocabulary.ts';
import type { Metrics, RunInfo } from './inputs.ts';
import { table, type Row } from './markdown.ts';

export interface RecipeInputs {
  runs: { fp16: RunInfo; qat: RunInfo; 'qat-ft': RunInfo };
  mAP50_95: { 'ptq-w4a16': Metrics['mAP50_95']; qat: Metrics['mAP50_95']; 'qat-ft': Metrics['mAP50_95'] };
}

/** Wall time times devices, in hours. */
export const deviceHours = (run: RunInfo): number => (run.wallSeconds * Math.max(1, run.worldSize)) / 3600;

const hoursText = (run: RunInfo): string => `${deviceHours(run).toFixed(3)} h (${run.deviceName}${run.worldSize > 1 ? ` ×${run.worldSize}` : ''})`;
const score = (x: number) => (Number.isFinite(x) && x >= 0 ? x.toFixed(3) : '—');

export function recipesSection({ runs, mAP50_95 }: RecipeInputs): string[] {
  const fp = runs.fp16;
  const fpHours = deviceHours(fp);
  const rows: Row[] = [
    [evalVariantLabel['ptq-w4a16'], '0', score(mAP50_95['ptq-w4a16']), '0 (no training; the ptq-w4a16 stage does not record its time)', `${fpHours.toFixed(3)} h`],
    [
      variantLabel['qat-ft'],
      `${runs['qat-ft'].epochsCompleted} (fine-tune)`,
      score(mAP50_95['qat-ft']),
      hoursText(runs['qat-ft']),
      `${(fpHours + deviceHours(runs['qat-ft'])).toFixed(3)} h`,
    ],
    [`${variantLabel.qat} from scratch`, `${runs.qat.epochsCompleted} (full schedule)`, score(mAP50_95.qat), hoursText(runs.qat), `${deviceHours(runs.qat).toFixed(3)} h`],
  ];
  return [
    '## 4-bit recipes: accuracy and cost',
    '',
    ...table(['recipe', 'training epochs beyond FP16', 'mAP50-95 (COCO)', 'its training (device-hours)', 'total, with the FP16 model it starts from'], rows),
    '',
    `Device-hours: each run.json's wall time over all sessions (validation included) times its devices. PTQ and the fine-tune start from the FP16 model ` +
      `(${fp.epochsCompleted} epochs, ${hoursText(fp)}); QAT from scratch does not need it.`,
    '',
  ];
}

import { readFile } from 'node:fs/promises';
import { UserError } from '../../core/src/errors.ts';

/** One loss per component, indexed like `LossSeries.epoch`. */
export interface LossComponents {
  box: number[];
  cls: number[];
  dfl: number[];
}

/**
 * The per-epoch series of one Ultralytics detection run (its results.csv), one array per column, all of the
 * same length and sorted by epoch. Non-finite values (a diverged loss is logged as `nan`) are kept as NaN.
 */
export interface LossSeries {
  /** 1-based epoch numbers. */
  epoch: number[];
  /** Seconds since the trainer process started, at the end of each epoch: it starts again from 0 in the first
   *  epoch of a resumed session (measured on the 2x H200 DDP resume bench), so it is no wall-clock axis. */
  time: number[];
  train: LossComponents;
  val: LossComponents;
  metrics: { precision: number[]; recall: number[]; mAP50: number[]; mAP50_95: number[] };
  /** Learning rate of each optimizer parameter group: `lr[group][i]`. */
  lr: number[][];
  /**
   * QAT runs only: the share (0..1) of all quantized layers' 4-bit weight codes that changed since the previous
   * epoch (CODE_CHANGE_COLUMN, written by the QAT trainer), a measure of weight oscillation. Absent when the column is.
   */
  codeChange?: number[];
}

// The columns Ultralytics' DetectionTrainer writes (BaseTrainer.save_metrics: epoch, time, the train loss items,
// DetMetrics.keys, the val loss items, one lr/pgN per parameter group), mapped to where they go.
const REQUIRED_COLUMNS = {
  epoch: 'epoch',
  time: 'time',
  'train.box': 'train/box_loss',
  'train.cls': 'train/cls_loss',
  'train.dfl': 'train/dfl_loss',
  'metrics.precision': 'metrics/precision(B)',
  'metrics.recall': 'metrics/recall(B)',
  'metrics.mAP50': 'metrics/mAP50(B)',
  'metrics.mAP50_95': 'metrics/mAP50-95(B)',
  'val.box': 'val/box_loss',
  'val.cls': 'val/cls_loss',
  'val.dfl': 'val/dfl_loss',
} as const;
type Slot = keyof typeof REQUIRED_COLUMNS;

const LR_COLUMN = /^lr\/pg(\d+)$/;
/** The QAT trainer's own column (not Ultralytics'): see LossSeries.codeChange. */
export const CODE_CHANGE_COLUMN = 'qat/code_change';

/** Reads an Ultralytics results.csv; any deviation from the expected shape is a UserError naming file, line and column. */
export async function readResultsCsv(path: string): Promise<LossSeries> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read the training results (${code ?? String(error)}); expected the results.csv Ultralytics writes each epoch`, path);
  }
  return parseResultsCsv(text, path);
}

/**
 * Parses the text of a results.csv. Header names and values are trimmed (some Ultralytics versions pad them to a
 * fixed width). Rows repeating an epoch keep the last one: a resumed run re-trains the epoch whose checkpoint was
 * lost and appends it again.
 */
export function parseResultsCsv(text: string, file: string): LossSeries {
  const lines = text.split(/\r?\n/);
  const headerIndex = lines.findIndex((line) => line.trim() !== '');
  if (headerIndex < 0) throw new UserError('the file is empty; expected a header line starting with "epoch,time"', file);

  const header = lines[headerIndex]!.split(',').map((name) => name.trim());
  const columnOf = indexColumns(header, file, headerIndex + 1);
  const lrColumns = header
    .map((name, index) => ({ group: LR_COLUMN.exec(name)?.[1], index }))
    .filter((c): c is { group: string; index: number } => c.group !== undefined)
    .sort((a, b) => Number(a.group) - Number(b.group));
  const codeChange = header.indexOf(CODE_CHANGE_COLUMN);

  const byEpoch = new Map<number, number[]>();
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const lineNo = i + 1;
    const fields = line.split(',');
    if (fields.length !== header.length) {
      throw new UserError(`expected ${header.length} comma-separated values like the header, found ${fields.length}`, `${file}:${lineNo}`);
    }
    const values = fields.map((field, c) => parseNumber(field, `${file}:${lineNo}:${c + 1} (column "${header[c]}")`));
    const epoch = values[columnOf.epoch]!;
    if (!Number.isInteger(epoch) || epoch < 1) {
      throw new UserError(`expected a positive whole epoch number, found "${fields[columnOf.epoch]!.trim()}"`, `${file}:${lineNo}:${columnOf.epoch + 1} (column "epoch")`);
    }
    const share = codeChange >= 0 ? values[codeChange]! : NaN;
    if (share < 0 || share > 1) {
      throw new UserError(`expected a share between 0 and 1, found ${fields[codeChange]!.trim()}`, `${file}:${lineNo}:${codeChange + 1} (column "${CODE_CHANGE_COLUMN}")`);
    }
    byEpoch.set(epoch, values);
  }
  if (byEpoch.size === 0) throw new UserError('the file has a header but no epoch rows; expected at least one finished epoch', file);

  const rows = [...byEpoch.entries()].sort(([a], [b]) => a - b).map(([, values]) => values);
  const column = (slot: Slot): number[] => rows.map((values) => values[columnOf[slot]]!);
  return {
    epoch: column('epoch'),
    time: column('time'),
    train: { box: column('train.box'), cls: column('train.cls'), dfl: column('train.dfl') },
    val: { box: column('val.box'), cls: column('val.cls'), dfl: column('val.dfl') },
    metrics: {
      precision: column('metrics.precision'),
      recall: column('metrics.recall'),
      mAP50: column('metrics.mAP50'),
      mAP50_95: column('metrics.mAP50_95'),
    },
    lr: lrColumns.map(({ index }) => rows.map((values) => values[index]!)),
    ...(codeChange >= 0 ? { codeChange: rows.map((values) => values[codeChange]!) } : {}),
  };
}

function indexColumns(header: string[], file: string, lineNo: number): Record<Slot, number> {
  const seen = new Map<string, number>();
  header.forEach((name, index) => {
    if (seen.has(name)) throw new UserError(`column "${name}" appears twice in the header`, `${file}:${lineNo}:${index + 1}`);
    seen.set(name, index);
  });
  const missing = Object.values(REQUIRED_COLUMNS).filter((name) => !seen.has(name));
  if (missing.length > 0) {
    throw new UserError(
      `the header lacks ${missing.map((m) => `"${m}"`).join(', ')}; found ${header.map((h) => `"${h}"`).join(', ')} ` +
        '(expected the results.csv of an Ultralytics detection run)',
      `${file}:${lineNo}`,
    );
  }
  return Object.fromEntries(Object.entries(REQUIRED_COLUMNS).map(([slot, name]) => [slot, seen.get(name)!])) as Record<Slot, number>;
}

// Python's "%.6g" writes nan, inf and -inf for non-finite values; JavaScript's Number() knows none of them.
const NON_FINITE: Record<string, number> = { nan: NaN, '-nan': NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity };
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function parseNumber(field: string, where: string): number {
  const text = field.trim();
  const special = NON_FINITE[text.toLowerCase()];
  if (special !== undefined) return special;
  if (!DECIMAL.test(text)) throw new UserError(`expected a number, found ${text === '' ? 'an empty value' : `"${text}"`}`, where);
  return Number(text);
}

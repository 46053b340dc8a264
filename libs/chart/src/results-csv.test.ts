import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../core/src/errors.ts';
import { parseResultsCsv, readResultsCsv } from './results-csv.ts';
import { withTempDir } from '../../core/src/testing/temp-dir.ts';

const HEADER =
  'epoch,time,train/box_loss,train/cls_loss,train/dfl_loss,metrics/precision(B),metrics/recall(B),metrics/mAP50(B),' +
  'metrics/mAP50-95(B),val/box_loss,val/cls_loss,val/dfl_loss,lr/pg0,lr/pg1,lr/pg2';
const ROW1 = '1,61.5,3.21,5.43,3.9,0.00123,0.0456,0.00078,0.00031,3.4,5.7,4.05,0.0701,0.00329,0.00329';
const ROW2 = '2,123.2,2.75,4.46,3.3,0.0512,0.0987,0.0211,0.0102,2.9,4.7,3.44,0.0402,0.00653,0.00653';

test('parses the columns Ultralytics writes into typed per-epoch series', () => {
  const series = parseResultsCsv(`${HEADER}\n${ROW1}\n${ROW2}\n`, 'results.csv');
  assert.deepEqual(series.epoch, [1, 2]);
  assert.deepEqual(series.time, [61.5, 123.2]);
  assert.deepEqual(series.train, { box: [3.21, 2.75], cls: [5.43, 4.46], dfl: [3.9, 3.3] });
  assert.deepEqual(series.val, { box: [3.4, 2.9], cls: [5.7, 4.7], dfl: [4.05, 3.44] });
  assert.deepEqual(series.metrics, { precision: [0.00123, 0.0512], recall: [0.0456, 0.0987], mAP50: [0.00078, 0.0211], mAP50_95: [0.00031, 0.0102] });
  assert.deepEqual(series.lr, [[0.0701, 0.0402], [0.00329, 0.00653], [0.00329, 0.00653]]);
});

test('accepts padded headers and values, CRLF, a missing final newline, nan/inf and extra columns', () => {
  const padded = HEADER.split(',').map((name) => name.padStart(25)).join(',') + ',  extra/col';
  const row = ROW1.replace('5.7', 'nan').replace('3.21', '  inf').split(',').map((v) => v.padStart(12)).join(',') + ',7';
  const series = parseResultsCsv(`${padded}\r\n${row}`, 'results.csv');
  assert.deepEqual(series.epoch, [1]);
  assert.equal(series.train.box[0], Infinity);
  assert.ok(Number.isNaN(series.val.cls[0]));
  assert.equal(series.lr.length, 3);
});

test('orders rows by epoch and keeps the last row of an epoch repeated by a resumed run', () => {
  const resumedRow2 = ROW2.replace('2.75', '2.7');
  const series = parseResultsCsv(`${HEADER}\n${ROW2}\n${ROW1}\n${resumedRow2}\n`, 'results.csv');
  assert.deepEqual(series.epoch, [1, 2]);
  assert.deepEqual(series.train.box, [3.21, 2.7]);
});

test('a non-numeric value names the file, line and column', () => {
  const bad = ROW2.replace('4.46', '4.4x6');
  assert.throws(
    () => parseResultsCsv(`${HEADER}\n${ROW1}\n${bad}\n`, 'runs/fp16/results.csv'),
    (error: unknown) =>
      error instanceof UserError && error.message === 'runs/fp16/results.csv:3:4 (column "train/cls_loss"): expected a number, found "4.4x6"',
  );
});

test('an empty value, a short row or a fractional epoch is rejected with its place', () => {
  const cases: [string, RegExp][] = [
    [ROW1.replace(',3.4,', ',,'), /results\.csv:2:10 \(column "val\/box_loss"\): expected a number, found an empty value/],
    [ROW1.split(',').slice(0, 14).join(','), /results\.csv:2: expected 15 comma-separated values like the header, found 14/],
    [ROW1.replace(/^1,/, '1.5,'), /results\.csv:2:1 \(column "epoch"\): expected a positive whole epoch number, found "1\.5"/],
  ];
  for (const [row, message] of cases) {
    assert.throws(() => parseResultsCsv(`${HEADER}\n${row}\n`, 'results.csv'), (e: unknown) => e instanceof UserError && message.test(e.message));
  }
});

test('a header missing loss columns, an empty file or a header without rows is rejected', () => {
  assert.throws(
    () => parseResultsCsv(`${HEADER.replace('val/dfl_loss', 'val/l1_loss')}\n${ROW1}\n`, 'results.csv'),
    (e: unknown) => e instanceof UserError && /results\.csv:1: the header lacks "val\/dfl_loss"; found .*"val\/l1_loss"/.test(e.message),
  );
  assert.throws(() => parseResultsCsv('\n\n', 'results.csv'), /results\.csv: the file is empty/);
  assert.throws(() => parseResultsCsv(`${HEADER}\n`, 'results.csv'), /results\.csv: the file has a header but no epoch rows/);
});

test('readResultsCsv reads a file and names a missing one', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'results.csv');
    await writeFile(path, `${HEADER}\n${ROW1}\n`);
    assert.deepEqual((await readResultsCsv(path)).epoch, [1]);
    await assert.rejects(readResultsCsv(join(dir, 'absent.csv')), (e: unknown) => e instanceof UserError && e.message.startsWith(`${join(dir, 'absent.csv')}: cannot read the training results (ENOENT)`));
  }));

test("a QAT run's qat/code_change column becomes codeChange; without it there is none", () => {
  const qat = parseResultsCsv(`${HEADER},qat/code_change\n${ROW2},0.0123\n${ROW1},nan\n`, 'qat/results.csv');
  assert.deepEqual(qat.epoch, [1, 2]);
  assert.ok(Number.isNaN(qat.codeChange![0]), 'no previous epoch to compare with: nan stays NaN');
  assert.equal(qat.codeChange![1], 0.0123);
  assert.equal(qat.lr.length, 3, 'not taken for an lr column');
  const fp16 = parseResultsCsv(`${HEADER}\n${ROW1}\n`, 'fp16/results.csv');
  assert.ok(!('codeChange' in fp16), 'absent, not an empty or undefined series');
});

test('a code-change share outside 0..1 names its place', () => {
  assert.throws(
    () => parseResultsCsv(`${HEADER},qat/code_change\n${ROW1},0.2\n${ROW2},1.5\n`, 'qat/results.csv'),
    (e: unknown) => e instanceof UserError && e.message === 'qat/results.csv:3:16 (column "qat/code_change"): expected a share between 0 and 1, found 1.5',
  );
});

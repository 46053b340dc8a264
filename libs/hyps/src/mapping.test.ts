import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { mapHyps, renderMappingReport } from './mapping.ts';
import { hypSourceFile } from '../../core/src/config/load.ts';

const source = parse(readFileSync(hypSourceFile, 'utf8')) as Record<string, number>;

test('every YOLOv5 key gets a decision, and values that carry over are kept unchanged', () => {
  const { args, rows } = mapHyps(source);
  assert.equal(rows.filter((r) => r.decision !== 'added').length, Object.keys(source).length);
  for (const key of ['lr0', 'lrf', 'momentum', 'weight_decay', 'warmup_epochs', 'hsv_s', 'mosaic', 'fliplr', 'translate', 'scale']) {
    assert.equal(args[key], source[key], key);
  }
});

test("box is rescaled onto Ultralytics' scale; cls keeps its value; dfl is added", () => {
  const { args } = mapHyps(source);
  assert.equal(args.box, 7.5);
  assert.equal(args.cls, 0.5);
  assert.equal(args.dfl, 1.5);
});

test('keys without an Ultralytics counterpart are dropped, cls_pw included (same name, other meaning)', () => {
  const { args, rows } = mapHyps(source);
  for (const key of ['obj', 'obj_pw', 'cls_pw', 'iou_t', 'anchor_t', 'fl_gamma']) {
    assert.equal(args[key], undefined, key);
    assert.equal(rows.find((r) => r.source === key)?.decision, 'dropped', key);
  }
});

test('unknown keys and non-numbers are refused by name', () => {
  assert.throws(() => mapHyps({ ...source, lr_warm: 1 }), /unknown hyperparameter 'lr_warm'/);
  assert.throws(() => mapHyps({ ...source, lr0: 'fast' }), /'lr0' must be a finite number, got "fast"/);
});

test('the report lists every row with its reason', () => {
  const report = renderMappingReport(mapHyps(source), 'conf/hyp.scratch.yaml');
  assert.match(report, /\| box \| 0\.05 \| rescaled \| box \| 7\.5 \|/);
  assert.match(report, /\| anchor_t \| 4 \| dropped \| — \| — \| anchor-multiple/);
});

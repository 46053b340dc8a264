import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fidelitySchema } from '../../core/src/schemas/eval.ts';
import { compareFidelity, describeFidelity, fidelityTolerance, fidelityToleranceRule, finalValidationOf } from './fidelity.ts';

test("the comparison metrics.json carries: both numbers, ONNX − training, the tolerance and the verdict", () => {
  const f = compareFidelity('one2one', 0.5, 0.497);
  assert.equal(f.head, 'one2one');
  assert.equal(f.trainingMap50_95, 0.5);
  assert.equal(f.onnxMap50_95, 0.497);
  assert.ok(Math.abs(f.difference - -0.003) < 1e-12);
  assert.equal(f.tolerance, fidelityTolerance(0.5));
  assert.equal(f.withinTolerance, true);
  assert.deepEqual(fidelitySchema.parse(f), f, 'the shape the schema checks where the summary reads it');
});

test("the tolerance: 10% of the training's mAP50-95, at least 0.01", () => {
  assert.deepEqual(fidelityToleranceRule, { relative: 0.1, floor: 0.01 });
  assert.equal(fidelityTolerance(0.5), 0.05);
  assert.equal(fidelityTolerance(0.0833), 0.01, 'a weak model: the floor');
  assert.equal(fidelityTolerance(0), 0.01, 'the ci profile: mAP 0');
  // The largest difference measured between a sound ONNX file and its training (README.md): within.
  assert.equal(compareFidelity('one2many-nms', 0.0909, 0.097).withinTolerance, true);
  // Measured broken files (README.md): every QCDQ weight scale 5% off, pixels fed unnormalised.
  assert.equal(compareFidelity('one2one', 0.0934, 0.0236).withinTolerance, false);
  assert.equal(compareFidelity('one2one', 0.0833, 0.0001).withinTolerance, false);
});

test('the tolerance is inclusive and two-sided', () => {
  assert.equal(compareFidelity('one2one', 0.25, 0.5, 0.25).withinTolerance, true);
  assert.equal(compareFidelity('one2one', 0.5, 0.25, 0.25).withinTolerance, true);
  assert.equal(compareFidelity('one2one', 0.5, 0.5 + fidelityTolerance(0.5) * 1.01).withinTolerance, false);
  assert.equal(compareFidelity('one2many-nms', 0.5, 0.5 - fidelityTolerance(0.5) * 1.01).withinTolerance, false);
});

test('within the tolerance: one line with both numbers, the sources and the difference', () => {
  const line = describeFidelity(compareFidelity('one2one', 0.5123, 0.5101), 'FP16 (AMP), one2one head', 'onnx/yolov10-fp16.onnx', 'fp16/run.json');
  assert.equal(
    line,
    "fidelity, FP16 (AMP), one2one head: ONNX mAP50-95 0.5101 (onnx/yolov10-fp16.onnx, Ultralytics' metric) vs the training's final validation 0.5123 (fp16/run.json): difference -0.0022, within ±0.0512",
  );
});

test('beyond the tolerance: a warning naming the model and both numbers', () => {
  const line = describeFidelity(compareFidelity('one2many-nms', 0.4, 0.3), 'W4A16 QAT, one2many-nms head', 'onnx/q.onnx', 'qat/run.json');
  assert.match(line, /^warning: fidelity, W4A16 QAT, one2many-nms head: ONNX mAP50-95 0\.3000 \(onnx\/q\.onnx/);
  assert.match(line, /final validation 0\.4000 \(qat\/run\.json\): difference -0\.1000, beyond the tolerance ±0\.0400\. /);
});

test("run.json's final validation: Ultralytics' key, the head; runs before valHead validated the one-to-many head", () => {
  assert.deepEqual(finalValidationOf({ valHead: 'one2one', finalMetrics: { 'metrics/mAP50-95(B)': 0.42, 'metrics/mAP50(B)': 0.6 } }), { head: 'one2one', map50_95: 0.42 });
  assert.deepEqual(finalValidationOf({ finalMetrics: { 'metrics/mAP50-95(B)': 0.42 } }), { head: 'one2many-nms', map50_95: 0.42 });
  assert.deepEqual(finalValidationOf({ valHead: 'one2one', finalMetrics: null }), { head: 'one2one', map50_95: null });
  assert.deepEqual(finalValidationOf({ valHead: 'one2one', finalMetrics: {} }), { head: 'one2one', map50_95: null });
  assert.deepEqual(finalValidationOf({ valHead: 'one2one' }), { head: 'one2one', map50_95: null });
});

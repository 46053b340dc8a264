import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSection } from '../../core/src/config/load.ts';
import { buildTrainRequest, chooseDevice, recipeDigest, resolveDevice } from './request.ts';

const inputs = {
  variant: 'qat' as const,
  train: loadSection('train', 'coco'),
  qat: loadSection('qat', 'coco'),
  resources: loadSection('resources', 'coco'),
  watch: loadSection('watch', 'coco'),
  hyps: { lr0: 0.01, box: 7.5 },
  dataYaml: '/d/data.yaml',
  saveDir: '/r/.in-progress/qat',
  env: {},
};

test('the coco request trains yolov10m at 640 with SGD named explicitly and W4 per-channel QAT', () => {
  const request = buildTrainRequest(inputs);
  assert.equal(request.model, 'yolov10m.yaml');
  assert.equal(request.imgsz, 640);
  assert.equal(request.optimizer, 'SGD');
  assert.deepEqual(request.qat, { weight_bit_width: 4, per_channel: true, narrow_range: true, keep_float: ['*.dfl.conv'], layers: [] });
  assert.equal(buildTrainRequest({ ...inputs, variant: 'fp16' }).qat, null);
  assert.equal(request.val_head, 'one2one'); // validation measures the head the export ships
});

test('device: per-variant env, then TRAIN_DEVICE, then conf', () => {
  const resources = { device: 'auto', fp16Device: null, qatDevice: '1', workers: 8, cudaGraphs: true };
  assert.equal(resolveDevice('fp16', resources, {}), 'auto');
  assert.equal(resolveDevice('qat', resources, {}), '1');
  assert.equal(resolveDevice('qat', resources, { TRAIN_DEVICE: '0,1' }), '0,1');
  assert.equal(resolveDevice('qat', resources, { TRAIN_DEVICE: '0,1', QAT_DEVICE: '2' }), '2');
});

test('the chosen device comes with where it was set: the env variable or the conf/resources.yaml key', () => {
  const resources = { device: 'cuda', fp16Device: null, qatDevice: '1', workers: 8, cudaGraphs: true };
  assert.deepEqual(chooseDevice('fp16', resources, {}), { device: 'cuda', source: { confKey: 'device' } });
  assert.deepEqual(chooseDevice('qat', resources, {}), { device: '1', source: { confKey: 'qatDevice' } });
  assert.deepEqual(chooseDevice('fp16', { ...resources, fp16Device: 'cpu' }, {}), { device: 'cpu', source: { confKey: 'fp16Device' } });
  assert.deepEqual(chooseDevice('qat', resources, { TRAIN_DEVICE: 'cuda' }), { device: 'cuda', source: { env: 'TRAIN_DEVICE' } });
  assert.deepEqual(chooseDevice('qat', resources, { TRAIN_DEVICE: '0', QAT_DEVICE: 'cpu' }), { device: 'cpu', source: { env: 'QAT_DEVICE' } });
  assert.deepEqual(chooseDevice('fp16', resources, { FP16_DEVICE: 'cuda' }), { device: 'cuda', source: { env: 'FP16_DEVICE' } });
});

test('the recipe digest ignores where a run trains, and sees what it trains', () => {
  const base = buildTrainRequest(inputs);
  const moved = buildTrainRequest({ ...inputs, env: { TRAIN_DEVICE: '3', TRAIN_WORKERS: '2' } });
  assert.equal(recipeDigest(base), recipeDigest(moved));
  assert.equal(recipeDigest(base), recipeDigest({ ...base, cuda_graphs: !base.cuda_graphs })); // how it runs, same numbers
  assert.notEqual(recipeDigest(base), recipeDigest({ ...base, hyps: { ...base.hyps, lr0: 0.02 } }));
  assert.notEqual(recipeDigest(base), recipeDigest({ ...base, epochs: 300 }));
  assert.notEqual(recipeDigest(base), recipeDigest({ ...base, val_head: 'one2many-nms' }), 'the validation head picks best.pt');
});

test('the collapse watch reaches the QAT request only, and a threshold edit resumes instead of restarting', () => {
  const base = buildTrainRequest(inputs);
  assert.deepEqual(base.collapse_watch, { drop_fraction: 0.3, epochs: 3, min_best: 0.05 }); // conf/watch.yaml
  assert.equal(buildTrainRequest({ ...inputs, variant: 'fp16' }).collapse_watch, null);
  const stricter = buildTrainRequest({ ...inputs, watch: { collapse: { dropFraction: 0.1, epochs: 1, minBestMap: 0 } } });
  assert.equal(recipeDigest(stricter), recipeDigest(base));
});

test('a bad device or worker count in the environment is refused by name', () => {
  const resources = { device: 'auto', fp16Device: null, qatDevice: null, workers: 8, cudaGraphs: true };
  assert.throws(() => resolveDevice('fp16', resources, { TRAIN_DEVICE: 'cuda:0' }), /TRAIN_DEVICE: expected "auto", "cuda", "cpu", .* got "cuda:0"/);
  assert.throws(() => resolveDevice('fp16', resources, { FP16_DEVICE: 'gpu' }), /FP16_DEVICE: expected .* got "gpu"/);
  assert.equal(resolveDevice('fp16', resources, { FP16_DEVICE: 'cuda' }), 'cuda');
  assert.throws(() => resolveDevice('qat', resources, { QAT_DEVICE: '0;1' }), /QAT_DEVICE: /);
  assert.throws(() => buildTrainRequest({ ...inputs, env: { TRAIN_WORKERS: 'many' } }), /TRAIN_WORKERS: expected a whole number/);
});

test('distillation: off, the QAT request has none; on, it names the teacher, its sha256, the weight and the temperature', () => {
  assert.equal(buildTrainRequest(inputs).distill, null);
  const teacher = { path: '/r/fp16/weights/best.pt', sha256: 'a'.repeat(64) };
  const on = { ...inputs, qat: { ...inputs.qat, distill: { weight: 0.5, temperature: 4 } }, teacher };
  assert.deepEqual(buildTrainRequest(on).distill, { teacher: teacher.path, teacher_sha256: teacher.sha256, weight: 0.5, temperature: 4 });
  assert.equal(buildTrainRequest({ ...on, variant: 'fp16' }).distill, null); // the FP16 model is the teacher
  assert.throws(() => buildTrainRequest({ ...on, teacher: null }), /needs the FP16 teacher/);
  // Part of the recipe: another teacher (a retrained FP16 model) restarts a distilled run instead of resuming it.
  const base = buildTrainRequest(on);
  assert.notEqual(recipeDigest(base), recipeDigest(buildTrainRequest({ ...on, teacher: { ...teacher, sha256: 'b'.repeat(64) } })));
  assert.notEqual(recipeDigest(base), recipeDigest(buildTrainRequest(inputs)));
});

test('the fine-tune request: the QAT settings, conf/finetune.yaml epochs and lr0 factor, and the FP16 checkpoint it starts from', () => {
  const start = { path: '/r/fp16/weights/best.pt', sha256: 'a'.repeat(64) };
  const finetune = loadSection('finetune', 'coco');
  const request = buildTrainRequest({ ...inputs, variant: 'qat-ft', saveDir: '/r/.in-progress/qat-ft', initFrom: start, finetune });
  assert.equal(request.epochs, 50, 'finetune.yaml epochs, not the from-scratch schedule');
  assert.deepEqual(request.fine_tune, { init_from: start.path, init_sha256: start.sha256, lr_scale: 0.1 });
  assert.deepEqual(request.qat, buildTrainRequest(inputs).qat, 'the same quantizer as train-qat');
  assert.ok(request.collapse_watch, 'the collapse watch covers the fine-tune too');
  assert.equal(buildTrainRequest(inputs).fine_tune, null);
  assert.equal(buildTrainRequest(inputs).epochs, 500);
  assert.throws(() => buildTrainRequest({ ...inputs, variant: 'qat-ft', finetune }), /needs the FP16 checkpoint/);
  assert.throws(() => buildTrainRequest({ ...inputs, variant: 'qat-ft', initFrom: start }), /needs conf\/finetune\.yaml's schedule/);
  // A new FP16 model (another sha256) supersedes an unfinished fine-tune; the same one at another path is another recipe too.
  const other = buildTrainRequest({ ...inputs, variant: 'qat-ft', saveDir: '/r/.in-progress/qat-ft', initFrom: { ...start, sha256: 'b'.repeat(64) }, finetune });
  assert.notEqual(recipeDigest(other), recipeDigest(request));
  assert.equal(recipeDigest({ ...request, device: '3', resume_from: '/x/last.pt' }), recipeDigest(request));
  assert.equal(resolveDevice('qat-ft', inputs.resources, { QAT_FT_DEVICE: '1', QAT_DEVICE: '2' }), '1');
  assert.equal(request.distill, null, 'distillation off (the default)');
  // Distilling: the fine-tune learns from the FP16 teacher too, which is the very file it starts from.
  const distilling = buildTrainRequest({
    ...inputs, variant: 'qat-ft', saveDir: '/r/.in-progress/qat-ft', initFrom: start, finetune, qat: { ...inputs.qat, distill: { weight: 0.5, temperature: 4 } }, teacher: start,
  });
  assert.deepEqual(distilling.distill, { teacher: start.path, teacher_sha256: start.sha256, weight: 0.5, temperature: 4 });
  assert.notEqual(recipeDigest(distilling), recipeDigest(request));
});

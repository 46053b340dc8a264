import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyLocation, knownProfiles, loadSection, mergeProfile, parseProfile, resolveSection } from './load.ts';
import { sectionSchemas, type SectionName } from './schema.ts';

const train = { model: 'yolov10m.yaml', imgsz: 640, epochs: 500, batch: 32, savePeriod: 5, seed: 0, optimizer: 'SGD', amp: true, closeMosaic: 10, valHead: 'one2one' };

test('every conf/ file validates for every profile', () => {
  for (const section of Object.keys(sectionSchemas) as SectionName[]) {
    for (const profile of knownProfiles) assert.ok(loadSection(section, profile), `${section} ${profile}`);
  }
});

test('profiles override base values; the coco profile trains yolov10m at 640 from the real data', () => {
  assert.equal(loadSection('train', 'coco').model, 'yolov10m.yaml');
  assert.equal(loadSection('train', 'coco').imgsz, 640);
  assert.equal(loadSection('train', 'coco').epochs, 500);
  assert.equal(loadSection('dataset', 'coco').source, 'coco');
  assert.equal(loadSection('dataset', 'demo').source, 'synthetic');
  // gpu: the benchmarks' data (tools/bench/gpu/prepare-data.ts: 700/100 images, seed 7) and the experiment's model
  assert.deepEqual(loadSection('dataset', 'gpu').synthetic, { seed: 7, trainImages: 700, valImages: 100, minSide: 256, maxSide: 480 });
  assert.equal(loadSection('train', 'gpu').model, 'yolov10m.yaml');
  assert.equal(loadSection('train', 'gpu').epochs, 30);
});

test("profile null resolves the base values, which the evaluator's defaults are (libs/eval/src/defaults.ts)", () => {
  const document = { ...train, profiles: { demo: { imgsz: 160 } } };
  assert.equal(resolveSection('train', document, null, 'conf/train.yaml').imgsz, 640);
  assert.equal(resolveSection('train', document, 'demo', 'conf/train.yaml').imgsz, 160);
  assert.throws(() => resolveSection('train', { ...train, imgsz: 650 }, null, 'conf/train.yaml'), /conf\/train\.yaml: imgsz: /);
});

test('a wrong type names the file, the key and what was expected', () => {
  assert.throws(() => resolveSection('train', { ...train, epochs: 'many' }, 'demo', 'conf/train.yaml'), /conf\/train\.yaml: epochs: .*expected number.*"many"/);
});

test('an error inside a profile override names the key as written in the file', () => {
  assert.throws(() => resolveSection('train', { ...train, profiles: { coco: { imgsz: 650 } } }, 'coco', 'conf/train.yaml'), /conf\/train\.yaml: profiles\.coco\.imgsz: .*multiple of 32.*650/);
});

test('unknown keys fail with the list of known keys', () => {
  assert.throws(() => resolveSection('train', { ...train, lr: 0.1 }, 'demo', 'conf/train.yaml'), /conf\/train\.yaml: lr: unknown key \(known keys: model, imgsz/);
  assert.throws(() => resolveSection('train', { ...train, profiles: { prod: {} } }, 'demo', 'f.yaml'), /f\.yaml: profiles\.prod: unknown profile 'prod'/);
});

test('a missing key says it is missing; an unknown profile name is refused', () => {
  const { epochs: _e, ...withoutEpochs } = train;
  assert.throws(() => resolveSection('train', withoutEpochs, 'demo', 'conf/train.yaml'), /epochs: .*key missing/);
  assert.throws(() => parseProfile('prod', '--profile'), /UserError: --profile: unknown profile .prod.: expected one of demo, gpu, coco, ci$/);
  assert.equal(parseProfile('ci', '--profile'), 'ci');
  assert.throws(() => resolveSection('train', { ...train, profiles: { prod: {} } }, 'demo', 'conf/train.yaml'), /UserError: conf\/train\.yaml: profiles\.prod: unknown profile 'prod'/);
});

test('broken YAML and a missing file name the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conf-'));
  writeFileSync(join(dir, 'eval.yaml'), 'providers: [cpu\n');
  assert.throws(() => loadSection('eval', 'demo', dir), /eval\.yaml: not valid YAML/);
  assert.throws(() => loadSection('qat', 'demo', dir), /config file not found: expected conf\/qat\.yaml/);
});

const qat = { weightBitWidth: 4, perChannel: true, narrowRange: true, keepFloat: ['*.dfl.conv'], layers: [] as unknown[], distill: null };

test('per-layer bit widths: the default is none, and a first-conv-and-head entry validates', () => {
  for (const profile of knownProfiles) assert.deepEqual(loadSection('qat', profile).layers, [], profile); // today's all-4-bit
  const layers = [{ pattern: 'model.0.conv', bits: 8 }, { pattern: 'model.23.*', bits: 8 }];
  assert.deepEqual(resolveSection('qat', { ...qat, layers }, 'demo', 'conf/qat.yaml').layers, layers);
});

test('a bad layers entry is refused naming its key path, list index included', () => {
  const bad = (layers: unknown[], profile?: Record<string, unknown>) => () =>
    resolveSection('qat', { ...qat, layers, ...(profile ? { profiles: { gpu: profile } } : {}) }, 'gpu', 'conf/qat.yaml');
  const ok = { pattern: 'model.0.conv', bits: 8 };
  assert.throws(bad([ok, { pattern: 'model.23.*', bits: 9 }]), /conf\/qat\.yaml: layers\[1\]\.bits: .*<=8.*got 9/);
  assert.throws(bad([{ pattern: 'model.0.conv', bits: 1 }]), /conf\/qat\.yaml: layers\[0\]\.bits: .*>=2.*got 1/);
  assert.throws(bad([{ pattern: 'x', bits: 4.5 }]), /layers\[0\]\.bits: .*got 4\.5/);
  assert.throws(bad([{ pattern: '', bits: 8 }]), /layers\[0\]\.pattern: .*got ""/);
  assert.throws(bad([{ pattern: 'x' }]), /layers\[0\]\.bits: .*key missing/);
  assert.throws(bad([{ pattern: 'x', bits: 8, width: 8 }]), /layers\[0\]\.width: unknown key \(known keys: pattern, bits\)/);
  assert.throws(bad([], { layers: [ok, { pattern: 'model.23.*', bits: 'eight' }] }), /conf\/qat\.yaml: profiles\.gpu\.layers\[1\]\.bits: .*"eight"/);
});

test('distillation is off by default; a profile turns it on; a bad distill key is refused naming it', () => {
  for (const profile of knownProfiles) assert.equal(loadSection('qat', profile).distill, null, profile);
  const on = { weight: 1, temperature: 10 };
  assert.deepEqual(resolveSection('qat', { ...qat, profiles: { gpu: { distill: on } } }, 'gpu', 'conf/qat.yaml').distill, on);
  assert.equal(resolveSection('qat', { ...qat, profiles: { gpu: { distill: on } } }, 'coco', 'conf/qat.yaml').distill, null);
  const bad = (distill: unknown) => () => resolveSection('qat', { ...qat, profiles: { gpu: { distill } } }, 'gpu', 'conf/qat.yaml');
  assert.throws(bad({ weight: 0, temperature: 10 }), /conf\/qat\.yaml: profiles\.gpu\.distill\.weight: .*>0.*got 0/);
  assert.throws(bad({ weight: 1, temperature: -2 }), /conf\/qat\.yaml: profiles\.gpu\.distill\.temperature: .*>0.*got -2/);
  assert.throws(bad({ weight: 1 }), /profiles\.gpu\.distill\.temperature: .*key missing/);
  assert.throws(bad({ weight: 1, temperature: 10, teacher: 'x.pt' }), /profiles\.gpu\.distill\.teacher: unknown key \(known keys: weight, temperature\)/);
  assert.throws(bad({ weight: '1', temperature: 10 }), /profiles\.gpu\.distill\.weight: .*expected number.*"1"/);
  assert.throws(() => resolveSection('qat', { ...qat, distill: true }, 'demo', 'conf/qat.yaml'), /conf\/qat\.yaml: distill: .*got true/);
});

test('BatchNorm re-estimation before export is off by default; a bad count is refused naming the key', () => {
  for (const profile of knownProfiles) assert.equal(loadSection('export', profile).bnReestimation, null, profile);
  const exp = { opset: 18, bnReestimation: null };
  assert.deepEqual(resolveSection('export', { ...exp, bnReestimation: { images: 256 } }, 'demo', 'conf/export.yaml').bnReestimation, { images: 256 });
  assert.throws(() => resolveSection('export', { ...exp, bnReestimation: { images: 0 } }, 'demo', 'conf/export.yaml'), /conf\/export\.yaml: bnReestimation\.images: .*got 0/);
  assert.throws(() => resolveSection('export', { ...exp, bnReestimation: { images: 8, batch: 4 } }, 'demo', 'conf/export.yaml'), /bnReestimation\.batch: unknown key \(known keys: images\)/);
});

test('the QAT fine-tune (conf/finetune.yaml): a few epochs at a scaled-down lr0 per profile, one epoch on demo and ci', () => {
  assert.deepEqual(loadSection('finetune', 'coco'), { epochs: 50, lrScale: 0.1 });
  assert.deepEqual(loadSection('finetune', 'gpu'), { epochs: 3, lrScale: 0.1 }, 'a profile overriding epochs keeps the base lrScale');
  for (const profile of ['demo', 'ci'] as const) assert.equal(loadSection('finetune', profile).epochs, 1, profile);
  for (const profile of knownProfiles) assert.ok(loadSection('finetune', profile).epochs < loadSection('train', profile).epochs, `${profile}: fewer epochs than training from scratch`);
  assert.ok(!('fineTune' in loadSection('qat', 'coco')), 'not in qat.yaml, which the from-scratch train-qat hashes');
});

test('a bad finetune key is refused naming it, as written in the file', () => {
  const schedule = { epochs: 5, lrScale: 0.1 };
  const bad = (base: unknown, profile?: Record<string, unknown>) => () =>
    resolveSection('finetune', { ...(base as object), ...(profile ? { profiles: { gpu: profile } } : {}) }, 'gpu', 'conf/finetune.yaml');
  assert.throws(bad({ epochs: 0, lrScale: 0.1 }), /conf\/finetune\.yaml: epochs: .*>=1.*got 0/);
  assert.throws(bad({ epochs: 2.5, lrScale: 0.1 }), /conf\/finetune\.yaml: epochs: .*got 2\.5/);
  assert.throws(bad({ epochs: 5, lrScale: 0 }), /conf\/finetune\.yaml: lrScale: .*>0.*got 0/);
  assert.throws(bad({ epochs: 5, lrScale: 2 }), /conf\/finetune\.yaml: lrScale: .*<=1.*got 2/);
  assert.throws(bad({ epochs: 5 }), /conf\/finetune\.yaml: lrScale: .*key missing/);
  assert.throws(bad({ ...schedule, warmup: 1 }), /conf\/finetune\.yaml: warmup: unknown key \(known keys: epochs, lrScale\)/);
  assert.throws(bad(schedule, { lrScale: 'small' }), /conf\/finetune\.yaml: profiles\.gpu\.lrScale: .*"small"/);
});

test('mergeProfile merges objects and replaces arrays and leaves', () => {
  assert.deepEqual(mergeProfile({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: 3 }, l: [9] }), { a: { b: 1, c: 3 }, l: [9] });
});

test('synthetic sizes that contradict each other name the file and the key path as written', () => {
  const dataset = { source: 'synthetic', cocoRoot: null, synthetic: { seed: 0, trainImages: 4, valImages: 2, minSide: 128, maxSide: 160 } };
  assert.throws(
    () => resolveSection('dataset', { ...dataset, profiles: { ci: { synthetic: { minSide: 500 } } } }, 'ci', 'conf/dataset.yaml'),
    (e: Error) => e.message === 'conf/dataset.yaml: profiles.ci.synthetic.minSide: expected at most synthetic.maxSide, got 500',
  );
  assert.ok(resolveSection('dataset', dataset, 'ci', 'conf/dataset.yaml'));
});

test('letterbox workers with several eval sessions contradict each other: the file and the key path as written', () => {
  const evalConf = loadSection('eval', null);
  assert.deepEqual([evalConf.prefetch, evalConf.letterboxWorkers], [4, 0], 'the defaults: 4 images decoded ahead, letterboxing on the inferring thread');
  assert.throws(
    () => resolveSection('eval', { ...evalConf, profiles: { ci: { letterboxWorkers: 2, sessions: 3 } } }, 'ci', 'conf/eval.yaml'),
    (e: Error) => /^conf\/eval\.yaml: profiles\.ci\.letterboxWorkers: letterbox workers serve a single session .*, got 2$/.test(e.message),
  );
  for (const sessions of [1, 'auto']) assert.ok(resolveSection('eval', { ...evalConf, letterboxWorkers: 2, sessions }, null, 'conf/eval.yaml'));
});

test('the W8A8 calibration settings: 256 images by default, a small set for demo and ci; a bad method or count names file and key', () => {
  assert.deepEqual(loadSection('ptq', 'coco'), { calibrationImages: 256, calibrationMethod: 'minmax' });
  assert.equal(loadSection('ptq', 'gpu').calibrationImages, 256);
  assert.ok(loadSection('ptq', 'demo').calibrationImages < 256 && loadSection('ptq', 'ci').calibrationImages < loadSection('ptq', 'demo').calibrationImages);
  const ptq = { calibrationImages: 256, calibrationMethod: 'minmax' };
  assert.throws(() => resolveSection('ptq', { ...ptq, calibrationMethod: 'max' }, 'demo', 'conf/ptq.yaml'), /conf\/ptq\.yaml: calibrationMethod: .*minmax.*entropy.*percentile/);
  assert.throws(() => resolveSection('ptq', { ...ptq, profiles: { ci: { calibrationImages: 0 } } }, 'ci', 'conf/ptq.yaml'), /conf\/ptq\.yaml: profiles\.ci\.calibrationImages: .*0/);
});

test('the gpu and coco profiles train on `cuda` (no CUDA GPU: fail, never the CPU); demo and ci pick what the machine has', () => {
  for (const profile of ['gpu', 'coco'] as const) {
    assert.equal(loadSection('resources', profile).device, 'cuda', profile);
    assert.deepEqual(keyLocation('resources', profile, 'device'), { file: 'conf/resources.yaml', keyPath: `profiles.${profile}.device` });
  }
  for (const profile of ['demo', 'ci'] as const) {
    assert.equal(loadSection('resources', profile).device, 'auto', profile);
    assert.deepEqual(keyLocation('resources', profile, 'device'), { file: 'conf/resources.yaml', keyPath: 'device' });
  }
});

test('`device: cpu` under a profile is honoured and located there; devices outside the pattern name file and key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conf-'));
  const resources = 'device: auto\nfp16Device: null\nqatDevice: null\nworkers: 8\ncudaGraphs: true\n';
  writeFileSync(join(dir, 'resources.yaml'), `${resources}profiles:\n  gpu:\n    device: cpu\n`);
  assert.equal(loadSection('resources', 'gpu', dir).device, 'cpu');
  assert.equal(keyLocation('resources', 'gpu', 'device', dir).keyPath, 'profiles.gpu.device');
  const base = { device: 'auto', fp16Device: null, qatDevice: null, workers: 8, cudaGraphs: true };
  assert.equal(resolveSection('resources', { ...base, device: 'cuda' }, 'demo', 'conf/resources.yaml').device, 'cuda');
  for (const device of ['cuda:0', 'gpu', 'CUDA', '0;1']) {
    assert.throws(
      () => resolveSection('resources', { ...base, profiles: { gpu: { device } } }, 'gpu', 'conf/resources.yaml'),
      /conf\/resources\.yaml: profiles\.gpu\.device: expected "auto", "cuda", "cpu"/,
      device,
    );
  }
});

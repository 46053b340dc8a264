/**
 * Benchmark: the TypeScript evaluator (libs/eval) against a plain Python reference (onnxruntime + cv2 letterbox +
 * pycocotools, reference_eval.py) on the same ONNX files and images, CPU execution provider for both.
 *
 *   npx tsx tools/bench/eval/bench.ts [--images 48] [--imgsz 640] [--models yolov10n,yolov10m] [--onnx a.onnx,b.onnx]
 *       [--rounds 3] [--variant '--batch 8' --variant '--workers 1' ...] [--latency-runs 20] [--compare DIR] [--keep]
 *       [--reference-threads N]
 *
 * Without --onnx it exports randomly initialised models with the project's own exporter (export_project_models.py:
 * end-to-end head, dynamic batch, the float file and the W4A16 QCDQ file) into a temp folder (nothing downloaded).
 * Each round runs, per model, the TypeScript evaluator (defaults, then each --variant) and the Python reference one
 * after another, so that load from other work on the machine falls on all of them alike; --compare DIR adds, in each
 * round, the evaluator of another checkout of this workspace (for example an earlier commit, `git archive`d) with its
 * defaults, to measure a change side by side; --reference-threads gives the reference that many intra-op threads
 * (default: onnxruntime's choice), since onnxruntime's outputs can depend on the thread count; figures are per round and
 * the median. Both evaluators letterbox predictor-style here (the reference's cv2 letterbox). Images are generated JPEGs. So that the scores being compared are not
 * all zero, the ground truth is made from the first model's own confident detections, jittered by a few percent:
 * the mAP is then meaningless as a model quality, but far from 0, and both evaluators must agree on it exactly.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import sharp from 'sharp';
import { runMain, UserError } from '../../../libs/core/src/errors.ts';
import { defaultProfile, loadSection } from '../../../libs/core/src/config/load.ts';
import { pythonPackageRoot } from '../../../libs/core/src/python.ts';
import { projectPython as python } from '../../../libs/core/src/python-env.ts';
import type { LatencyStats } from '../../../libs/core/src/schemas/eval.ts';
import { workspaceRoot } from '../../../libs/core/src/workspace.ts';
import { syntheticRgb } from '../../../libs/core/src/images/testing/fixture-images.ts';
import { settingsWith } from '../../../libs/eval/src/defaults.ts';
import { evaluateOnnx } from '../../../libs/eval/src/evaluate-onnx.ts';

const here = join(workspaceRoot, 'tools', 'bench', 'eval');
/** COCO's 80 category ids (1..90 without the 10 unused ones). */
const COCO_IDS = Array.from({ length: 90 }, (_, i) => i + 1).filter((id) => ![12, 26, 29, 30, 45, 66, 68, 69, 71, 83].includes(id));
const SIZES = [[640, 480], [480, 640], [500, 375], [640, 427], [612, 612], [640, 360]] as const;

interface RunFigures {
  wallSeconds: number;
  stats: number[];
  detections: number;
  throughput: { images: number; seconds: number; imagesPerSecond: number; stageSeconds: Record<string, number> };
  latencyMs: LatencyStats | null;
  latencyQdqFoldedMs?: LatencyStats | null;
}

async function makeDataset(root: string, count: number): Promise<void> {
  await mkdir(join(root, 'val2017'), { recursive: true });
  await mkdir(join(root, 'annotations'), { recursive: true });
  let seed = 7;
  const rand = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const images = [];
  const annotations = [];
  for (let id = 1; id <= count; id++) {
    const [width, height] = SIZES[id % SIZES.length]!;
    const fileName = `${String(id).padStart(12, '0')}.jpg`;
    await sharp(syntheticRgb(width, height, id), { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toFile(join(root, 'val2017', fileName));
    images.push({ id, file_name: fileName, width, height });
    for (let k = 0; k < 6; k++) {
      const w = 8 + rand() * width * 0.5;
      const h = 8 + rand() * height * 0.5;
      const bbox = [rand() * (width - w), rand() * (height - h), w, h];
      annotations.push({ id: annotations.length + 1, image_id: id, category_id: COCO_IDS[Math.floor(rand() * 80)]!, bbox, area: w * h, iscrowd: 0 });
    }
  }
  const categories = COCO_IDS.map((id) => ({ id, name: `class${id}` }));
  await writeFile(join(root, 'annotations', 'instances_val2017.json'), JSON.stringify({ images, annotations, categories }));
}

/** Replaces the ground truth with the model's detections scoring >= 0.05 (at most 8 per image), jittered by up to 5%. */
async function groundTruthFromModel(root: string, model: string, imgsz: number): Promise<number> {
  const annotationsPath = join(root, 'annotations', 'instances_val2017.json');
  const { results } = await evaluateOnnx({ onnxPath: model, dataRoot: root, settings: settingsWith({ imgsz, letterbox: 'predict', skipLatency: true }), log: () => undefined });
  const instances = JSON.parse(await readFile(annotationsPath, 'utf8')) as { annotations: unknown[] };
  let seed = 11;
  const jitter = (): number => 1 + 0.1 * (((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5);
  const perImage = new Map<number, number>();
  const chosen = results.filter((r) => {
    const n = perImage.get(r.image_id) ?? 0;
    if (r.score < 0.05 || n >= 8) return false;
    perImage.set(r.image_id, n + 1);
    return true;
  });
  instances.annotations = chosen.map((r, i) => {
    const [x, y, w, h] = r.bbox as [number, number, number, number];
    const bbox = [x + w * (jitter() - 1), y + h * (jitter() - 1), w * jitter(), h * jitter()];
    return { id: i + 1, image_id: r.image_id, category_id: r.category_id, bbox, area: bbox[2]! * bbox[3]!, iscrowd: 0 };
  });
  await writeFile(annotationsPath, JSON.stringify(instances));
  return instances.annotations.length;
}

async function timed(file: string, args: string[], outPath: string): Promise<RunFigures> {
  const t0 = performance.now();
  const result = await execa(file, args, { reject: false, cwd: workspaceRoot, env: { YOLO_OFFLINE: 'true' } });
  const wallSeconds = (performance.now() - t0) / 1000;
  if (result.exitCode !== 0) throw new Error(`${file} ${args.join(' ')} failed (exit ${result.exitCode}):\n${result.stderr}`);
  const m = JSON.parse(await readFile(outPath, 'utf8')) as Omit<RunFigures, 'wallSeconds'>;
  return { wallSeconds, stats: m.stats, detections: m.detections, throughput: m.throughput, latencyMs: m.latencyMs, latencyQdqFoldedMs: m.latencyQdqFoldedMs ?? null };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const STAGES = ['decode', 'decodeWait', 'letterbox', 'inference', 'decodeOutput', 'metric'] as const;

function stageLine(runs: RunFigures[]): string {
  const images = runs[0]!.throughput.images;
  return STAGES.filter((k) => runs[0]!.throughput.stageSeconds[k] !== undefined)
    .map((k) => `${k} ${median(runs.map((r) => (k === 'metric' ? 1000 * r.throughput.stageSeconds[k]! : (1000 * r.throughput.stageSeconds[k]!) / images))).toFixed(2)}${k === 'metric' ? ' ms total' : ''}`)
    .join(', ');
}

const latencyText = (l: LatencyStats | null | undefined): string => (l ? `${l.mean.toFixed(2)} / ${l.p50.toFixed(2)} / ${l.p99.toFixed(2)}` : '-');

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        images: { type: 'string', default: '48' },
        imgsz: { type: 'string', default: '640' },
        models: { type: 'string', default: 'yolov10n' },
        onnx: { type: 'string' },
        rounds: { type: 'string', default: '3' },
        variant: { type: 'string', multiple: true, default: [] },
        'latency-runs': { type: 'string', default: '20' },
        compare: { type: 'string' },
        keep: { type: 'boolean', default: false },
        'reference-threads': { type: 'string', default: '0' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UserError((error as Error).message, 'command line');
  }
  const count = Number(values.images);
  const imgsz = values.imgsz;
  const rounds = Number(values.rounds);
  const dir = await mkdtemp(join(tmpdir(), 'eval-bench-'));
  try {
    const dataRoot = join(dir, 'coco');
    await makeDataset(dataRoot, count);
    let models: string[];
    if (values.onnx) {
      models = values.onnx.split(',');
    } else {
      const names = values.models.split(',');
      const opset = String(loadSection('export', defaultProfile).opset);
      const exported = await execa(python, [join(here, 'export_project_models.py'), dir, imgsz, opset, ...names], {
        env: { YOLO_OFFLINE: 'true', PYTHONPATH: pythonPackageRoot, YOLO_CONFIG_DIR: join(dir, 'yolo-config') },
        reject: false,
      });
      if (exported.exitCode !== 0) throw new Error(`export failed:\n${exported.stderr}`);
      models = names.flatMap((n) => [join(dir, n, 'fp16.onnx'), join(dir, n, 'qcdq.onnx')]);
    }

    const gtCount = await groundTruthFromModel(dataRoot, models[0]!, Number(imgsz));
    const common = ['--imgsz', imgsz, '--warmup-runs', '5', '--latency-runs', values['latency-runs']];
    const variants = [
      { label: 'defaults', root: workspaceRoot, args: [] as string[] },
      ...values.variant.map((v) => ({ label: v, root: workspaceRoot, args: v.split(' ').filter((x) => x !== '') })),
      ...(values.compare ? [{ label: `defaults of ${values.compare}`, root: values.compare, args: [] as string[] }] : []),
    ];
    type Key = string;
    const figures = new Map<Key, RunFigures[]>();
    const record = (key: Key, r: RunFigures): void => void figures.set(key, [...(figures.get(key) ?? []), r]);
    for (let round = 1; round <= rounds; round++) {
      for (const model of models) {
        for (const v of variants) {
          const out = join(dir, 'ts.metrics.json');
          const cli = ['--import', 'tsx', join(v.root, 'libs/eval/src/cli.ts'), '--onnx-path', model, '--data-root', dataRoot, '--out', out, '--letterbox', 'predict', ...common, ...v.args];
          record(`${model}\0typescript ${v.label}`, await timed('node', cli, out));
        }
        const pyOut = join(dir, 'py.metrics.json');
        record(`${model}\0python reference`, await timed(python, [join(here, 'reference_eval.py'), '--onnx', model, '--data-root', dataRoot, '--out', pyOut, '--intra-op-threads', values['reference-threads'], ...common], pyOut));
        process.stderr.write(`round ${round}/${rounds}: ${model.replace(dir, '$TMP')} done\n`);
      }
    }

    const rows: string[] = [];
    for (const model of models) {
      const py = figures.get(`${model}\0python reference`)!;
      const pyRate = median(py.map((r) => r.throughput.imagesPerSecond));
      for (const name of [...variants.map((v) => `typescript ${v.label}`), 'python reference']) {
        const runs = figures.get(`${model}\0${name}`)!;
        const rates = runs.map((r) => r.throughput.imagesPerSecond);
        const maxStatDiff = Math.max(...runs.flatMap((r) => r.stats.map((v, i) => Math.abs(v - py[0]!.stats[i]!))));
        rows.push(
          [
            model.replace(dir, '$TMP'),
            name,
            rates.map((x) => x.toFixed(2)).join(' '),
            median(rates).toFixed(2),
            (median(rates) / pyRate).toFixed(2),
            median(runs.map((r) => r.wallSeconds)).toFixed(2),
            latencyText(runs.at(-1)!.latencyMs),
            latencyText(runs.at(-1)!.latencyQdqFoldedMs),
            maxStatDiff === 0 ? 'identical' : `max |diff| ${maxStatDiff}`,
            String(runs[0]!.detections),
          ].join(' | '),
        );
        rows.push(`    ms per image (median over rounds): ${stageLine(runs)}`);
      }
    }

    const cpu = cpus();
    process.stdout.write(
      [
        `command: npx tsx tools/bench/eval/bench.ts ${process.argv.slice(2).map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`.trim(),
        `date: ${new Date().toISOString()}`,
        `machine: ${cpu[0]?.model ?? 'unknown CPU'} x ${cpu.length} logical cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.versions.node}, load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
        `data: ${count} generated JPEGs (${SIZES.map(([w, h]) => `${w}x${h}`).join(', ')}), ${gtCount} ground-truth boxes taken from the first model's detections; ` +
          `imgsz ${imgsz}, CPU execution provider, ${values['latency-runs']} latency runs after 5 warm-up; ${rounds} interleaved rounds; reference intra-op threads ${values['reference-threads'] === '0' ? "onnxruntime's choice" : values['reference-threads']}`,
        '',
        `model | evaluator | pipeline images/s per round | median | / python | process wall s (median) | latency ms mean / p50 / p99 (as stored) | latency, weight Q/DQ folded | 12 stats vs python | detections`,
        ...rows,
        '',
      ].join('\n'),
    );
  } finally {
    if (values.keep) process.stderr.write(`kept ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
}

runMain(main);

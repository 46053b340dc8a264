/**
 * Benchmark: the TypeScript evaluator (libs/eval) against a plain Python reference (onnxruntime + cv2 letterbox +
 * pycocotools, reference_eval.py) on the same ONNX files and images, CPU execution provider for both.
 *
 *   npx tsx tools/bench/eval/bench.ts [--images 48] [--imgsz 320] [--onnx a.onnx,b.onnx] [--latency-runs 50] [--keep]
 *
 * Without --onnx it exports a randomly initialised YOLOv10n (raw head and end-to-end) with Ultralytics into a temp
 * folder (YOLO_OFFLINE, nothing downloaded). Images are generated JPEGs. So that the scores being compared are not
 * all zero, the ground truth is made from the first model's own confident detections, jittered by a few percent:
 * the mAP is then meaningless as a model quality, but far from 0, and both evaluators must agree on it exactly.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import sharp from 'sharp';
import { runMain, UserError } from '../../../libs/core/src/errors.ts';
import { projectPython as python } from '../../../libs/core/src/python-env.ts';
import { workspaceRoot } from '../../../libs/core/src/workspace.ts';
import { syntheticRgb } from '../../../libs/eval/src/parity/fixture-images.ts';
import { evaluateOnnx } from '../../../libs/eval/src/evaluate-onnx.ts';

const here = join(workspaceRoot, 'tools', 'bench', 'eval');
/** COCO's 80 category ids (1..90 without the 10 unused ones). */
const COCO_IDS = Array.from({ length: 90 }, (_, i) => i + 1).filter((id) => ![12, 26, 29, 30, 45, 66, 68, 69, 71, 83].includes(id));
const SIZES = [[640, 480], [480, 640], [500, 375], [640, 427], [612, 612], [640, 360]] as const;

interface RunFigures {
  wallSeconds: number;
  stats: number[];
  detections: number;
  throughput: { images: number; seconds: number; imagesPerSecond: number };
  latencyMs: { mean: number; p50: number; p90: number; p99: number; runs: number } | null;
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
  const { results } = await evaluateOnnx({ onnxPath: model, dataRoot: root, imgsz, skipLatency: true, log: () => undefined });
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
  return { wallSeconds, stats: m.stats, detections: m.detections, throughput: m.throughput, latencyMs: m.latencyMs };
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        images: { type: 'string', default: '48' },
        imgsz: { type: 'string', default: '320' },
        onnx: { type: 'string' },
        'latency-runs': { type: 'string', default: '50' },
        keep: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UserError((error as Error).message, 'command line');
  }
  const count = Number(values.images);
  const imgsz = values.imgsz;
  const dir = await mkdtemp(join(tmpdir(), 'eval-bench-'));
  try {
    const dataRoot = join(dir, 'coco');
    await makeDataset(dataRoot, count);
    let models: string[];
    if (values.onnx) {
      models = values.onnx.split(',');
    } else {
      const exported = await execa(python, [join(here, 'export_random_yolov10n.py'), dir, imgsz], { env: { YOLO_OFFLINE: 'true' }, reject: false });
      if (exported.exitCode !== 0) throw new Error(`export failed:\n${exported.stderr}`);
      models = [join(dir, 'raw', 'yolov10n.onnx'), join(dir, 'e2e', 'yolov10n.onnx')];
    }

    const gtCount = await groundTruthFromModel(dataRoot, models[models.length - 1]!, Number(imgsz));
    const common = ['--imgsz', imgsz, '--warmup-runs', '10', '--latency-runs', values['latency-runs']];
    const rows: string[] = [];
    for (const model of models) {
      const tsOut = join(dir, 'ts.metrics.json');
      const pyOut = join(dir, 'py.metrics.json');
      const ts = await timed('node', ['--import', 'tsx', join(workspaceRoot, 'libs/eval/src/cli.ts'), '--onnx-path', model, '--data-root', dataRoot, '--out', tsOut, ...common], tsOut);
      const py = await timed(python, [join(here, 'reference_eval.py'), '--onnx', model, '--data-root', dataRoot, '--out', pyOut, ...common], pyOut);
      const maxStatDiff = Math.max(...ts.stats.map((v, i) => Math.abs(v - py.stats[i]!)));
      for (const [name, r] of [['typescript (libs/eval)', ts], ['python reference', py]] as const) {
        rows.push(
          [
            model.replace(dir, '$TMP'),
            name,
            r.throughput.imagesPerSecond.toFixed(2),
            r.throughput.seconds.toFixed(2),
            r.wallSeconds.toFixed(2),
            r.latencyMs ? `${r.latencyMs.mean.toFixed(2)} / ${r.latencyMs.p50.toFixed(2)} / ${r.latencyMs.p90.toFixed(2)} / ${r.latencyMs.p99.toFixed(2)}` : '-',
            String(r.detections),
            `${r.stats[0]!.toFixed(6)} / ${r.stats[1]!.toFixed(6)}`,
          ].join(' | '),
        );
      }
      rows.push(`  stats identical: ${maxStatDiff === 0 ? 'yes' : `no (max |diff| ${maxStatDiff})`}; detections ${ts.detections} vs ${py.detections}`);
    }

    const cpu = cpus();
    process.stdout.write(
      [
        `command: npx tsx tools/bench/eval/bench.ts ${process.argv.slice(2).join(' ')}`.trim(),
        `date: ${new Date().toISOString()}`,
        `machine: ${cpu[0]?.model ?? 'unknown CPU'} x ${cpu.length} logical cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.versions.node}`,
        `data: ${count} generated JPEGs (${SIZES.map(([w, h]) => `${w}x${h}`).join(', ')}), ${gtCount} ground-truth boxes taken from the last model's detections; ` +
          `imgsz ${imgsz}, CPU execution provider, ${values['latency-runs']} latency runs after 10 warm-up`,
        '',
        `model | evaluator | pipeline images/s | pipeline s | total wall s (process) | latency ms mean / p50 / p90 / p99 | detections | mAP50-95 / mAP50`,
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

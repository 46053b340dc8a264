/**
 * Benchmark of the evaluator's per-image preprocessing alone: decode (sharp) and letterbox (the bit-exact cv2
 * INTER_LINEAR resize + padding into the planar float tensor), per image size and letterbox style, against cv2's
 * imread + the reference letterbox (reference_eval.py's, via letterbox_reference.py) on the same JPEGs.
 *
 *   npx tsx tools/bench/eval/letterbox-bench.ts [--imgsz 640] [--rounds 5] [--reps 20]
 *
 * Each round times every size in TypeScript and then in Python (interleaved), `reps` repetitions each; the figures are
 * the median over rounds of the per-round mean, with the spread (min-max over rounds).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import sharp from 'sharp';
import { runMain, UserError } from '../../../libs/core/src/errors.ts';
import { projectPython as python } from '../../../libs/core/src/python-env.ts';
import { workspaceRoot } from '../../../libs/core/src/workspace.ts';
import { decodeImageRgb } from '../../../libs/core/src/images/decode-image.ts';
import { letterbox, type LetterboxStyle } from '../../../libs/core/src/images/letterbox.ts';
import { syntheticRgb } from '../../../libs/core/src/images/testing/fixture-images.ts';

/** The sizes the end-to-end benchmark (bench.ts) generates, and a large one. */
const SIZES = [[640, 480], [480, 640], [500, 375], [640, 427], [612, 612], [640, 360], [1024, 768]] as const;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function timeTs(path: string, imgsz: number, style: LetterboxStyle, reps: number, out: Float32Array): Promise<{ decode: number; letterbox: number }> {
  let decode = 0;
  let box = 0;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const image = await decodeImageRgb(path);
    const t1 = performance.now();
    letterbox(image, imgsz, style, out);
    decode += t1 - t0;
    box += performance.now() - t1;
  }
  return { decode: decode / reps, letterbox: box / reps };
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { imgsz: { type: 'string', default: '640' }, rounds: { type: 'string', default: '5' }, reps: { type: 'string', default: '20' } },
      strict: true,
    }));
  } catch (error) {
    throw new UserError((error as Error).message, 'command line');
  }
  const imgsz = Number(values.imgsz);
  const rounds = Number(values.rounds);
  const reps = Number(values.reps);
  const dir = await mkdtemp(join(tmpdir(), 'letterbox-bench-'));
  try {
    const paths: string[] = [];
    for (const [i, [w, h]] of SIZES.entries()) {
      const path = join(dir, `${w}x${h}.jpg`);
      await writeFile(path, await sharp(syntheticRgb(w, h, i + 1), { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toBuffer());
      paths.push(path);
    }
    const out = new Float32Array(3 * imgsz * imgsz);
    const rows = new Map<string, { decode: number[]; letterbox: number[] }>();
    const add = (key: string, d: number, l: number): void => {
      const r = rows.get(key) ?? { decode: [], letterbox: [] };
      r.decode.push(d);
      r.letterbox.push(l);
      rows.set(key, r);
    };
    for (let round = 0; round < rounds; round++) {
      for (const [i, path] of paths.entries()) {
        for (const style of ['predict', 'val'] as const) {
          const t = await timeTs(path, imgsz, style, reps, out);
          add(`${SIZES[i]!.join('x')}\0TypeScript ${style}`, t.decode, t.letterbox);
        }
      }
      const py = await execa(python, [join(workspaceRoot, 'tools/bench/eval/letterbox_reference.py'), String(imgsz), String(reps), ...paths], { reject: false });
      if (py.exitCode !== 0) throw new Error(`letterbox_reference.py failed (exit ${py.exitCode}):\n${py.stderr}`);
      for (const [i, r] of (JSON.parse(py.stdout) as { decode: number; letterbox: number }[]).entries()) {
        add(`${SIZES[i]!.join('x')}\0Python cv2 predict`, r.decode, r.letterbox);
      }
    }
    const fmt = (xs: number[]): string => `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})`;
    const cpu = cpus();
    const lines = [
      `command: npx tsx tools/bench/eval/letterbox-bench.ts ${process.argv.slice(2).join(' ')}`.trim(),
      `date: ${new Date().toISOString()}`,
      `machine: ${cpu[0]?.model ?? 'unknown CPU'} x ${cpu.length} logical cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.versions.node}, load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
      `imgsz ${imgsz}, ${rounds} interleaved rounds of ${reps} repetitions; ms per image, median over rounds (min-max)`,
      '',
      'image | pipeline | decode ms | letterbox ms',
      ...[...rows.entries()].map(([key, r]) => `${key.replace('\0', ' | ')} | ${fmt(r.decode)} | ${fmt(r.letterbox)}`),
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

runMain(main);

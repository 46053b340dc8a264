/**
 * Builds a self-contained YOLO dataset of the synthetic shapes for the GPU benchmarks: real image files (no
 * links: the device machine receives a copy of the working tree, and links would point back here).
 *
 *   npx tsx tools/bench/gpu/prepare-data.ts <out-dir> [--train 700] [--val 100] [--seed 7]
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { convertCocoToYolo, generateSyntheticCoco } from '../../../libs/dataset/src/index.ts';
import { mapHyps } from '../../../libs/hyps/src/mapping.ts';
import { hypSourceFile } from '../../../libs/core/src/config/load.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { train: { type: 'string', default: '700' }, val: { type: 'string', default: '100' }, seed: { type: 'string', default: '7' } },
});
const out = resolve(positionals[0] ?? '.gpu-data');
const scratch = await mkdtemp(join(tmpdir(), 'gpu-data-'));
try {
  const coco = join(scratch, 'coco');
  await generateSyntheticCoco({ root: coco, trainImages: Number(values.train), valImages: Number(values.val), seed: Number(values.seed), minSide: 256, maxSide: 480 });
  const yolo = join(scratch, 'yolo');
  await convertCocoToYolo({ cocoRoot: coco, outDir: yolo, datasetPath: out });
  await rm(out, { recursive: true, force: true });
  await cp(yolo, out, { recursive: true, dereference: true });
  // The hyps stage's mapping of conf/hyp.scratch.yaml, so the benchmark trains with the experiment's recipe.
  const hyps = mapHyps(parse(await readFile(hypSourceFile, 'utf8')) as Record<string, unknown>).args;
  await writeFile(join(out, 'hyps.json'), `${JSON.stringify(hyps, null, 2)}\n`);
  process.stdout.write(`GPU benchmark dataset: ${out}\n`);
} finally {
  await rm(scratch, { recursive: true, force: true });
}

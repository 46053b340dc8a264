/**
 * Benchmarks the TypeScript COCO bbox evaluator against pycocotools and faster-coco-eval on one
 * val2017-scale synthetic case, checks that the stats agree, and prints a Markdown report.
 * usage: npx tsx tools/bench/cocoeval/bench.ts   (PROJECT_PYTHON overrides the workspace venv's Python)
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { runMain, UserError } from '../../../libs/core/src/errors.ts';
import { workspaceRoot } from '../../../libs/core/src/workspace.ts';
import { cocoStatKeys, cocoStatLabel } from '../../../libs/core/src/vocabulary.ts';
import { projectPython } from '../../../libs/core/src/python-env.ts';
import { runReference, type ReferenceEngine } from '../../../libs/eval/testing/coco/reference.ts';
import { VAL2017_LIKE, writeVal2017Like } from './val2017-like.ts';

interface Measured {
  readonly name: string;
  readonly stats: readonly number[];
  readonly loadSeconds: number;
  readonly evalSeconds: number;
  readonly processSeconds: number;
  readonly peakRssKb: number;
  readonly cpuSeconds: number;
}

const runOurs = fileURLToPath(new URL('./run-ours.ts', import.meta.url));

runMain(async () => {
  const loadAtStart = os.loadavg()[0]!;
  const dir = await mkdtemp(join(os.tmpdir(), 'cocoeval-bench-'));
  try {
    const instances = join(dir, 'instances.json');
    const results = join(dir, 'results.json');
    const generated = await writeVal2017Like(instances, results);

    const ours = await measureOurs(instances, results, dir);
    const pycocotools = await measureReference('pycocotools', instances, results, dir);
    const faster = await measureReference('faster-coco-eval', instances, results, dir);

    const oursDiff = maxAbsDiff(ours.stats, pycocotools.stats);
    const fasterDiff = maxAbsDiff(faster.stats, pycocotools.stats);
    const sizes = `${mib((await stat(instances)).size)} + ${mib((await stat(results)).size)} MiB of JSON`;
    const cpus = os.cpus();
    const versions = await pythonVersions();

    const lines = [
      `## COCO bbox evaluation benchmark (val2017 scale)`,
      ``,
      `- command: \`npx tsx tools/bench/cocoeval/bench.ts\``,
      `- date: ${new Date().toISOString()}`,
      `- machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}; ` +
        `1-minute load average ${loadAtStart.toFixed(1)} at start, ${os.loadavg()[0]!.toFixed(1)} at end (timings stretch when other work shares the cores)`,
      `- software: node ${process.version}; ${versions}`,
      `- case: ${VAL2017_LIKE.images.toLocaleString('en-US')} images, ${generated.groundTruth.toLocaleString('en-US')} GT boxes (${generated.crowd} crowd), ` +
        `${generated.detections.toLocaleString('en-US')} detections (${VAL2017_LIKE.detectionsPerImage} per image), seed ${VAL2017_LIKE.seed}; ${sizes}`,
      ``,
      `| implementation | load + check (s) | evaluate + accumulate + summarize (s) | process wall (s) | process CPU (s) | peak RSS (MiB) | max abs stat diff vs pycocotools |`,
      `| --- | ---: | ---: | ---: | ---: | ---: | ---: |`,
      ...[ours, pycocotools, faster].map(
        (m) =>
          `| ${m.name} | ${m.loadSeconds.toFixed(2)} | ${m.evalSeconds.toFixed(2)} | ${m.processSeconds.toFixed(2)} | ${m.cpuSeconds.toFixed(2)} | ${(m.peakRssKb / 1024).toFixed(0)} | ` +
          `${m === pycocotools ? '(reference)' : formatDiff(maxAbsDiff(m.stats, pycocotools.stats))} |`,
      ),
      ``,
      `Stats (pycocotools order): ${cocoStatKeys.map((key, i) => `${cocoStatLabel(key)} ${pycocotools.stats[i]!.toFixed(4)}`).join(', ')}`,
      ``,
      `"process wall" includes interpreter start-up and imports; "process CPU" is user + system time of that process ` +
        `(interpreter start-up and imports included); peak RSS is each process's own maximum resident set.`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);

    if (oursDiff !== 0) throw new UserError(`the TypeScript stats differ from pycocotools by up to ${oursDiff}`, 'bench');
    if (fasterDiff > 1e-3) process.stderr.write(`warning: faster-coco-eval differs from pycocotools by ${fasterDiff}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

async function measureOurs(instances: string, results: string, dir: string): Promise<Measured> {
  const output = join(dir, 'ours.json');
  const started = performance.now();
  await execa(process.execPath, ['--import', 'tsx', runOurs, instances, results, output], { cwd: workspaceRoot, stdio: 'inherit' });
  const processSeconds = (performance.now() - started) / 1000;
  const report = JSON.parse(await readFile(output, 'utf8')) as Omit<Measured, 'name' | 'processSeconds'>;
  return { ...report, name: 'this TypeScript evaluator', processSeconds };
}

async function measureReference(engine: ReferenceEngine, instances: string, results: string, dir: string): Promise<Measured> {
  const started = performance.now();
  const [report] = await runReference(engine, [{ instances, results }], dir);
  const processSeconds = (performance.now() - started) / 1000;
  const name = engine === 'pycocotools' ? 'pycocotools COCOeval' : 'faster-coco-eval COCOeval_faster';
  return { ...report!, name: `${name} ${report!.versions[engine] ?? ''}`.trim(), processSeconds };
}

async function pythonVersions(): Promise<string> {
  const probe = await execa(projectPython, ['-c', 'import platform, numpy; print(f"Python {platform.python_version()}, numpy {numpy.__version__}")']);
  return probe.stdout.trim();
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
}

function formatDiff(diff: number): string {
  return diff === 0 ? '0 (bit-identical)' : diff.toExponential(2);
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}

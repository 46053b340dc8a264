/**
 * Benchmark: onnxruntime-node session settings for the evaluator, side by side on one ONNX file: intra-op threads,
 * graph optimisation level, execution mode, thread spinning, and (for a QCDQ file) weight Q/DQ folded at load time. Each round opens
 * every configuration once and times batch-1 session.run on the same input, configurations interleaved, so load from
 * other work falls on all of them alike; per-round means and their median are printed.
 *
 *   npx tsx tools/bench/eval/session-options.ts <model.onnx> [--imgsz 640] [--rounds 3] [--runs 20]
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { runMain, UserError } from '../../../libs/core/src/errors.ts';
import { sessionCreateOptions, type SessionOptions } from '../../../libs/eval/src/session.ts';
import { DEFAULT_SESSION_OPTIONS } from '../../../libs/eval/src/defaults.ts';

interface Config {
  readonly label: string;
  readonly options: SessionOptions;
  readonly spinning?: boolean;
}

const CONFIGS: Config[] = [
  { label: 'defaults (threads: onnxruntime, optimization all)', options: DEFAULT_SESSION_OPTIONS },
  { label: 'intra-op threads 1', options: { ...DEFAULT_SESSION_OPTIONS, intraOpThreads: 1 } },
  { label: 'intra-op threads 2', options: { ...DEFAULT_SESSION_OPTIONS, intraOpThreads: 2 } },
  { label: 'optimization extended', options: { ...DEFAULT_SESSION_OPTIONS, graphOptimizationLevel: 'extended' } },
  { label: 'optimization basic', options: { ...DEFAULT_SESSION_OPTIONS, graphOptimizationLevel: 'basic' } },
  { label: 'execution mode parallel', options: { ...DEFAULT_SESSION_OPTIONS, executionMode: 'parallel' } },
  { label: 'no thread spinning', options: DEFAULT_SESSION_OPTIONS, spinning: false },
  { label: 'weight Q/DQ folded at load time', options: { ...DEFAULT_SESSION_OPTIONS, foldQdqWeights: true } },
];

async function meanLatency(model: string, config: Config, input: ort.Tensor, runs: number): Promise<number> {
  const base = sessionCreateOptions(['cpu'], false, config.options);
  const extra = config.spinning === false ? { ...(base.extra ?? {}), session: { ...((base.extra as { session?: object })?.session ?? {}), 'intra_op.allow_spinning': '0' } } : base.extra;
  const session = await ort.InferenceSession.create(model, { ...base, ...(extra ? { extra } : {}) });
  try {
    const feeds = { [session.inputNames[0]!]: input };
    for (let i = 0; i < 3; i++) await session.run(feeds);
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) await session.run(feeds);
    return (performance.now() - t0) / runs;
  } finally {
    await session.release();
  }
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { imgsz: { type: 'string', default: '640' }, rounds: { type: 'string', default: '3' }, runs: { type: 'string', default: '20' } } });
  } catch (error) {
    throw new UserError((error as Error).message, 'command line');
  }
  const model = parsed.positionals[0];
  if (!model) throw new UserError('usage: session-options.ts <model.onnx> [--imgsz 640] [--rounds 3] [--runs 20]', 'command line');
  const imgsz = Number(parsed.values.imgsz);
  const rounds = Number(parsed.values.rounds);
  const runs = Number(parsed.values.runs);
  const data = Float32Array.from({ length: 3 * imgsz * imgsz }, (_, i) => (((i * 2654435761) >>> 0) % 256) / 255);
  const input = new ort.Tensor('float32', data, [1, 3, imgsz, imgsz]);
  const results = CONFIGS.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [i, config] of CONFIGS.entries()) results[i]!.push(await meanLatency(model, config, input, runs));
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(results[0]!);
  const cpu = cpus();
  process.stdout.write(
    [
      `command: npx tsx tools/bench/eval/session-options.ts ${process.argv.slice(2).join(' ')}`,
      `date: ${new Date().toISOString()}`,
      `machine: ${cpu[0]?.model ?? 'unknown CPU'} x ${cpu.length} logical cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.versions.node}, onnxruntime-node ${ort.env.versions.node}, load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
      `batch 1, ${imgsz} px, ${runs} timed runs after 3 warm-up per configuration and round; ${rounds} interleaved rounds`,
      '',
      '| configuration | mean ms per round | median | / defaults |',
      '| --- | --- | ---: | ---: |',
      ...CONFIGS.map((c, i) => `| ${c.label} | ${results[i]!.map((x) => x.toFixed(1)).join(' ')} | ${median(results[i]!).toFixed(1)} | ${(median(results[i]!) / base).toFixed(2)} |`),
      '',
    ].join('\n'),
  );
}

runMain(main);

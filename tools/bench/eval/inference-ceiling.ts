/**
 * Benchmark: the most images/s onnxruntime's CPU provider gives on this machine for one ONNX file, with no decode,
 * letterbox or output decoding at all: the ceiling of any evaluator pipeline built on it. Interleaved per round:
 * onnxruntime-python with its default session (the Python reference's), onnxruntime-node with its default session,
 * and N node sessions at once, one per worker thread, with the cores shared out among them (the evaluator's
 * parallel sessions). Each times batch-1 session.run on the same input.
 *
 *   npx tsx tools/bench/eval/inference-ceiling.ts <model.onnx> [--imgsz 640] [--rounds 3] [--runs 20] [--sessions 2]
 */
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { execa } from 'execa';
import ort from 'onnxruntime-node';
import { runMain, UserError } from '../../../libs/core/src/errors.ts';
import { projectPython as python } from '../../../libs/core/src/python-env.ts';
import { workspaceRoot } from '../../../libs/core/src/workspace.ts';
import { sessionCreateOptions, threadsPerSession } from '../../../libs/eval/src/session.ts';
import { DEFAULT_SESSION_OPTIONS } from '../../../libs/eval/src/defaults.ts';
import { typeScriptWorker } from '../../../libs/eval/src/ts-worker.ts';

interface Job {
  readonly model: string;
  readonly imgsz: number;
  readonly runs: number;
  readonly intraOpThreads: number;
}

/** Mean ms of `runs` session.run calls after 3 warm-up, on a fixed pseudo-random input. */
async function meanRunMs(job: Job): Promise<number> {
  const session = await ort.InferenceSession.create(job.model, sessionCreateOptions(['cpu'], false, { ...DEFAULT_SESSION_OPTIONS, intraOpThreads: job.intraOpThreads }));
  try {
    const data = Float32Array.from({ length: 3 * job.imgsz * job.imgsz }, (_, i) => (((i * 2654435761) >>> 0) % 256) / 255);
    const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', data, [1, 3, job.imgsz, job.imgsz]) };
    for (let i = 0; i < 3; i++) await session.run(feeds);
    const t0 = performance.now();
    for (let i = 0; i < job.runs; i++) await session.run(feeds);
    return (performance.now() - t0) / job.runs;
  } finally {
    await session.release();
  }
}

/** images/s of `sessions` sessions running at once, each in a worker thread (all started, then all timed). */
async function parallelImagesPerSecond(job: Omit<Job, 'intraOpThreads'>, sessions: number): Promise<number> {
  const intraOpThreads = threadsPerSession(0, sessions, availableParallelism());
  const workers = Array.from({ length: sessions }, () => typeScriptWorker(new URL(import.meta.url), { workerData: { ...job, intraOpThreads } satisfies Job }));
  try {
    const means = await Promise.all(workers.map((w) => new Promise<number>((resolve, reject) => w.once('message', resolve).once('error', reject))));
    return means.reduce((sum, ms) => sum + 1000 / ms, 0);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

async function pythonImagesPerSecond(job: Omit<Job, 'intraOpThreads'>): Promise<number> {
  const script = join(workspaceRoot, 'tools', 'bench', 'eval', 'inference_ceiling.py');
  const { stdout } = await execa(python, [script, job.model, String(job.imgsz), String(job.runs)]);
  return 1000 / Number(stdout.trim());
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { imgsz: { type: 'string', default: '640' }, rounds: { type: 'string', default: '3' }, runs: { type: 'string', default: '20' }, sessions: { type: 'string', default: '2' } },
    });
  } catch (error) {
    throw new UserError((error as Error).message, 'command line');
  }
  const model = parsed.positionals[0];
  if (!model) throw new UserError('usage: inference-ceiling.ts <model.onnx> [--imgsz 640] [--rounds 3] [--runs 20] [--sessions 2]', 'command line');
  const job = { model, imgsz: Number(parsed.values.imgsz), runs: Number(parsed.values.runs) };
  const rounds = Number(parsed.values.rounds);
  const sessions = Number(parsed.values.sessions);
  const rows: Record<string, number[]> = { 'python, default session': [], 'node, default session': [], [`node, ${sessions} sessions at once`]: [] };
  const labels = Object.keys(rows);
  for (let round = 1; round <= rounds; round++) {
    rows[labels[0]!]!.push(await pythonImagesPerSecond(job));
    rows[labels[1]!]!.push(1000 / (await meanRunMs({ ...job, intraOpThreads: 0 })));
    rows[labels[2]!]!.push(await parallelImagesPerSecond(job, sessions));
    process.stderr.write(`round ${round}/${rounds} done\n`);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  const reference = median(rows[labels[0]!]!);
  process.stdout.write(`command: npx tsx tools/bench/eval/inference-ceiling.ts ${process.argv.slice(2).join(' ')}\n`);
  process.stdout.write(`date: ${new Date().toISOString()}\n`);
  process.stdout.write(`machine: ${cpus()[0]?.model ?? 'cpu'} x ${cpus().length} logical cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.versions.node}, onnxruntime-node ${ort.env.versions.node}, load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  process.stdout.write(`inference only (batch 1, ${job.runs} runs after 3 warm-up, imgsz ${job.imgsz}), images/s per round | median (lower median) | / python\n`);
  for (const label of labels) {
    const m = median(rows[label]!);
    process.stdout.write(`${label} | ${rows[label]!.map((v) => v.toFixed(2)).join(' ')} | ${m.toFixed(2)} | ${(m / reference).toFixed(2)}\n`);
  }
}

if (isMainThread) runMain(main);
else meanRunMs(workerData as Job).then((ms) => parentPort!.postMessage(ms));

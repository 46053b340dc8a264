import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runMain, UserError } from '../../core/src/errors.ts';
import { cocoPaths } from './dataset.ts';
import { executionModes, graphOptimizationLevels, letterboxStyles } from '../../core/src/config/choices.ts';
import type { SessionCount } from './session.ts';
import { DEFAULT_SESSION_OPTIONS, DEFAULTS } from './defaults.ts';
import { evaluateOnnx, scoreDetectionsFile, type EvaluationOutput } from './evaluate-onnx.ts';

const USAGE = `usage:
  tsx libs/eval/src/cli.ts --onnx-path <model.onnx> --data-root <coco> --out <metrics.json>
      [--annotations <instances.json>] [--max-images N] [--imgsz ${DEFAULTS.imgsz}] [--providers cpu|cuda,cpu|tensorrt,cuda,cpu]
      [--disable-cpu-fallback] [--warmup-runs ${DEFAULTS.warmupRuns}] [--latency-runs ${DEFAULTS.latencyRuns}] [--skip-latency]
      [--conf ${DEFAULTS.conf}] [--prefetch ${DEFAULTS.prefetch}] [--workers ${DEFAULTS.workers}] [--batch ${DEFAULTS.batch}]
      [--sessions auto|N] (default ${DEFAULTS.sessions}: onnxruntime sessions evaluating at once, each in a worker thread)
      [--letterbox ${letterboxStyles.join('|')}] (default ${DEFAULTS.letterbox}) [--intra-op-threads N] (default ${DEFAULT_SESSION_OPTIONS.intraOpThreads}; 0: onnxruntime's choice)
      [--graph-optimization ${graphOptimizationLevels.join('|')}] (default ${DEFAULT_SESSION_OPTIONS.graphOptimizationLevel})
      [--execution-mode ${executionModes.join('|')}] (default ${DEFAULT_SESSION_OPTIONS.executionMode})
  tsx libs/eval/src/cli.ts --detections <results.json> (--annotations <instances.json> | --data-root <coco>) [--out <metrics.json>]`;

const OPTIONS = {
  'onnx-path': { type: 'string' },
  'data-root': { type: 'string' },
  annotations: { type: 'string' },
  detections: { type: 'string' },
  'max-images': { type: 'string' },
  imgsz: { type: 'string' },
  providers: { type: 'string' },
  'disable-cpu-fallback': { type: 'boolean' },
  'warmup-runs': { type: 'string' },
  'latency-runs': { type: 'string' },
  'skip-latency': { type: 'boolean' },
  conf: { type: 'string' },
  prefetch: { type: 'string' },
  workers: { type: 'string' },
  batch: { type: 'string' },
  sessions: { type: 'string' },
  letterbox: { type: 'string' },
  'intra-op-threads': { type: 'string' },
  'graph-optimization': { type: 'string' },
  'execution-mode': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean' },
} as const;

/** Model-only flags, refused together with --detections (they would silently do nothing). */
const MODEL_FLAGS = ['onnx-path', 'max-images', 'imgsz', 'providers', 'disable-cpu-fallback', 'warmup-runs', 'latency-runs', 'skip-latency', 'conf', 'prefetch', 'workers', 'batch', 'sessions', 'letterbox', 'intra-op-threads', 'graph-optimization', 'execution-mode'] as const;

export async function runCli(argv: readonly string[]): Promise<EvaluationOutput | null> {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(argv));
  } catch (error) {
    throw new UserError(`${(error as Error).message}\n${USAGE}`, 'command line');
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return null;
  }

  if (values.detections !== undefined) {
    const given = MODEL_FLAGS.filter((f) => values[f] !== undefined);
    if (given.length > 0) throw new UserError(`--detections scores an existing results file; ${given.map((f) => `--${f}`).join(', ')} only apply to a model run`, 'command line');
    const annotationsPath = values.annotations ?? (values['data-root'] ? cocoPaths(values['data-root']).annotations : undefined);
    if (!annotationsPath) throw new UserError(`--detections needs --annotations <instances.json> or --data-root\n${USAGE}`, 'command line');
    const output = await scoreDetectionsFile({ detectionsPath: values.detections, annotationsPath, out: values.out });
    report(output);
    return output;
  }

  if (!values['onnx-path'] || !values['data-root'] || !values.out) {
    throw new UserError(`--onnx-path, --data-root and --out are required (or --detections to score a results file)\n${USAGE}`, 'command line');
  }
  const output = await evaluateOnnx({
    onnxPath: values['onnx-path'],
    dataRoot: values['data-root'],
    annotationsPath: values.annotations,
    maxImages: optionalInt(values['max-images'], 'max-images'),
    imgsz: optionalInt(values.imgsz, 'imgsz'),
    providers: values.providers?.split(',').map((p) => p.trim()).filter((p) => p !== ''),
    disableCpuFallback: values['disable-cpu-fallback'] ?? false,
    warmupRuns: optionalInt(values['warmup-runs'], 'warmup-runs'),
    latencyRuns: optionalInt(values['latency-runs'], 'latency-runs'),
    skipLatency: values['skip-latency'] ?? false,
    conf: optionalNumber(values.conf, 'conf'),
    prefetch: optionalInt(values.prefetch, 'prefetch'),
    workers: optionalInt(values.workers, 'workers'),
    batch: optionalInt(values.batch, 'batch'),
    sessions: optionalSessionCount(values.sessions),
    letterbox: optionalChoice(values.letterbox, 'letterbox', letterboxStyles),
    session: {
      ...(values['intra-op-threads'] === undefined ? {} : { intraOpThreads: optionalInt(values['intra-op-threads'], 'intra-op-threads') }),
      ...(values['graph-optimization'] === undefined ? {} : { graphOptimizationLevel: optionalChoice(values['graph-optimization'], 'graph-optimization', graphOptimizationLevels) }),
      ...(values['execution-mode'] === undefined ? {} : { executionMode: optionalChoice(values['execution-mode'], 'execution-mode', executionModes) }),
    },
    out: values.out,
  });
  report(output);
  return output;
}

function parse(argv: readonly string[]) {
  return parseArgs({ args: attachNegativeValues(argv), options: OPTIONS, strict: true, allowPositionals: false });
}

/**
 * `--max-images -5`: node's parseArgs takes `-5` for an option and reports "argument is ambiguous". A number
 * after a value-taking option is its value, as in `--max-images=-5`, so the option's own check names the problem.
 */
function attachNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const name = /^--([a-z-]+)$/.exec(argv[i]!)?.[1];
    const next = argv[i + 1];
    if (name && OPTIONS[name as keyof typeof OPTIONS]?.type === 'string' && next !== undefined && /^-\d|^-\.\d/.test(next)) {
      out.push(`--${name}=${next}`);
      i += 1;
    } else {
      out.push(argv[i]!);
    }
  }
  return out;
}

function report(output: EvaluationOutput): void {
  const m = output.metrics;
  const pct = (v: number): string => (v < 0 ? 'n/a' : (100 * v).toFixed(2));
  process.stdout.write(
    `mAP50-95 ${pct(m.mAP50_95)}  mAP50 ${pct(m.mAP50)}  mAP75 ${pct(m.mAP75)}  ` +
      `(${m.images} images, ${m.detections} detections)\n` +
      `Ultralytics' metric: mAP50-95 ${pct(m.ultralytics.mAP50_95)}  mAP50 ${pct(m.ultralytics.mAP50)}  P ${pct(m.ultralytics.precision)}  R ${pct(m.ultralytics.recall)}\n` +
      (m.latencyMs ? `latency ms${m.latencyQdqFoldedMs ? ', weight Q/DQ re-run at every inference' : ''}: mean ${m.latencyMs.mean.toFixed(2)} p50 ${m.latencyMs.p50.toFixed(2)} p90 ${m.latencyMs.p90.toFixed(2)} p99 ${m.latencyMs.p99.toFixed(2)}\n` : '') +
      (m.latencyQdqFoldedMs ? `latency ms, weight Q/DQ folded at load time: mean ${m.latencyQdqFoldedMs.mean.toFixed(2)} p50 ${m.latencyQdqFoldedMs.p50.toFixed(2)}\n` : '') +
      (m.throughput ? `throughput: ${m.throughput.imagesPerSecond.toFixed(2)} images/s\n` : '') +
      (output.metricsPath ? `wrote ${output.metricsPath}${output.detectionsPath && m.onnx ? ` and ${output.detectionsPath}` : ''}\n` : ''),
  );
}

function optionalInt(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text.trim())) throw new UserError(`expected an integer, got '${text}'`, `--${name}`);
  return Number(text);
}


function optionalSessionCount(text: string | undefined): SessionCount | undefined {
  if (text?.trim() === 'auto') return 'auto';
  if (text !== undefined && !/^-?\d+$/.test(text.trim())) throw new UserError(`expected 'auto' or an integer, got '${text}'`, '--sessions');
  return optionalInt(text, 'sessions');
}

function optionalChoice<T extends string>(text: string | undefined, name: string, choices: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) throw new UserError(`expected one of ${choices.join(', ')}, got '${text}'`, `--${name}`);
  return text as T;
}

function optionalNumber(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new UserError(`expected a number, got '${text}'`, `--${name}`);
  return v;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runMain(async () => {
    await runCli(process.argv.slice(2));
  });
}

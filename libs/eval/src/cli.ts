import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runMain, UserError } from '../../core/src/errors.ts';
import { cocoPaths } from './dataset.ts';
import { executionModes, graphOptimizationLevels, letterboxStyles } from '../../core/src/config/choices.ts';
import { DEFAULT_SESSION_OPTIONS, DEFAULTS } from './defaults.ts';
import { evaluateOnnx, scoreDetectionsFile, type EvaluationOutput } from './evaluate-onnx.ts';
import { checkSettings, type EvaluatorSettings } from './settings.ts';

const USAGE = `usage:
  tsx libs/eval/src/cli.ts --onnx-path <model.onnx> --data-root <coco> --out <metrics.json>
      [--annotations <instances.json>] [--max-images N] [--imgsz ${DEFAULTS.imgsz}] [--providers cpu|cuda,cpu|tensorrt,cuda,cpu]
      [--disable-cpu-fallback] [--warmup-runs ${DEFAULTS.warmupRuns}] [--latency-runs ${DEFAULTS.latencyRuns}] [--skip-latency]
      [--conf ${DEFAULTS.conf}] [--prefetch ${DEFAULTS.prefetch}] [--workers ${DEFAULTS.letterboxWorkers}] [--batch ${DEFAULTS.batch}]
      [--sessions auto|N] (default ${DEFAULTS.sessions}: onnxruntime sessions evaluating at once, each in a worker thread)
      [--letterbox ${letterboxStyles.join('|')}] (default ${DEFAULTS.letterbox}) [--intra-op-threads N] (default ${DEFAULT_SESSION_OPTIONS.intraOpThreads}; 0: onnxruntime's choice)
      [--graph-optimization ${graphOptimizationLevels.join('|')}] (default ${DEFAULT_SESSION_OPTIONS.graphOptimizationLevel})
      [--execution-mode ${executionModes.join('|')}] (default ${DEFAULT_SESSION_OPTIONS.executionMode})
  Each of these sets the conf/eval.yaml key of that name (--workers: letterboxWorkers, --graph-optimization:
  session.graphOptimizationLevel), or train.yaml's imgsz, preprocess.yaml's letterbox; the defaults are conf/'s base values.
  tsx libs/eval/src/cli.ts --detections <results.json> (--annotations <instances.json> | --data-root <coco>) [--out <metrics.json>]`;

/** How a flag's text becomes a value: only its form (a number, a list); what the value may be is the settings' check. */
type Reader = (text: string, flag: string) => unknown;
const integer: Reader = (text, flag) => {
  if (!/^-?\d+$/.test(text.trim())) throw new UserError(`expected an integer, got '${text}'`, flag);
  return Number(text);
};
const decimal: Reader = (text, flag) => {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new UserError(`expected a number, got '${text}'`, flag);
  return v;
};
const word: Reader = (text) => text;
const providerList: Reader = (text) => text.split(',').map((p) => p.trim().toLowerCase()).filter((p) => p !== '');
const sessionCount: Reader = (text, flag) => {
  if (text.trim() === 'auto') return 'auto';
  if (!/^-?\d+$/.test(text.trim())) throw new UserError(`expected 'auto' or an integer, got '${text}'`, flag);
  return Number(text);
};

/** The flags of a model run that set one of the evaluator's settings (settings.ts): its key path, and how its text is read (none: a switch). */
const SETTING_FLAGS: Record<string, { readonly path: readonly [keyof EvaluatorSettings, ...string[]]; readonly read?: Reader }> = {
  'max-images': { path: ['maxImages'], read: integer },
  imgsz: { path: ['imgsz'], read: integer },
  providers: { path: ['providers'], read: providerList },
  'disable-cpu-fallback': { path: ['disableCpuFallback'] },
  'warmup-runs': { path: ['warmupRuns'], read: integer },
  'latency-runs': { path: ['latencyRuns'], read: integer },
  'skip-latency': { path: ['skipLatency'] },
  conf: { path: ['conf'], read: decimal },
  prefetch: { path: ['prefetch'], read: integer },
  workers: { path: ['letterboxWorkers'], read: integer },
  batch: { path: ['batch'], read: integer },
  sessions: { path: ['sessions'], read: sessionCount },
  letterbox: { path: ['letterbox'], read: word },
  'intra-op-threads': { path: ['session', 'intraOpThreads'], read: integer },
  'graph-optimization': { path: ['session', 'graphOptimizationLevel'], read: word },
  'execution-mode': { path: ['session', 'executionMode'], read: word },
};

const OPTIONS = {
  'onnx-path': { type: 'string' },
  'data-root': { type: 'string' },
  annotations: { type: 'string' },
  detections: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean' },
  ...Object.fromEntries(Object.entries(SETTING_FLAGS).map(([flag, { read }]) => [flag, { type: read ? 'string' : 'boolean' }])),
} as Record<string, { type: 'string' | 'boolean' }>;

/** The flag that sets a setting's key path (or an item of it: providers.1), for messages. */
function flagOf(path: readonly PropertyKey[]): string {
  const found = Object.entries(SETTING_FLAGS).find(([, flag]) => flag.path.every((key, i) => key === path[i]));
  return found ? `--${found[0]}` : path.map(String).join('.');
}

/** The defaults with each setting flag given in its place, checked once, naming the flag. */
export function settingsFromFlags(values: Readonly<Record<string, string | boolean | undefined>>): EvaluatorSettings {
  const settings: Record<string, unknown> = { ...DEFAULTS, session: { ...DEFAULTS.session } };
  for (const [flag, { path, read }] of Object.entries(SETTING_FLAGS)) {
    const given = values[flag];
    if (given === undefined) continue;
    const value = read ? read(String(given), `--${flag}`) : given;
    const parent = path.slice(0, -1).reduce((object, key) => object[key] as Record<string, unknown>, settings);
    parent[path[path.length - 1]!] = value;
  }
  return checkSettings(settings, flagOf);
}

export async function runCli(argv: readonly string[]): Promise<EvaluationOutput | null> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parse(argv));
  } catch (error) {
    throw new UserError(`${(error as Error).message}\n${USAGE}`, 'command line');
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return null;
  }

  const path = (flag: string): string | undefined => values[flag] as string | undefined;
  if (values.detections !== undefined) {
    const given = ['onnx-path', ...Object.keys(SETTING_FLAGS)].filter((f) => values[f] !== undefined);
    if (given.length > 0) throw new UserError(`--detections scores an existing results file; ${given.map((f) => `--${f}`).join(', ')} only apply to a model run`, 'command line');
    const dataRoot = path('data-root');
    const annotationsPath = path('annotations') ?? (dataRoot ? cocoPaths(dataRoot).annotations : undefined);
    if (!annotationsPath) throw new UserError(`--detections needs --annotations <instances.json> or --data-root\n${USAGE}`, 'command line');
    const output = await scoreDetectionsFile({ detectionsPath: path('detections')!, annotationsPath, out: path('out') });
    report(output);
    return output;
  }

  if (!path('onnx-path') || !path('data-root') || !path('out')) {
    throw new UserError(`--onnx-path, --data-root and --out are required (or --detections to score a results file)\n${USAGE}`, 'command line');
  }
  const output = await evaluateOnnx({
    onnxPath: path('onnx-path')!,
    dataRoot: path('data-root'),
    annotationsPath: path('annotations'),
    settings: settingsFromFlags(values),
    out: path('out'),
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

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runMain(async () => {
    await runCli(process.argv.slice(2));
  });
}

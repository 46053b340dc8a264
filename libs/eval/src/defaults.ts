/**
 * The evaluator's defaults: its CLI's, and evaluateOnnx's for an option not given. What conf/ also sets (eval.yaml,
 * preprocess.yaml's letterbox, train.yaml's imgsz) is the base value there, which every profile starts from, so the
 * evaluator run by hand evaluates as the eval stage does; the rest is the evaluator's own.
 */
import { loadSection } from '../../core/src/config/load.ts';
import type { SessionCount, SessionOptions } from './session.ts';

const conf = loadSection('eval', null);

/** onnxruntime settings (conf/eval.yaml's session); the QCDQ file's weight Q/DQ are folded only for a second latency figure. */
export const DEFAULT_SESSION_OPTIONS: SessionOptions = { ...conf.session, foldQdqWeights: false };

export const DEFAULTS = {
  imgsz: loadSection('train', null).imgsz,
  providers: conf.providers,
  disableCpuFallback: conf.disableCpuFallback,
  warmupRuns: conf.warmupRuns,
  latencyRuns: conf.latencyRuns,
  conf: conf.conf,
  batch: conf.batch,
  /** 'auto': by the cores and providers (sessionCount). */
  sessions: conf.sessions as SessionCount,
  letterbox: loadSection('preprocess', null).letterbox,
  prefetch: 4,
  /** Measured on 2 cores (docs/benchmarks.md): a letterbox worker there only competes with onnxruntime's threads. */
  workers: 0,
  progressIntervalSeconds: 10,
} as const;

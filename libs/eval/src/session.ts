import { existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import type { ExecutionProvider } from '../../core/src/config/choices.ts';
import type { SessionSettings } from '../../core/src/schemas/eval.ts';
import { UserError } from '../../core/src/errors.ts';

/** Execution providers this evaluator accepts, by onnxruntime-node's names (conf/eval.yaml's list). */
export type Provider = ExecutionProvider;

export interface SessionRequest {
  readonly onnxPath: string;
  /** In priority order; onnxruntime assigns each node to the first provider that can run it. */
  readonly providers: readonly Provider[];
  /**
   * Fail instead of falling back to CPU: when a requested provider cannot be loaded, and (when 'cpu' is not itself
   * requested) when some node would have to run on CPU.
   */
  readonly disableCpuFallback: boolean;
  readonly options: SessionOptions;
  readonly log: (line: string) => void;
}

/**
 * How a session is created: conf/eval.yaml's session settings, as metrics.json records them (intraOpThreads 0 lets
 * onnxruntime choose, one per physical core; executionMode 'parallel' runs independent branches of the graph at once),
 * and whether the weight Q/DQ are folded.
 */
export interface SessionOptions extends Readonly<SessionSettings> {
  /**
   * Fold the DequantizeLinear of constant (weight) Q/DQ pairs into float weights when the session loads
   * (onnxruntime's session.disable_quant_qdq = 1). onnxruntime keeps weight Q/DQ nodes by default for the providers
   * that fuse them, so on the CPU provider a QCDQ file otherwise re-runs Q -> Clip -> DQ on every weight at every
   * inference. The folded weights are the same float values, so the outputs are the same.
   */
  readonly foldQdqWeights: boolean;
}

/** 'auto' or a count of onnxruntime sessions evaluating at once (see sessionCount). */
export type SessionCount = number | 'auto';

/**
 * How many sessions evaluate at once. 'auto', measured on the CPU provider (docs/benchmarks.md): half the cores,
 * so two threads each, at least 2 and at most 8 (the most measured, and a bound on the model copies in memory). On
 * 2 cores two one-thread sessions beat one two-thread session by 9-13%; on 16 cores 8 sessions gave 2.5x (yolov10n)
 * and 1.6x (yolov10m) the images/s of one. With an accelerated provider the model runs on the device, and 2 sessions
 * overlap one's pre- and post-processing with the other's inference (not measured on a GPU).
 */
export function sessionCount(requested: SessionCount, providers: readonly Provider[], cores: number): number {
  if (requested !== 'auto') return requested;
  if (providers.some((p) => p !== 'cpu')) return 2;
  return Math.min(8, Math.max(2, Math.floor(cores / 2)));
}

/**
 * Intra-op threads of each of `sessions` parallel sessions: the requested count, or with 0 (onnxruntime's choice) and
 * more than one session, the cores shared out among them, so that they do not oversubscribe the machine.
 */
export function threadsPerSession(requested: number, sessions: number, cores: number): number {
  if (requested > 0 || sessions === 1) return requested;
  return Math.max(1, Math.floor(cores / sessions));
}

/** How to get onnxruntime-node's CUDA provider libraries, for the error that finds them missing. */
export const CUDA_INSTALL_HINT =
  'onnxruntime-node is installed without its CUDA provider libraries (their download is switched off in .npmrc); on a ' +
  'machine that can reach onnxruntime\'s download run `bash tools/bootstrap.sh --onnxruntime-node-install` ' +
  '(onnxruntime-node\'s own installer), with CUDA 12 and cuDNN 9 on the library path';

/** Where onnxruntime-node's installer puts the CUDA provider library (its install-metadata.js manifest). */
export function cudaProviderLibrary(): string {
  const packageJson = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  return join(dirname(packageJson), 'bin', 'napi-v6', platform(), arch(), 'libonnxruntime_providers_cuda.so');
}

/** Providers whose libraries are known to be absent (so that their failure is reported before onnxruntime tries). */
export function missingProviders(providers: readonly Provider[], libraryExists: (path: string) => boolean = existsSync): Provider[] {
  const needsCuda = providers.filter((p) => p === 'cuda' || p === 'tensorrt');
  return needsCuda.length > 0 && !libraryExists(cudaProviderLibrary()) ? needsCuda : [];
}

export interface OpenedSession {
  readonly session: ort.InferenceSession;
  /** The providers the session was created with (['cpu'] after a fallback). */
  readonly providers: readonly Provider[];
}

/** Opens an onnxruntime session on the requested providers, with a loud (or, if asked, fatal) CPU fallback. */
export async function openSession(request: SessionRequest): Promise<OpenedSession> {
  const { onnxPath, providers, disableCpuFallback, options, log } = request;
  try {
    await access(onnxPath);
  } catch {
    throw new UserError('ONNX file not found', onnxPath);
  }
  const strict = disableCpuFallback && !providers.includes('cpu');
  try {
    const missing = missingProviders(providers);
    if (missing.length > 0) throw new Error(`Failed to load shared library ${cudaProviderLibrary()}: not installed`);
    const session = await create(onnxPath, providers, strict, options);
    return { session, providers };
  } catch (error) {
    const message = (error as Error).message;
    if (isProviderLoadFailure(message)) {
      const accelerated = providers.filter((p) => p !== 'cpu');
      if (disableCpuFallback) {
        throw new UserError(
          `execution provider ${accelerated.join(', ')} is not available in this onnxruntime-node install (${firstLine(message)}); ` +
            `${installHint(accelerated)}, or drop --disable-cpu-fallback to run on CPU`,
          '--providers',
        );
      }
      log(`warning: execution provider ${accelerated.join(', ')} is not available (${firstLine(message)}); running on CPU. ${installHint(accelerated)}`);
      try {
        return { session: await create(onnxPath, ['cpu'], false, options), providers: ['cpu'] };
      } catch (cpuError) {
        throw new UserError(`cannot load the ONNX model: ${firstLine((cpuError as Error).message)}`, onnxPath);
      }
    }
    if (/fallback to CPU EP has been explicitly disabled/i.test(message)) {
      throw new UserError(
        `some nodes of this model cannot run on ${providers.join(', ')} and --disable-cpu-fallback forbids running them on CPU`,
        onnxPath,
      );
    }
    throw new UserError(`cannot load the ONNX model: ${firstLine(message)}`, onnxPath);
  }
}

async function create(onnxPath: string, providers: readonly Provider[], strict: boolean, options: SessionOptions): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(onnxPath, sessionCreateOptions(providers, strict, options));
}

/** onnxruntime-node's session options for a request (pure, so the chosen settings are testable without a model). */
export function sessionCreateOptions(providers: readonly Provider[], strict: boolean, options: SessionOptions): ort.InferenceSession.SessionOptions {
  const session: Record<string, string> = {};
  if (strict) session.disable_cpu_ep_fallback = '1';
  if (options.foldQdqWeights) session.disable_quant_qdq = '1';
  return {
    executionProviders: [...providers],
    graphOptimizationLevel: options.graphOptimizationLevel,
    executionMode: options.executionMode,
    ...(options.intraOpThreads > 0 ? { intraOpNumThreads: options.intraOpThreads } : {}),
    // ORT logs its own copy of errors we report more clearly; keep its console to fatal messages.
    logSeverityLevel: 4,
    ...(Object.keys(session).length > 0 ? { extra: { session } } : {}),
  };
}

function installHint(accelerated: readonly Provider[]): string {
  if (accelerated.includes('cuda') || accelerated.includes('tensorrt')) return CUDA_INSTALL_HINT;
  return 'install its GPU build and drivers';
}

function isProviderLoadFailure(message: string): boolean {
  return /Failed to load (shared )?library|providers_shared|AppendExecutionProvider|not (available|supported|compiled)|unsupported backend/i.test(message);
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

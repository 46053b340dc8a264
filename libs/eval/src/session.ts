import { access } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { UserError } from '../../core/src/errors.ts';

/** Execution providers this evaluator accepts, by onnxruntime-node's names. */
export const KNOWN_PROVIDERS = ['cpu', 'cuda', 'tensorrt'] as const;
export type Provider = (typeof KNOWN_PROVIDERS)[number];

export interface SessionRequest {
  readonly onnxPath: string;
  /** In priority order; onnxruntime assigns each node to the first provider that can run it. */
  readonly providers: readonly string[];
  /**
   * Fail instead of falling back to CPU: when a requested provider cannot be loaded, and (when 'cpu' is not itself
   * requested) when some node would have to run on CPU.
   */
  readonly disableCpuFallback: boolean;
  readonly log: (line: string) => void;
}

export interface OpenedSession {
  readonly session: ort.InferenceSession;
  /** The providers the session was created with (['cpu'] after a fallback). */
  readonly providers: readonly Provider[];
}

export function parseProviders(list: readonly string[], where: string): Provider[] {
  if (list.length === 0) throw new UserError(`expected at least one execution provider (${KNOWN_PROVIDERS.join(', ')})`, where);
  return list.map((name) => {
    const p = name.trim().toLowerCase();
    if (!(KNOWN_PROVIDERS as readonly string[]).includes(p)) {
      throw new UserError(`unknown execution provider '${name}'; expected one of ${KNOWN_PROVIDERS.join(', ')}`, where);
    }
    return p as Provider;
  });
}

/** Opens an onnxruntime session on the requested providers, with a loud (or, if asked, fatal) CPU fallback. */
export async function openSession(request: SessionRequest): Promise<OpenedSession> {
  const { onnxPath, disableCpuFallback, log } = request;
  const providers = parseProviders(request.providers, '--providers');
  try {
    await access(onnxPath);
  } catch {
    throw new UserError('ONNX file not found', onnxPath);
  }
  const strict = disableCpuFallback && !providers.includes('cpu');
  try {
    const session = await create(onnxPath, providers, strict);
    return { session, providers };
  } catch (error) {
    const message = (error as Error).message;
    if (isProviderLoadFailure(message)) {
      const accelerated = providers.filter((p) => p !== 'cpu');
      if (disableCpuFallback) {
        throw new UserError(
          `execution provider ${accelerated.join(', ')} is not available in this onnxruntime-node install (${firstLine(message)}); ` +
            'install its GPU build and drivers, or drop --disable-cpu-fallback to run on CPU',
          '--providers',
        );
      }
      log(`warning: execution provider ${accelerated.join(', ')} is not available (${firstLine(message)}); running on CPU`);
      try {
        return { session: await create(onnxPath, ['cpu'], false), providers: ['cpu'] };
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

async function create(onnxPath: string, providers: readonly Provider[], strict: boolean): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(onnxPath, {
    executionProviders: [...providers],
    graphOptimizationLevel: 'all',
    // ORT logs its own copy of errors we report more clearly; keep its console to fatal messages.
    logSeverityLevel: 4,
    ...(strict ? { extra: { session: { disable_cpu_ep_fallback: '1' } } } : {}),
  });
}

function isProviderLoadFailure(message: string): boolean {
  return /Failed to load (shared )?library|providers_shared|AppendExecutionProvider|not (available|supported|compiled)|unsupported backend/i.test(message);
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

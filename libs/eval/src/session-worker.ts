import { parentPort, workerData } from 'node:worker_threads';
import { UserError } from '../../core/src/errors.ts';
import { runBatches, type IndexedBatch, type PassSettings } from './batch-pass.ts';
import type { CocoResult } from './coco/index.ts';
import { inferenceFor, sessionModelIo } from './inference.ts';
import { openSession, type Provider, type SessionOptions } from './session.ts';
import type { StageSeconds } from './stages.ts';

/** Worker side of ParallelSessions: opens its own onnxruntime session, then evaluates the batches it is sent. */
export interface SessionWorkerData {
  readonly session: { readonly onnxPath: string; readonly providers: readonly Provider[]; readonly disableCpuFallback: boolean; readonly options: SessionOptions };
  readonly settings: PassSettings;
}

export interface SessionWorkerRequest {
  readonly batches: readonly IndexedBatch[];
}

export type SessionWorkerMessage =
  | { readonly kind: 'log'; readonly line: string }
  | { readonly kind: 'ready' }
  | { readonly kind: 'batch'; readonly index: number; readonly images: number; readonly results: CocoResult[] }
  | { readonly kind: 'done'; readonly stages: StageSeconds }
  | { readonly kind: 'failed'; readonly message: string; readonly userError: boolean };

async function serve(port: NonNullable<typeof parentPort>, data: SessionWorkerData): Promise<void> {
  const post = (message: SessionWorkerMessage): void => port.postMessage(message);
  const fail = (error: unknown): void => post({ kind: 'failed', message: (error as Error).message, userError: error instanceof UserError });
  const { settings } = data;
  try {
    const { session } = await openSession({ ...data.session, log: (line) => post({ kind: 'log', line }) });
    const io = sessionModelIo(session, settings);
    const infer = inferenceFor(session, io, settings.onnxPath);
    port.on('message', (request: SessionWorkerRequest) => {
      runBatches(request.batches, infer, io, settings, (batch, results) => post({ kind: 'batch', index: batch.index, images: batch.images.length, results })).then(
        (stages) => post({ kind: 'done', stages }),
        fail,
      );
    });
    post({ kind: 'ready' });
  } catch (error) {
    fail(error);
  }
}

if (parentPort && workerData) void serve(parentPort, workerData as SessionWorkerData);

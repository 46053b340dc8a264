import type { Worker } from 'node:worker_threads';
import { UserError } from '../../core/src/errors.ts';
import type { IndexedBatch, PassSettings } from './batch-pass.ts';
import type { CocoResult } from './coco/index.ts';
import type { SessionWorkerData, SessionWorkerMessage, SessionWorkerRequest } from './session-worker.ts';
import { addStageSeconds, emptyStageSeconds, type StageSeconds } from './stages.ts';
import { typeScriptWorker } from './ts-worker.ts';

type Waiter = { resolve: (message: SessionWorkerMessage) => void; reject: (error: Error) => void };

/**
 * Several onnxruntime sessions evaluating at once, each in its own worker thread doing the whole per-image path
 * (decode, letterbox, inference, output decoding). Why several narrow sessions rather than one wide one: an operator
 * split over threads waits for its slowest thread at every node, and between runs onnxruntime's thread pool spins on
 * cores that the preprocessing needs; whole images in parallel do neither (measured in docs/benchmarks.md).
 * Sessions load in open(), before the evaluation's clock starts, as the single session does.
 */
export class ParallelSessions {
  private readonly waiters = new Map<Worker, Waiter>();
  private onBatch: (index: number, images: number, results: CocoResult[]) => void = () => undefined;

  private constructor(
    private readonly workers: readonly Worker[],
    private readonly log: (line: string) => void,
  ) {
    for (const worker of workers) {
      worker.on('message', (message: SessionWorkerMessage) => this.receive(worker, message));
      worker.on('error', (error) => this.fail(worker, error));
      worker.on('exit', (code) => this.fail(worker, new Error(`an evaluation session worker exited (code ${code}) with its work unfinished`)));
    }
  }

  static async open(count: number, session: SessionWorkerData['session'], settings: PassSettings, log: (line: string) => void): Promise<ParallelSessions> {
    const workerData: SessionWorkerData = { session, settings };
    const workers = Array.from({ length: count }, () => typeScriptWorker(new URL('./session-worker.ts', import.meta.url), { workerData }));
    const pool = new ParallelSessions(workers, log);
    try {
      await Promise.all(workers.map((w) => pool.next(w)));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /**
   * Evaluates the batches, every count-th one on the same session: images of one size cost the same to infer, so this
   * static split keeps the sessions equally busy. `onBatch` sees each batch as it finishes, in any order. Returns the
   * stage seconds summed over the sessions.
   */
  async run(batches: readonly IndexedBatch[], onBatch: (index: number, images: number, results: CocoResult[]) => void): Promise<StageSeconds> {
    this.onBatch = onBatch;
    const total = emptyStageSeconds();
    const count = this.workers.length;
    await Promise.all(
      this.workers.map(async (worker, w) => {
        const request: SessionWorkerRequest = { batches: batches.filter((b) => b.index % count === w) };
        const done = this.next(worker);
        worker.postMessage(request);
        const message = await done;
        if (message.kind === 'done') addStageSeconds(total, message.stages);
      }),
    );
    return total;
  }

  async close(): Promise<void> {
    for (const worker of this.workers) worker.removeAllListeners('exit');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** The worker's next 'ready' or 'done' (its failure rejects). */
  private next(worker: Worker): Promise<SessionWorkerMessage> {
    return new Promise((resolve, reject) => this.waiters.set(worker, { resolve, reject }));
  }

  private receive(worker: Worker, message: SessionWorkerMessage): void {
    if (message.kind === 'log') return this.log(message.line);
    if (message.kind === 'batch') return this.onBatch(message.index, message.images, message.results);
    if (message.kind === 'failed') return this.fail(worker, message.userError ? new UserError(message.message) : new Error(message.message));
    const waiter = this.waiters.get(worker);
    this.waiters.delete(worker);
    waiter?.resolve(message);
  }

  private fail(worker: Worker, error: Error): void {
    const waiter = this.waiters.get(worker);
    this.waiters.delete(worker);
    waiter?.reject(error);
  }
}

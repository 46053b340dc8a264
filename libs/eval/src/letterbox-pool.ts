import type { Worker } from 'node:worker_threads';
import { UserError } from '../../core/src/errors.ts';
import { decodeImageRgb } from '../../core/src/images/decode-image.ts';
import { letterbox, type LetterboxedImage, type LetterboxStyle } from '../../core/src/images/letterbox.ts';
import type { PrepareReply, PrepareRequest } from './letterbox-worker.ts';
import { typeScriptWorker } from './ts-worker.ts';

/**
 * Decodes and letterboxes images off the main thread, so that JavaScript letterboxing overlaps inference (sharp's own
 * decoding already runs on libuv's pool). With 0 workers everything runs inline (same results, no overlap). Whether
 * that pays depends on spare cores: on 2 cores onnxruntime uses both and the workers only compete with it
 * (measured in docs/benchmarks.md), so the evaluator's default is 0 there.
 */
export class LetterboxPool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (v: LetterboxedImage) => void; reject: (e: Error) => void }>();
  private readonly load: number[] = [];
  private nextId = 0;

  constructor(
    workerCount: number,
    private readonly imgsz: number,
    private readonly style: LetterboxStyle,
  ) {
    for (let w = 0; w < workerCount; w++) {
      const worker = typeScriptWorker(new URL('./letterbox-worker.ts', import.meta.url));
      worker.on('message', (reply: PrepareReply) => this.settle(w, reply));
      worker.on('error', (error) => this.failAll(error));
      this.workers.push(worker);
      this.load.push(0);
    }
  }

  prepare(path: string): Promise<LetterboxedImage> {
    if (this.workers.length === 0) return decodeImageRgb(path).then((image) => letterbox(image, this.imgsz, this.style));
    const id = this.nextId++;
    const w = this.load.indexOf(Math.min(...this.load));
    this.load[w]!++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const request: PrepareRequest = { id, path, imgsz: this.imgsz, style: this.style };
      this.workers[w]!.postMessage(request);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private settle(worker: number, reply: PrepareReply): void {
    this.load[worker]!--;
    const pending = this.waiting.get(reply.id);
    if (!pending) return;
    this.waiting.delete(reply.id);
    if (reply.ok) pending.resolve({ tensor: reply.tensor, geometry: reply.geometry, inverse: reply.inverse });
    else pending.reject(reply.userError ? new UserError(reply.message) : new Error(reply.message));
  }

  private failAll(error: Error): void {
    for (const { reject } of this.waiting.values()) reject(error);
    this.waiting.clear();
  }
}

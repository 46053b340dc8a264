import { parentPort } from 'node:worker_threads';
import { UserError } from '../../core/src/errors.ts';
import { decodeImageRgb } from './decode-image.ts';
import type { LetterboxGeometry } from './geometry.ts';
import { letterbox } from './letterbox.ts';

/** Worker side of LetterboxPool: decode + letterbox one image per message, tensor buffer transferred back. */
export interface PrepareRequest {
  readonly id: number;
  readonly path: string;
  readonly imgsz: number;
}

export type PrepareReply =
  | { readonly id: number; readonly ok: true; readonly tensor: Float32Array; readonly geometry: LetterboxGeometry }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly userError: boolean };

parentPort?.on('message', (request: PrepareRequest) => {
  void (async () => {
    try {
      const { tensor, geometry } = letterbox(await decodeImageRgb(request.path), request.imgsz);
      const reply: PrepareReply = { id: request.id, ok: true, tensor, geometry };
      parentPort!.postMessage(reply, [tensor.buffer as ArrayBuffer]);
    } catch (error) {
      const reply: PrepareReply = { id: request.id, ok: false, message: (error as Error).message, userError: error instanceof UserError };
      parentPort!.postMessage(reply);
    }
  })();
});

import { parentPort } from 'node:worker_threads';
import { UserError } from '../../core/src/errors.ts';
import { decodeImageRgb } from '../../core/src/images/decode-image.ts';
import type { InverseLetterbox, LetterboxGeometry } from '../../core/src/images/letterbox-geometry.ts';
import { letterbox, type LetterboxStyle } from '../../core/src/images/letterbox.ts';

/** Worker side of LetterboxPool: decode + letterbox one image per message, tensor buffer transferred back. */
export interface PrepareRequest {
  readonly id: number;
  readonly path: string;
  readonly imgsz: number;
  readonly style: LetterboxStyle;
}

export type PrepareReply =
  | { readonly id: number; readonly ok: true; readonly tensor: Float32Array; readonly geometry: LetterboxGeometry; readonly inverse: InverseLetterbox }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly userError: boolean };

parentPort?.on('message', (request: PrepareRequest) => {
  void (async () => {
    try {
      const { tensor, geometry, inverse } = letterbox(await decodeImageRgb(request.path), request.imgsz, request.style);
      const reply: PrepareReply = { id: request.id, ok: true, tensor, geometry, inverse };
      parentPort!.postMessage(reply, [tensor.buffer as ArrayBuffer]);
    } catch (error) {
      const reply: PrepareReply = { id: request.id, ok: false, message: (error as Error).message, userError: error instanceof UserError };
      parentPort!.postMessage(reply);
    }
  })();
});

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UserError } from '../../../core/src/errors.ts';

/** Bytes of a JSON document delivered in chunks, plus what an error message needs to locate an offset. */
export interface ByteSource {
  /** Display name for error messages (a file path). */
  readonly name: string;
  /** Total size in bytes, when known (for progress). */
  readonly size: number;
  /** Fills `into` from the current position; returns the number of bytes read, 0 at the end. */
  read(into: Buffer): number;
  /** 1-based line and column (in bytes) of a byte offset; only called to report an error. */
  locate(offset: number): { line: number; column: number };
  close(): void;
}

export const defaultChunkBytes = 4 << 20;

/** Reads a file synchronously in chunks; nothing beyond one chunk is held in memory. */
export function fileByteSource(path: string): ByteSource {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new UserError(`cannot open the annotation file (${(error as NodeJS.ErrnoException).code ?? String(error)})`, path);
  }
  const size = fstatSync(fd).size;
  let position = 0;
  return {
    name: path,
    size,
    read(into) {
      const count = readSync(fd, into, 0, into.length, position);
      position += count;
      return count;
    },
    locate(offset) {
      // Rescans from the start: costs one pass over the file, paid only when reporting an error.
      const chunk = Buffer.allocUnsafe(defaultChunkBytes);
      let line = 1;
      let lineStart = 0;
      for (let base = 0; base < offset; ) {
        const count = readSync(fd, chunk, 0, Math.min(chunk.length, offset - base), base);
        if (count === 0) break;
        for (let i = 0; i < count; i++) {
          if (chunk[i] === 10) {
            line++;
            lineStart = base + i + 1;
          }
        }
        base += count;
      }
      return { line, column: offset - lineStart + 1 };
    },
    close() {
      closeSync(fd);
    },
  };
}

/** Serves an in-memory document in chunks of `chunkBytes` (tests use tiny chunks to hit every boundary). */
export function bufferByteSource(bytes: Buffer, name = '<memory>', chunkBytes = defaultChunkBytes): ByteSource {
  let position = 0;
  return {
    name,
    size: bytes.length,
    read(into) {
      const count = bytes.copy(into, 0, position, Math.min(bytes.length, position + chunkBytes, position + into.length));
      position += count;
      return count;
    },
    locate(offset) {
      let line = 1;
      let lineStart = 0;
      for (let i = 0; i < offset && i < bytes.length; i++) {
        if (bytes[i] === 10) {
          line++;
          lineStart = i + 1;
        }
      }
      return { line, column: offset - lineStart + 1 };
    },
    close() {},
  };
}

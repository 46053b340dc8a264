import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** The workspace root, found from this file's place in libs/core/src. */
export const workspaceRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

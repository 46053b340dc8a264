import { fileURLToPath } from 'node:url';
import { relative, resolve } from 'node:path';

/** The workspace root, found from this file's place in libs/core/src. */
export const workspaceRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** A path as users see it in messages: relative to the workspace root. */
export const fromWorkspace = (path: string): string => relative(workspaceRoot, path);

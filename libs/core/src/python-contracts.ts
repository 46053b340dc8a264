/**
 * The files through which the Python side (yolo_py) learns what TypeScript defines once: they are emitted
 * from the TypeScript definitions into libs/yolo-py/yolo_py/contracts/ and checked in, and a test fails when
 * one is stale (`node --import tsx tools/emit-python-contracts.ts` rewrites them).
 */
import { join } from 'node:path';
import { variants } from './variants.ts';
import { graphKinds } from './vocabulary.ts';
import { workspaceRoot } from './workspace.ts';

export const pythonContractsDir = join(workspaceRoot, 'libs', 'yolo-py', 'yolo_py', 'contracts');

/** Each contract file's name inside pythonContractsDir and its exact text. Pure. */
export function pythonContracts(): Record<string, string> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  return {
    'variants.json': json({ variants }),
    'graph_kinds.json': json({ graphKinds }),
  };
}

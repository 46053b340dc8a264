import { isAbsolute, join, resolve } from 'node:path';
import type { DatasetConfig } from '../../core/src/config/schema.ts';
import { UserError } from '../../core/src/errors.ts';
import { workspaceRoot } from '../../core/src/workspace.ts';

export const cocoSplits = ['train2017', 'val2017'] as const;
export type CocoSplit = (typeof cocoSplits)[number];

/** COCO2017's layout: a split's image folder and instances file under the COCO root. */
export function cocoSplitSource(cocoRoot: string, split: CocoSplit): { annotationFile: string; imagesDir: string } {
  return { annotationFile: join(cocoRoot, 'annotations', `instances_${split}.json`), imagesDir: join(cocoRoot, split) };
}

/** Where the dataset comes from: generated shapes (demo) or COCO2017 on disk (env COCO_ROOT, then conf). */
export type DatasetSource = { kind: 'synthetic'; settings: DatasetConfig['synthetic'] } | { kind: 'coco'; root: string };

export function resolveSource(config: DatasetConfig, env: NodeJS.ProcessEnv = process.env): DatasetSource {
  if (config.source === 'synthetic') return { kind: 'synthetic', settings: config.synthetic };
  const root = env.COCO_ROOT || config.cocoRoot;
  if (!root) {
    throw new UserError(
      'the coco profile needs the COCO2017 folder: set COCO_ROOT=/path/to/coco (holding train2017/, val2017/, annotations/) or cocoRoot in conf/dataset.yaml',
      'COCO_ROOT',
    );
  }
  return { kind: 'coco', root: isAbsolute(root) ? root : resolve(workspaceRoot, root) };
}

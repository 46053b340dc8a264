/**
 * The FP16 teacher a distilling QAT training (train-qat or train-qat-ft) reads (conf/qat.yaml `distill`): train-fp16's
 * best.pt, found in the run root, and its sha256, which the request carries so that a resumed run keeps the teacher it
 * started with and a new FP16 model restarts the distilled run instead.
 */
import { join } from 'node:path';
import { requireArtifact } from '../../core/src/artifacts.ts';
import type { QatConfig } from '../../core/src/config/schema.ts';
import { sha256File } from '../../core/src/hashing.ts';
import { artifactFiles, type RunLayout } from '../../core/src/layout.ts';
import { isQuantized, type Variant } from '../../core/src/variants.ts';
import type { Teacher } from './request.ts';

/** The teacher when this training distills, else null; a missing best.pt fails naming it and the target that writes it. */
export async function resolveTeacher(variant: Variant, qat: QatConfig | null, layout: RunLayout): Promise<Teacher | null> {
  if (!isQuantized(variant) || !qat?.distill) return null;
  const path = await requireArtifact(join(layout.train.fp16, artifactFiles.bestWeights), layout, 'distillation (conf/qat.yaml distill) needs the FP16 teacher');
  return { path, sha256: await sha256File(path) };
}

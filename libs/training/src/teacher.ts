/**
 * train-fp16's best.pt as the QAT trainings read it: the teacher of a distilling one (conf/qat.yaml `distill`), and the
 * fine-tune's start. Found in the run root and pinned by its sha256, which the request carries, so that a resumed run
 * keeps the file it started with and a new FP16 model restarts it instead.
 */
import { join } from 'node:path';
import { requireArtifact } from '../../core/src/artifacts.ts';
import type { QatConfig } from '../../core/src/config/schema.ts';
import { sha256File } from '../../core/src/hashing.ts';
import { artifactFiles, type RunLayout } from '../../core/src/layout.ts';
import { isQuantized, type Variant } from '../../core/src/variants.ts';
import type { Fp16Checkpoint } from './request.ts';

/** train-fp16's best.pt and its sha256; a missing file fails naming it, `why` it is needed, and the target that writes it. */
export async function pinFp16Best(layout: RunLayout, why: string): Promise<Fp16Checkpoint> {
  const path = await requireArtifact(join(layout.train.fp16, artifactFiles.bestWeights), layout, why);
  return { path, sha256: await sha256File(path) };
}

/** The teacher when this training distills, else null. */
export async function resolveTeacher(variant: Variant, qat: QatConfig | null, layout: RunLayout): Promise<Fp16Checkpoint | null> {
  if (!isQuantized(variant) || !qat?.distill) return null;
  return pinFp16Best(layout, 'distillation (conf/qat.yaml distill) needs the FP16 teacher');
}

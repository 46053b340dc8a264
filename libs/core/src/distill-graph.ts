/**
 * The one read of a stage that a conf/ setting decides: a QAT training that distills (conf/qat.yaml `distill`) reads its
 * teacher, train-fp16's best.pt. With distillation off (the default) train-qat does not depend on train-fp16 and the two
 * trainings run side by side. train-qat-ft reads that file whatever conf/ says (it starts from it: its declaration's
 * alsoReads), so only train-qat's read is decided here.
 *
 * An Nx target has one list of dependencies and inputs for all its configurations (the profiles), so the read is declared
 * when any profile distills: then every profile's train-qat waits for train-fp16 and reruns when its best.pt changes,
 * also a profile that does not distill (docs/quantization.md). Only the Nx plugin calls this (train-qat's declaration hands it over as confDecidedReads), when it
 * builds the graph, which Nx does for every command run without its daemon: an edit to conf/qat.yaml is seen by the next
 * command. The training itself decides per profile (libs/training/src/teacher.ts).
 */
import { confDir, knownProfiles, loadSection } from './config/load.ts';
import { artifactFiles } from './layout.ts';
import type { StageName } from './stage-outputs.ts';

/** train-qat's read of the teacher when some profile distills, else nothing. */
export function teacherReads(dir: string = confDir): Partial<Record<StageName, readonly string[]>> {
  return knownProfiles.some((profile) => loadSection('qat', profile, dir).distill !== null) ? { 'train-fp16': [artifactFiles.bestWeights] } : {};
}

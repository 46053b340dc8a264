/** The train-qat stage: see libs/training/src/run-training.ts. */
import { runMain } from '../../core/src/errors.ts';
import { parseStageArgs } from '../../core/src/stage-args.ts';
import { runTrainingStage } from '../../training/src/run-training.ts';

runMain(async () => {
  const { profile, layout } = parseStageArgs();
  await runTrainingStage('qat', profile, layout);
});

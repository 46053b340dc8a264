/** The train-qat-ft stage: see libs/training/src/run-training.ts. */
import { runStageMain } from '../../core/src/stage-args.ts';
import { runTrainingStage } from '../../training/src/run-training.ts';

runStageMain((profile, layout) => runTrainingStage('qat-ft', profile, layout));

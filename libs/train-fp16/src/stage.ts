/** The train-fp16 stage: see libs/training/src/run-training.ts. */
import { runStageMain } from '../../core/src/stage-args.ts';
import { runTrainingStage } from '../../training/src/run-training.ts';

runStageMain((profile, layout) => runTrainingStage('fp16', profile, layout));

/**
 * The declaration every training stage shares: they all run run-training.ts and `python -m yolo_py.train`, read the
 * dataset and the train arguments, and write the same files, so a training's own declaration states only what sets
 * it apart (whether it trains quantized, its folder, a starting checkpoint it reads).
 */
import { artifactFiles as f, trainArgsFileName, type RunLayout } from '../../core/src/layout.ts';
import type { StageDeclaration } from '../../core/src/stage-declaration.ts';

/** The packages every training imports (tensorboard: Ultralytics writes the run's events with it); the rest of their stack (torchvision, opencv, CUDA, ...) follows from these. */
const trainingPackages = ['torch', 'ultralytics', 'brevitas', 'numpy', 'tensorboard'];

/** What every training reads from conf/ that is not an input (run-training.ts loads them for any variant). */
const trainingNotInputs = {
  'resources.yaml': 'where and how fast (devices, workers, CUDA graphs), not what: moving a run never invalidates it',
  'watch.yaml': 'what the trainer warns about, not what it trains: a threshold edit never retrains or restarts a run (request.ts leaves it out of the resume digest)',
};

export interface Training {
  /** Trains with the W4A16 quantizer: conf/qat.yaml is then an input; otherwise run-training.ts never reads it. */
  quantized: boolean;
  /** Its folder in the run layout. */
  output: (layout: RunLayout) => string;
  /** Upstream artifacts it reads besides the dataset's fingerprint and the train arguments (a fine-tune: its starting checkpoint). */
  alsoReads?: StageDeclaration['reads'];
  /** Upstream reads a conf/ setting decides, evaluated by the Nx plugin only (StageDeclaration.confDecidedReads). */
  confDecidedReads?: StageDeclaration['confDecidedReads'];
  /** Fine-tunes a trained model: conf/finetune.yaml (its schedule) is then an input; otherwise run-training.ts never reads it. */
  fineTune?: boolean;
}

/** The declaration of the training stage `stage` (its registered name), whose script libs/<stage>/src/stage.ts calls run-training.ts. */
export function trainingDeclaration(stage: string, t: Training): StageDeclaration {
  return {
    conf: ['train.yaml', ...(t.quantized ? ['qat.yaml'] : []), ...(t.fineTune ? ['finetune.yaml'] : [])],
    confNotInputs: {
      ...trainingNotInputs,
      ...(t.quantized ? {} : { 'qat.yaml': 'the shared run-training.ts loads it for the QAT variants only: an FP16 run never reads it' }),
      ...(t.fineTune ? {} : { 'finetune.yaml': 'the shared run-training.ts loads it for the fine-tune only: a training from scratch never reads it' }),
    },
    code: { ts: [`libs/${stage}/src/stage.ts`], python: ['yolo_py.train'] },
    pythonPackages: trainingPackages,
    reads: { dataset: [f.fingerprint], hyps: [trainArgsFileName], ...t.alsoReads },
    ...(t.confDecidedReads ? { confDecidedReads: t.confDecidedReads } : {}),
    output: t.output,
    // Not its loss.png/html: drawn best effort (a GPU host may have no Chromium), so a run without them is still whole
    // (output-stamp.ts keeps a folder only when every declared file is there); no stage reads them.
    writes: [f.runJson, f.resultsCsv, f.trainRequest, f.bestWeights, f.lastWeights],
    nxCache: 'writes',
  };
}

/** The eval stage's declaration (libs/core/src/stage-declaration.ts). */
import { artifactFiles as f, metricsFileName } from '../../core/src/layout.ts';
import type { StageDeclaration } from '../../core/src/stage-declaration.ts';

export const evalStage: StageDeclaration = {
  conf: ['eval.yaml', 'preprocess.yaml'],
  code: { ts: ['libs/eval/src/stage.ts'], python: [] },
  pythonPackages: [],
  // export.json: the input size the files were exported at; run.json: the trainings' final validation, which the
  // fidelity check compares each ONNX file's score with.
  reads: {
    export: ['*.onnx', f.exportJson],
    'ptq-w4a16': ['*.onnx'],
    'ptq-w8a8': ['*.onnx'],
    dataset: [f.fingerprint],
    'train-fp16': [f.runJson],
    'train-qat': [f.runJson],
    'train-qat-ft': [f.runJson],
  },
  output: (l) => l.eval,
  writes: [...Object.values(metricsFileName), f.evalJson],
};

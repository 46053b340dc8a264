/** The export stage's declaration (libs/core/src/stage-declaration.ts). */
import { artifactFiles as f, headOnnxFileName } from '../../core/src/layout.ts';
import type { StageDeclaration } from '../../core/src/stage-declaration.ts';

export const exportStage: StageDeclaration = {
  // The dataset: the train images a BatchNorm re-estimation (export.yaml) runs the QAT model on.
  conf: ['export.yaml', 'train.yaml'],
  code: { ts: ['libs/export/src/stage.ts'], python: ['yolo_py.export_cli'] },
  pythonPackages: ['torch', 'ultralytics', 'brevitas', 'onnx', 'onnxruntime', 'numpy'],
  reads: { 'train-fp16': [f.bestWeights], 'train-qat': [f.bestWeights], 'train-qat-ft': [f.bestWeights], dataset: [f.fingerprint] },
  output: (l) => l.onnx,
  // Both heads of each trained model: the one-to-one (NMS-free) file and the one-to-many file scored with NMS.
  writes: [...Object.values(headOnnxFileName).flatMap((files) => Object.values(files)), f.exportJson, f.exportRequest],
};

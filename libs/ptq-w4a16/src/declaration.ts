/**
 * The ptq-w4a16 stage's declaration (libs/core/src/stage-declaration.ts). A stage apart from ptq-w8a8, so that a
 * calibration change (ptq.yaml) reruns the W8A8 branch only.
 */
import { artifactFiles as f, onnxFileName, ptqFiles } from '../../core/src/layout.ts';
import type { StageDeclaration } from '../../core/src/stage-declaration.ts';

export const ptqW4a16: StageDeclaration = {
  // qat.yaml: the very quantizer settings the QAT run trained with; the opset and imgsz come from export.json.
  conf: ['qat.yaml'],
  code: { ts: ['libs/ptq-w4a16/src/stage.ts'], python: ['yolo_py.ptq_w4a16_cli'] },
  pythonPackages: ['torch', 'ultralytics', 'brevitas', 'onnx', 'onnxruntime', 'numpy'],
  reads: { 'train-fp16': [f.bestWeights], 'train-qat': [f.bestWeights], export: [onnxFileName.qat, onnxFileName['qat-ft'], f.exportJson] },
  output: (l) => l.ptq.w4a16,
  writes: [...Object.values(ptqFiles.w4a16), f.ptqRequest],
};

/** The ptq-w8a8 stage's declaration (libs/core/src/stage-declaration.ts). */
import { artifactFiles as f, calibrationListFileName, onnxFileName, ptqFiles } from '../../core/src/layout.ts';
import type { StageDeclaration } from '../../core/src/stage-declaration.ts';

export const ptqW8a8: StageDeclaration = {
  // preprocess.yaml: the calibration images are letterboxed in the evaluator's style (not eval.yaml: its
  // threads, batch or providers cannot change a calibration); imgsz: the FP16 file's own input size (not
  // export.json, which a QAT change rewrites).
  conf: ['ptq.yaml', 'preprocess.yaml'],
  code: { ts: ['libs/ptq-w8a8/src/stage.ts'], python: ['yolo_py.ptq_w8a8_cli'] },
  pythonPackages: ['onnx', 'onnxruntime', 'numpy'],
  reads: { export: [onnxFileName.fp16], dataset: [f.fingerprint] },
  output: (l) => l.ptq.w8a8,
  writes: [...Object.values(ptqFiles.w8a8), calibrationListFileName, f.ptqRequest],
};

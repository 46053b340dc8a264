/** The hyps stage's declaration (libs/core/src/stage-declaration.ts). */
import { artifactFiles as f, trainArgsFileName } from '../../core/src/layout.ts';
import type { StageDeclaration } from '../../core/src/stage-declaration.ts';

export const hyps: StageDeclaration = {
  conf: ['hyp.scratch.yaml'],
  // yolo_py.check_args: Ultralytics checks the ported arguments.
  code: { ts: ['libs/hyps/src/stage.ts'], python: ['yolo_py.check_args'] },
  pythonPackages: ['ultralytics'],
  reads: {},
  output: (l) => l.hyps,
  writes: [trainArgsFileName, f.provenance],
};

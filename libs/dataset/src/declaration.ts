/** The dataset stage's declaration (libs/core/src/stage-declaration.ts). */
import { artifactFiles as f } from '../../core/src/layout.ts';
import type { StageDeclaration } from '../../core/src/stage-declaration.ts';

export const dataset: StageDeclaration = {
  conf: ['dataset.yaml'],
  // fingerprint.ts runs as the runtime input below (COCO data lives outside git, where Nx hashes nothing).
  code: { ts: ['libs/dataset/src/stage.ts', 'libs/dataset/src/fingerprint.ts'], python: [] },
  pythonPackages: [],
  reads: {},
  output: (l) => l.dataset,
  writes: [f.dataYaml, f.provenance, f.fingerprint],
  env: ['COCO_ROOT'],
  runtime: ['node --import tsx libs/dataset/src/fingerprint.ts'],
};

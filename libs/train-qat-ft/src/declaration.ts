/** The train-qat-ft stage: W4A16 QAT fine-tuned from the FP16 baseline's best.pt (libs/training/src/declaration.ts). */
import { artifactFiles as f } from '../../core/src/layout.ts';
import { trainingDeclaration } from '../../training/src/declaration.ts';

export const trainQatFt = trainingDeclaration('train-qat-ft', {
  quantized: true, // conf/qat.yaml is an input
  fineTune: true, // conf/finetune.yaml is an input
  output: (l) => l.train['qat-ft'], // <run-root>/qat-w4a16-ft, spelled in layout.ts
  alsoReads: { 'train-fp16': [f.bestWeights] }, // the checkpoint it starts from
});

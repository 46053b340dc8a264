/** The train-fp16 stage: the FP16/AMP baseline (libs/training/src/declaration.ts). */
import { trainingDeclaration } from '../../training/src/declaration.ts';

export const trainFp16 = trainingDeclaration('train-fp16', { quantized: false, output: (l) => l.train.fp16 });

/** The train-qat stage: Brevitas W4A16 quantization-aware training from scratch (libs/training/src/declaration.ts). */
import { trainingDeclaration } from '../../training/src/declaration.ts';

export const trainQat = trainingDeclaration('train-qat', { quantized: true, output: (l) => l.train.qat });

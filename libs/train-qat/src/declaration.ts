/** The train-qat stage: Brevitas W4A16 quantization-aware training from scratch (libs/training/src/declaration.ts). */
import { teacherReads } from '../../core/src/distill-graph.ts';
import { trainingDeclaration } from '../../training/src/declaration.ts';

// A distilling QAT run also reads its FP16 teacher (distill-graph.ts), which the Nx plugin alone works out.
export const trainQat = trainingDeclaration('train-qat', { quantized: true, output: (l) => l.train.qat, confDecidedReads: () => teacherReads() });

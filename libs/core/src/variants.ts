/**
 * The variant names, defined once: every stage and artifact, and the Python side (yolo_py/variants.py
 * reads the emitted yolo_py/contracts/variants.json). Apart from the other names (vocabulary.ts) because the
 * trainings import it: a label or stat name edit must not reach their inputs.
 */

/** The trained variants: the FP16/AMP baseline and the Brevitas W4A16 QAT model (their folders: layout.ts trainingFolder). */
export const variants = ['fp16', 'qat'] as const;
export type Variant = (typeof variants)[number];

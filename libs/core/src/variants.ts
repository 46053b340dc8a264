/**
 * The variant names, defined once: every stage and artifact, and the Python side (yolo_py/variants.py
 * reads the emitted yolo_py/contracts/variants.json). Apart from the other names (vocabulary.ts) because the
 * trainings import it: a label or stat name edit must not reach their inputs.
 */

/**
 * The trained variants: the FP16/AMP baseline, the Brevitas W4A16 QAT model trained from scratch, and the W4A16 QAT
 * fine-tune of the FP16 baseline's best.pt (their folders: layout.ts trainingFolder).
 */
export const variants = ['fp16', 'qat', 'qat-ft'] as const;
export type Variant = (typeof variants)[number];
/** The variants trained with the W4A16 quantizer (conf/qat.yaml): yolo_py.quant checkpoints, exported as QCDQ. */
export const quantizedVariants = ['qat', 'qat-ft'] as const satisfies readonly Variant[];
export type QuantizedVariant = (typeof quantizedVariants)[number];
/** The variant that fine-tunes the FP16 model rather than training from scratch (conf/finetune.yaml, request.fine_tune). */
export const fineTuneVariant = 'qat-ft' as const satisfies QuantizedVariant;
/** A record with one entry per variant, made by `make`. */
export const byVariant = <T>(make: (v: Variant) => T): Record<Variant, T> => Object.fromEntries(variants.map((v) => [v, make(v)])) as Record<Variant, T>;
export const isQuantized = (v: Variant): v is QuantizedVariant => (quantizedVariants as readonly Variant[]).includes(v);

/**
 * The kinds of training event, defined once: progress.json's and run.json's `events` (schemas/training.ts, whose
 * emitted contracts yolo_py checks its writes against) and the summary's labels (vocabulary.ts). Apart from both
 * so that neither the trainings' inputs hold a label nor the other stages' inputs hold the training schemas.
 * - collapse: validation mAP50-95 stayed more than a set fraction below its best for a set number of epochs
 *   (the 4-bit collapse watch);
 * - nanRecovery: a non-finite loss or weights; the epoch was redone from the last checkpoint;
 * - batchReduced: out of GPU memory in the first epoch; the batch was halved and training went on;
 * - checkpointFallback: a resume found last.pt torn or unreadable and went back to an older checkpoint.
 */
export const trainingEventKinds = ['collapse', 'nanRecovery', 'batchReduced', 'checkpointFallback'] as const;
export type TrainingEventKind = (typeof trainingEventKinds)[number];

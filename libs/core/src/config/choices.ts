/**
 * The closed lists of values conf/ accepts that code beyond the config schema also needs at run time (the evaluator,
 * its CLI and its worker threads, the artifact schemas): defined once, here, without zod, so that a worker thread
 * loads none of it. schema.ts builds its enums from them.
 */

/** How an image becomes the model's input: libs/core/src/images/letterbox.ts says what each style does. */
export const letterboxStyles = ['val', 'predict'] as const;
export type LetterboxStyle = (typeof letterboxStyles)[number];

/** onnxruntime execution providers the evaluator can run on, by onnxruntime-node's names. */
export const executionProviders = ['cpu', 'cuda', 'tensorrt'] as const;
export type ExecutionProvider = (typeof executionProviders)[number];

/** onnxruntime's graph optimisation levels and execution modes. */
export const graphOptimizationLevels = ['disabled', 'basic', 'extended', 'all'] as const;
export const executionModes = ['sequential', 'parallel'] as const;

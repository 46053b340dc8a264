export { evaluateCocoBbox, type EvaluateOptions } from './evaluate.ts';
export { loadCocoInstancesFile, loadCocoResultsFile } from './files.ts';
export { checkInstances, checkResults, knownIds, type KnownIds } from './validate.ts';
export { AREA_RANGES, IOU_THRESHOLDS, MAX_DETS, RECALL_THRESHOLDS } from './params.ts';
export type {
  CategoryAp,
  CocoAnnotation,
  CocoBboxEvaluation,
  CocoBboxStats,
  CocoCategory,
  CocoImage,
  CocoInstances,
  CocoResult,
} from './types.ts';
